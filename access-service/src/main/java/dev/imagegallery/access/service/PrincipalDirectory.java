package dev.imagegallery.access.service;

import dev.imagegallery.common.security.Caller;
import dev.imagegallery.common.security.CallerProducer;
import io.quarkus.logging.Log;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which tenant a principal belongs to, as far as this system has seen: every token access-service verifies records
 * its subject (a User) and each of its groups (a Group) under the token's tenant. There is no directory to ask
 * (principal ids are opaque to us), so a principal never seen is unknown, and assignments to it are accepted as
 * Azure accepts a principal it cannot look up yet when {@code principalType} is given.
 */
@ApplicationScoped
public class PrincipalDirectory implements SecurityIdentityAugmentor {
    private final Pool pool;
    /** tenant|principal pairs already written by this process (the insert is idempotent; this only saves trips). */
    private final Set<String> recorded = ConcurrentHashMap.newKeySet();

    public PrincipalDirectory(Pool pool) {
        this.pool = pool;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous()) {
            return Uni.createFrom().item(identity);
        }
        Caller caller;
        try {
            caller = CallerProducer.fromIdentity(identity);
        } catch (RuntimeException e) {
            // a verified token that names no tenant, or a tenant its issuer does not serve: refused here, so that it
            // is a 401 on every route (also those that never ask who calls), not only where the caller is read
            return Uni.createFrom().failure(new AuthenticationFailedException(e.getMessage(), e));
        }
        List<String[]> fresh = new ArrayList<>();
        if (recorded.add(caller.tenantId() + "|" + caller.principalId())) {
            fresh.add(new String[]{caller.principalId(), "User"});
        }
        for (String g : caller.groups()) {
            if (recorded.add(caller.tenantId() + "|" + g)) {
                fresh.add(new String[]{g, "Group"});
            }
        }
        if (fresh.isEmpty()) {
            return Uni.createFrom().item(identity);
        }
        return pool.preparedQuery("INSERT INTO principal_directory (tenant_id, principal_id, principal_type) "
                        + "SELECT $1, * FROM unnest($2::text[], $3::text[]) ON CONFLICT DO NOTHING")
                .execute(Tuple.of(caller.tenantId(), fresh.stream().map(f -> f[0]).toArray(String[]::new),
                        fresh.stream().map(f -> f[1]).toArray(String[]::new)))
                .replaceWith(identity)
                .onFailure().recoverWithItem(e -> {
                    fresh.forEach(f -> recorded.remove(caller.tenantId() + "|" + f[0]));
                    Log.warnf("cannot record the principals of a token: %s", e.getMessage());
                    return identity;
                });
    }

    /** The tenants a principal id has been seen in (usually one; none when never seen). */
    public Uni<List<String>> tenantsOf(String principalId) {
        return pool.preparedQuery("SELECT DISTINCT tenant_id FROM principal_directory "
                        + "WHERE lower(principal_id) = $1 ORDER BY tenant_id")
                .execute(Tuple.of(principalId.toLowerCase(Locale.ROOT)))
                .map(rows -> {
                    List<String> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(r.getString(0));
                    }
                    return out;
                });
    }
}

package dev.imagegallery.common.security;

import dev.imagegallery.common.arm.ArmException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;

/**
 * Role-based authorization at ARM scopes, decided on the local read model of grants (tables {@code grant_view} and
 * {@code subscription_view}, fed by access-service's events). A subscription outside the caller's tenant answers 404:
 * its existence is secret. A scope inside the caller's tenant without a covering grant answers 403.
 * <p>
 * Plain SQL on the reactive pool rather than Panache, so that blocking endpoints (uploads) can use it from a worker
 * thread too.
 */
@ApplicationScoped
public class Authorizer {
    public record Grant(String scope, String roleDefinitionId) {
    }

    private final Pool pool;

    public Authorizer(Pool pool) {
        this.pool = pool;
    }

    /** Fails with 404 or 403 unless the caller may perform {@code action} at {@code scope}. */
    public Uni<Void> require(Caller caller, String scope, String action) {
        String subscription = Scopes.subscriptionOf(scope);
        if (subscription == null) {
            return Uni.createFrom().failure(ArmException.invalid("InvalidScope", "'" + scope
                    + "' is not a subscription scope.", scope));
        }
        return requireSubscription(caller, subscription)
                .flatMap(v -> grantsOf(caller))
                .map(grants -> {
                    if (!allows(grants, scope, action)) {
                        throw ArmException.forbidden(caller.principalId(), action, scope);
                    }
                    return null;
                });
    }

    /** Fails with 404 unless the subscription exists in the caller's tenant. */
    public Uni<Void> requireSubscription(Caller caller, String subscription) {
        return pool.preparedQuery("SELECT tenant_id FROM subscription_view WHERE subscription_id = $1")
                .execute(Tuple.of(subscription.toLowerCase()))
                .map(rows -> {
                    if (rows.size() == 0 || !rows.iterator().next().getString("tenant_id").equals(caller.tenantId())) {
                        throw ArmException.notFound("SubscriptionNotFound", "The subscription '" + subscription
                                + "' could not be found.", subscription);
                    }
                    return null;
                });
    }

    public Uni<List<Grant>> grantsOf(Caller caller) {
        return pool.preparedQuery("SELECT scope, role_definition_id FROM grant_view "
                        + "WHERE tenant_id = $1 AND principal_id = ANY($2)")
                .execute(Tuple.of(caller.tenantId(), caller.principalIds().toArray(new String[0])))
                .map(rows -> {
                    List<Grant> grants = new ArrayList<>();
                    for (Row r : rows) {
                        grants.add(new Grant(r.getString("scope"), r.getString("role_definition_id")));
                    }
                    return grants;
                });
    }

    public static boolean allows(List<Grant> grants, String scope, String action) {
        return grants.stream().anyMatch(g -> Scopes.covers(g.scope(), scope)
                && BuiltInRoles.byId(g.roleDefinitionId()).map(r -> r.allows(action)).orElse(false));
    }
}

package dev.imagegallery.access.publicstream;

import dev.imagegallery.access.config.PublicStreamsConfig;
import dev.imagegallery.access.domain.Inputs;
import dev.imagegallery.access.service.AccessService;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.db.StoredTime;
import dev.imagegallery.common.security.Caller;
import dev.imagegallery.events.PublicEvents;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Registering a tenant's event subscribers (an administrator of the tenant: Owner of one of its subscriptions): a
 * confidential client in the tenant's realm, the tenant's stream (created if it is not yet), and the subscriber's
 * Kafka ACLs. The row is written first (so two concurrent registrations of one name cannot both proceed: the second
 * is 409), then the client and the ACLs; if either fails, what was made is undone and the row removed (503).
 */
@ApplicationScoped
public class SubscriberService {
    /** 3 to 63 lower-case letters, digits and hyphens, starting and ending with a letter or digit. */
    public static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$");
    public static final int DESCRIPTION_MAX = 256;
    static final String PROVISIONING = "Provisioning";
    /** A registration takes seconds; a row still Provisioning after this lost its registration (a restart). */
    static final java.time.Duration PROVISIONING_STUCK_AFTER = java.time.Duration.ofMinutes(2);
    static final String SUCCEEDED = "Succeeded";

    /** A registered subscriber; {@code secret} only in the answer that created it. */
    public record Subscriber(String tenantId, String name, String clientId, String description, String state,
                             Instant createdAt, String createdBy, String secret) {
    }

    private final Pool pool;
    private final AccessService access;
    private final KeycloakClients keycloak;
    private final BusAdmin bus;
    private final PublicStreamsConfig config;

    public SubscriberService(Pool pool, AccessService access, KeycloakClients keycloak, BusAdmin bus,
                             PublicStreamsConfig config) {
        this.pool = pool;
        this.access = access;
        this.keycloak = keycloak;
        this.bus = bus;
        this.config = config;
    }

    public PublicStreamsConfig config() {
        return config;
    }

    public static String name(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw ArmException.invalid("InvalidSubscriberName", "A subscriber name is 3 to 63 lower-case letters, "
                    + "digits and hyphens, starting and ending with a letter or digit: '" + Inputs.shown(
                    name == null ? "" : name) + "'.", "name");
        }
        return name;
    }

    /**
     * The tenant, if the caller administers it; a tenant other than the caller's is 404 as one that does not exist
     * (its existence is no business of the caller), a caller without Owner on one of its subscriptions 403.
     */
    public Uni<Void> requireAdmin(Caller caller, String tenantId, String action) {
        if (tenantId == null || !tenantId.equals(caller.tenantId())) {
            throw ArmException.notFound("TenantNotFound", "The tenant '" + Inputs.shown(tenantId == null ? ""
                    : tenantId) + "' could not be found.", "tenantId");
        }
        return Panache.withSession(() -> access.isTenantAdmin(caller)).map(admin -> {
            if (!admin) {
                throw ArmException.forbidden(caller.principalId(), action, "/tenants/" + tenantId);
            }
            return null;
        });
    }

    public Uni<Subscriber> get(Caller caller, String tenantId, String name) {
        name(name);
        return requireAdmin(caller, tenantId, "Microsoft.Gallery/eventSubscribers/read")
                .chain(() -> find(tenantId, name))
                .map(s -> {
                    if (s == null) {
                        throw notFound(name);
                    }
                    return s;
                });
    }

    public Uni<List<Subscriber>> list(Caller caller, String tenantId) {
        return requireAdmin(caller, tenantId, "Microsoft.Gallery/eventSubscribers/read")
                .chain(() -> pool.preparedQuery("SELECT tenant_id, name, client_id, description, state, created_at, "
                        + "created_by FROM event_subscriber WHERE tenant_id = $1 ORDER BY name")
                        .execute(Tuple.of(tenantId)))
                .map(rows -> {
                    List<Subscriber> out = new ArrayList<>();
                    rows.forEach(r -> out.add(of(r)));
                    return out;
                });
    }

    /** Registers the subscriber; answers it with its secret when created now, without when it existed. */
    public Uni<AccessService.Upsert<Subscriber>> put(Caller caller, String tenantId, String name, String description) {
        name(name);
        if (description != null && description.length() > DESCRIPTION_MAX) {
            throw ArmException.invalidParameter("properties.description", "The description is longer than "
                    + DESCRIPTION_MAX + " characters.");
        }
        return requireAdmin(caller, tenantId, "Microsoft.Gallery/eventSubscribers/write")
                .chain(() -> find(tenantId, name))
                .chain(existing -> {
                    if (existing != null) {
                        if (!SUCCEEDED.equals(existing.state())) {
                            throw ArmException.conflict("SubscriberProvisioning", "The subscriber '" + name
                                    + "' is being registered; try again, or DELETE it.", "name");
                        }
                        if (java.util.Objects.equals(existing.description(), description)) {
                            return Uni.createFrom().item(new AccessService.Upsert<>(existing, false));
                        }
                        // a PUT is the whole resource: its description changes (it was answered 200 and dropped);
                        // the credentials stay as they are
                        return pool.preparedQuery("UPDATE event_subscriber SET description = $3 WHERE tenant_id = $1 "
                                        + "AND name = $2").execute(Tuple.tuple(java.util.Arrays.<Object>asList(tenantId, name,
                                        description)))
                                .map(r -> new AccessService.Upsert<>(new Subscriber(existing.tenantId(),
                                        existing.name(), existing.clientId(), description, existing.state(),
                                        existing.createdAt(), existing.createdBy(), null), false));
                    }
                    Instant now = StoredTime.now(); // answered as its GETs will say it
                    int max = config.maxSubscribersPerTenant();
                    return recentlyDeleted(tenantId, name, now).chain(() -> register(caller, tenantId, name,
                            description, now, max));
                });
    }

    /**
     * 409 {@code SubscriberRecentlyDeleted} for a name deleted less than a token's lifespan ago: a token of the deleted
     * client is valid until it expires (the broker checks its signature and expiry, not its client), and registering
     * the name again made the same principal and gave that token the new registration's ACLs.
     */
    private Uni<Void> recentlyDeleted(String tenantId, String name, Instant now) {
        java.time.Duration lifespan = config.keycloak().subscriberTokenLifespan();
        return pool.preparedQuery("SELECT deleted_at FROM event_subscriber_deleted WHERE tenant_id = $1 AND name = $2")
                .execute(Tuple.of(tenantId, name))
                .map(rows -> {
                    if (rows.size() > 0) {
                        Instant until = rows.iterator().next().getOffsetDateTime("deleted_at").toInstant()
                                .plus(lifespan);
                        if (until.isAfter(now)) {
                            throw ArmException.conflict("SubscriberRecentlyDeleted", "The subscriber '" + name
                                    + "' was deleted less than " + lifespan.toSeconds() + " s ago, and a token of its "
                                    + "client may be valid until " + until.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                                    + ": register it again after that, or choose another name.", "name");
                        }
                    }
                    return null;
                });
    }

    private Uni<AccessService.Upsert<Subscriber>> register(Caller caller, String tenantId, String name,
                                                          String description, Instant now, int max) {
        // the limit in the INSERT itself, the tenant's inserts one at a time (a transaction lock on
        // the tenant): in READ COMMITTED, PUTs of new names at the same moment each counted the rows
        // before the others' and passed the limit together
        return pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_advisory_xact_lock($1)")
                        .execute(Tuple.of(("event_subscriber:" + tenantId).hashCode()))
                        .chain(() -> conn.preparedQuery("INSERT INTO event_subscriber (tenant_id, name, "
                                        + "client_id, description, state, created_at, created_by) SELECT $1, "
                                        + "$2, $3, $4, $5, $6, $7 WHERE (SELECT count(*) FROM "
                                        + "event_subscriber WHERE tenant_id = $1) < $8 ON CONFLICT DO NOTHING")
                                .execute(Tuple.tuple(java.util.Arrays.<Object>asList(tenantId, name, name,
                                        description, PROVISIONING,
                                        OffsetDateTime.ofInstant(now, ZoneOffset.UTC),
                                        caller.principalId(), max)))))
                .chain(r -> r.rowCount() > 0 ? provision(tenantId, name, description)
                        : find(tenantId, name).map(other -> {
                            if (other != null) {
                                throw ArmException.conflict("SubscriberProvisioning", "The subscriber '"
                                        + name + "' is being registered; try again.", "name");
                            }
                            throw ArmException.conflict("SubscriberLimitExceeded", "Tenant '" + tenantId
                                    + "' has " + max + " event subscribers, the most it may have; delete "
                                    + "one first.", "name");
                        }))
                .map(secret -> new AccessService.Upsert<>(new Subscriber(tenantId, name, name,
                        description, SUCCEEDED, now, caller.principalId(), secret), true));
    }

    private Uni<String> provision(String tenantId, String clientId, String description) {
        return keycloak.create(tenantId, clientId, description)
                .call(s -> bus.ensureTopics(List.of(tenantId)))
                .call(s -> bus.createAcls(tenantId, clientId))
                .call(s -> pool.preparedQuery("UPDATE event_subscriber SET state = $3 WHERE tenant_id = $1 "
                        + "AND name = $2 AND state = $4").execute(Tuple.of(tenantId, clientId, SUCCEEDED, PROVISIONING))
                        .map(r -> {
                            if (r.rowCount() == 0) {
                                // deleted while being registered: what this registration made goes too (it was left
                                // working, with no row to list or delete it by: a hostile probe's race)
                                throw new DeletedMeanwhile();
                            }
                            return r;
                        }))
                .onFailure().call(e -> undo(tenantId, clientId, !(e instanceof KeycloakClients.ClientExists)))
                .onFailure().transform(e -> {
                    if (e instanceof KeycloakClients.ClientExists) {
                        return ArmException.conflict("SubscriberNameInUse", "The realm of tenant '" + tenantId
                                + "' has a client named '" + clientId + "' already; choose another name.", "name");
                    }
                    if (e instanceof DeletedMeanwhile) {
                        return ArmException.conflict("SubscriberDeleted", "The subscriber '" + clientId + "' was "
                                + "deleted while it was being registered; nothing of it was kept.", "name");
                    }
                    Log.warnf(e, "registering subscriber %s/%s failed", tenantId, clientId);
                    return new ArmException(503, "ServiceUnavailable", "The subscriber could not be registered "
                            + "now (identity provider or event bus unavailable); nothing was kept. Try again.", null);
                });
    }

    /** A DELETE removed the row of a registration still under way. */
    static final class DeletedMeanwhile extends RuntimeException {
        DeletedMeanwhile() {
            super("deleted while being registered", null, false, false);
        }
    }

    /**
     * Removes what a failed registration made: its client and ACLs (only if this registration made the client: a
     * realm's own client of that name, and whatever ACLs its principal holds, are not this registration's), its row.
     */
    private Uni<Void> undo(String tenantId, String clientId, boolean made) {
        Uni<?> client = made ? keycloak.delete(tenantId, clientId).onFailure().recoverWithNull()
                .chain(() -> bus.deleteAcls(tenantId, clientId).onFailure().recoverWithNull())
                : Uni.createFrom().nullItem();
        return client
                .chain(() -> pool.preparedQuery("DELETE FROM event_subscriber WHERE tenant_id = $1 AND name = $2")
                        .execute(Tuple.of(tenantId, clientId)))
                .replaceWithVoid().onFailure().recoverWithNull();
    }

    /**
     * Removes the subscriber: its ACLs first (it can read nothing from then on, even with a token still valid), then
     * its client (no new token), then the row. True if there was one.
     */
    public Uni<Boolean> delete(Caller caller, String tenantId, String name) {
        name(name);
        return requireAdmin(caller, tenantId, "Microsoft.Gallery/eventSubscribers/delete")
                .chain(() -> find(tenantId, name))
                .chain(s -> {
                    if (s == null) {
                        return Uni.createFrom().item(false);
                    }
                    if (PROVISIONING.equals(s.state())
                            && s.createdAt().isAfter(Instant.now().minus(PROVISIONING_STUCK_AFTER))) {
                        // its registration is still making the client and ACLs; deleted now, they were made after
                        // the delete (an older one is stuck, its registration gone: deleted as any)
                        throw ArmException.conflict("SubscriberProvisioning", "The subscriber '" + name + "' is "
                                + "being registered; delete it once its registration has answered.", "name");
                    }
                    return bus.revoke(tenantId, s.clientId())
                            .chain(() -> keycloak.delete(tenantId, s.clientId()))
                            .chain(() -> pool.preparedQuery("INSERT INTO event_subscriber_deleted (tenant_id, name, "
                                            + "deleted_at) VALUES ($1, $2, $3) ON CONFLICT (tenant_id, name) DO UPDATE "
                                            + "SET deleted_at = EXCLUDED.deleted_at")
                                    .execute(Tuple.of(tenantId, name, OffsetDateTime.ofInstant(StoredTime.now(),
                                            ZoneOffset.UTC))))
                            // the tenant's names deleted longer than a token's lifespan ago hold nothing back any
                            // more: forgotten here, so the table holds at most what a tenant deletes in one lifespan
                            .chain(() -> pool.preparedQuery("DELETE FROM event_subscriber_deleted WHERE tenant_id = $1 "
                                    + "AND deleted_at < $2").execute(Tuple.of(tenantId, OffsetDateTime.ofInstant(
                                    StoredTime.now().minus(config.keycloak().subscriberTokenLifespan()),
                                    ZoneOffset.UTC))))
                            .chain(() -> pool.preparedQuery("DELETE FROM event_subscriber WHERE tenant_id = $1 "
                                    + "AND name = $2").execute(Tuple.of(tenantId, name)))
                            .map(r -> true)
                            // a DELETE beside it removed it first (Keycloak answers the second delete of one client
                            // with a 500): gone is what was asked
                            .onFailure(e -> !(e instanceof ArmException)).recoverWithUni(e -> find(tenantId, name)
                                    .onFailure().recoverWithItem(s)
                                    .map(now -> {
                                        if (now == null) {
                                            return false;
                                        }
                                        throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
                                    }))
                            .onFailure(e -> !(e instanceof ArmException)).transform(e -> {
                                Log.warnf(e, "deleting subscriber %s/%s failed", tenantId, name);
                                return new ArmException(503, "ServiceUnavailable", "The subscriber could not be "
                                        + "deleted now (identity provider or event bus unavailable). Try again.",
                                        null);
                            });
                });
    }

    private Uni<Subscriber> find(String tenantId, String name) {
        return pool.preparedQuery("SELECT tenant_id, name, client_id, description, state, created_at, created_by "
                        + "FROM event_subscriber WHERE tenant_id = $1 AND name = $2")
                .execute(Tuple.of(tenantId, name))
                .map(rows -> rows.size() == 0 ? null : of(rows.iterator().next()));
    }

    private static Subscriber of(Row r) {
        return new Subscriber(r.getString("tenant_id"), r.getString("name"), r.getString("client_id"),
                r.getString("description"), r.getString("state"),
                r.getOffsetDateTime("created_at").toInstant(), r.getString("created_by"), null);
    }

    static ArmException notFound(String name) {
        return ArmException.notFound("SubscriberNotFound", "The event subscriber '" + name + "' could not be found.",
                "name");
    }

    /** The token URL a subscriber signs in at. */
    public String tokenUrl(String tenantId) {
        String base = config.keycloak().publicRealmBase();
        return (base.endsWith("/") ? base : base + "/") + tenantId + "/protocol/openid-connect/token";
    }

    public String topic(String tenantId) {
        return PublicEvents.topicOf(tenantId);
    }
}

package dev.imagegallery.common.security;

import dev.imagegallery.common.arm.ArmException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import dev.imagegallery.common.outbox.OutboxRelay;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Json;
import dev.imagegallery.events.Payloads;
import io.quarkus.logging.Log;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Instant;
import java.util.UUID;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Role-based authorization at ARM scopes, decided on the local read model of grants (tables {@code grant_view} and
 * {@code subscription_view}, fed by access-service's events). A subscription outside the caller's tenant answers 404:
 * its existence is secret. A scope inside the caller's tenant without a covering grant answers 403.
 * <p>
 * Plain SQL on the reactive pool rather than Panache, so that blocking endpoints (uploads) can use it from a worker
 * thread too. Lookups are cached for at most {@code gallery.authz.cache-ttl} (1 s by default), and the cache is
 * dropped the moment this instance applies a grant event, so a revocation takes effect here at once and on other
 * instances within the TTL.
 */
@ApplicationScoped
public class Authorizer {
    public record Grant(String scope, String roleDefinitionId) {
    }

    private record Cached<T>(T value, long expiresAt) {
    }

    private final Pool pool;
    private final long ttlNanos;
    private final boolean enabled;
    private final String service;
    private final Map<String, Cached<String>> tenants = new ConcurrentHashMap<>();
    private final Map<String, Cached<List<Grant>>> grants = new ConcurrentHashMap<>();

    public Authorizer(Pool pool,
                      AuthzConfig config,
                      @ConfigProperty(name = "quarkus.application.name", defaultValue = "gallery") String service) {
        this.pool = pool;
        this.ttlNanos = config.cacheTtl().toNanos();
        this.enabled = config.enabled();
        this.service = service;
        if (!enabled) {
            Log.warn("authorization is DISABLED (gallery.authz.enabled=false): for benchmarks only");
        }
    }

    /** Forgets every cached decision input (after a grant or subscription event). */
    public void invalidate() {
        tenants.clear();
        grants.clear();
    }

    private <T> T fresh(Map<String, Cached<T>> cache, String key) {
        Cached<T> c = cache.get(key);
        return c != null && c.expiresAt() - System.nanoTime() > 0 ? c.value() : null;
    }

    private <T> T remember(Map<String, Cached<T>> cache, String key, T value) {
        if (cache.size() > 100_000) {
            cache.clear();
        }
        cache.put(key, new Cached<>(value, System.nanoTime() + ttlNanos));
        return value;
    }

    /** Fails with 404 or 403 unless the caller may perform {@code action} at {@code scope}; a refusal is audited. */
    public Uni<Void> require(Caller caller, String scope, String action) {
        if (!enabled) {
            return Uni.createFrom().voidItem();
        }
        return check(caller, scope, action).onFailure(ArmException.class)
                .invoke(e -> audit(caller, action, scope, ((ArmException) e).status() == 403 ? "Forbidden"
                        : "NotFound"));
    }

    /**
     * For reads of a gallery's content (resolution, download): the owner's RBAC, or else a share of the gallery with
     * the caller (accepted, or community). A refusal answers as {@link #require} would have.
     */
    public Uni<Void> requireOrShared(Caller caller, String scope, String action, String galleryId) {
        if (!enabled) {
            return Uni.createFrom().voidItem();
        }
        return check(caller, scope, action).onFailure(ArmException.class).recoverWithUni(e -> pool
                .preparedQuery("SELECT snapshot FROM share_view WHERE gallery_key = $1")
                .execute(Tuple.of(galleryId.toLowerCase()))
                .flatMap(rows -> rows.size() == 0 ? Uni.createFrom().item(false) : sharedWith(caller, Json.read(
                        rows.iterator().next().getString("snapshot"), Payloads.GallerySharingChanged.class)))
                .map(shared -> {
                    if (!shared) {
                        audit(caller, action, scope, ((ArmException) e).status() == 403 ? "Forbidden" : "NotFound");
                        throw (ArmException) e;
                    }
                    return null;
                }));
    }

    private Uni<Void> check(Caller caller, String scope, String action) {
        String subscription = Scopes.subscriptionOf(scope);
        if (subscription == null) {
            return Uni.createFrom().failure(ArmException.invalid("InvalidScope", "'" + scope
                    + "' is not a subscription scope.", scope));
        }
        return requireSubscription(caller, subscription)
                .flatMap(v -> grantsOf(caller))
                .map(grants -> {
                    if (!allows(grants, scope, action)) {
                        if (!holdsAnyRoleIn(grants, subscription)) {
                            // a caller with no role in the subscription learns nothing of what it holds: the same
                            // 404 as for a subscription that does not exist (a role somewhere in it earns the 403)
                            throw subscriptionNotFound(subscription);
                        }
                        throw ArmException.forbidden(caller.principalId(), action, scope);
                    }
                    return null;
                });
    }

    /** Whether any grant lies at, above or below the subscription. */
    public static boolean holdsAnyRoleIn(List<Grant> grants, String subscription) {
        String sub = "/subscriptions/" + subscription;
        return grants.stream().anyMatch(g -> Scopes.covers(g.scope(), sub) || Scopes.covers(sub, g.scope()));
    }

    static ArmException subscriptionNotFound(String subscription) {
        return ArmException.notFound("SubscriptionNotFound", "The subscription '" + subscription
                + "' could not be found.", subscription);
    }

    /**
     * Fails with 404 {@code SubscriptionNotFound} unless the caller may act in the subscription: it is of the caller's
     * tenant and the caller holds a role at, above or below it (what any route under {@code /subscriptions/{id}}
     * answers a caller with nothing there).
     */
    public Uni<Void> requireAnyRoleIn(Caller caller, String subscription) {
        return requireSubscription(caller, subscription).flatMap(v -> grantsOf(caller)).map(grants -> {
            if (!holdsAnyRoleIn(grants, subscription)) {
                throw subscriptionNotFound(subscription);
            }
            return null;
        });
    }

    /** Fails with 404 unless the subscription exists in the caller's tenant. */
    public Uni<Void> requireSubscription(Caller caller, String subscription) {
        String key = subscription.toLowerCase();
        String cached = fresh(tenants, key);
        Uni<String> tenant = cached != null ? Uni.createFrom().item(cached)
                : pool.preparedQuery("SELECT tenant_id FROM subscription_view WHERE subscription_id = $1")
                .execute(Tuple.of(key))
                .map(rows -> remember(tenants, key, rows.size() == 0 ? ""
                        : rows.iterator().next().getString("tenant_id")));
        return tenant.map(t -> {
            if (!t.equals(caller.tenantId())) {
                throw ArmException.notFound("SubscriptionNotFound", "The subscription '" + subscription
                        + "' could not be found.", subscription);
            }
            return null;
        });
    }

    public Uni<List<Grant>> grantsOf(Caller caller) {
        String key = caller.tenantId() + "|" + String.join(",", caller.principalIds());
        List<Grant> cached = fresh(grants, key);
        if (cached != null) {
            return Uni.createFrom().item(cached);
        }
        return pool.preparedQuery("SELECT scope, role_definition_id, principal_id, principal_type FROM grant_view "
                        + "WHERE tenant_id = $1 AND principal_id = ANY($2)")
                .execute(Tuple.of(caller.tenantId(), caller.principalIds().toArray(new String[0])))
                .map(rows -> {
                    List<Grant> list = new ArrayList<>();
                    for (Row r : rows) {
                        // a Group's grant through the groups claim, any other's through the caller's own id only
                        if (caller.holds(r.getString("principal_id"), r.getString("principal_type"))) {
                            list.add(new Grant(r.getString("scope"), r.getString("role_definition_id")));
                        }
                    }
                    return remember(grants, key, List.copyOf(list));
                });
    }

    /**
     * Whether a caller may use a gallery through its sharing state (for read actions, outside the owner's RBAC): the
     * gallery is in the community, or shared (and accepted) with the caller's tenant, or with a subscription of the
     * caller's tenant in which the caller can act: a role assignment at that subscription's scope or above it. As in
     * Azure, a direct share with a subscription serves the principals of that subscription; a role only below it (a
     * Reader of one gallery, a Contributor of one resource group) gives no access to what is shared with the
     * subscription.
     */
    public Uni<Boolean> sharedWith(Caller caller, Payloads.GallerySharingChanged state) {
        if (state == null) {
            return Uni.createFrom().item(false);
        }
        if (state.community() != null && state.community().enabled()) {
            return Uni.createFrom().item(true);
        }
        var accepted = state.shares() == null ? List.<Payloads.ShareEntry>of() : state.shares().stream()
                .filter(e -> "Accepted".equals(e.state())).toList();
        if (accepted.stream().anyMatch(e -> "AADTenants".equals(e.type()) && e.id().equalsIgnoreCase(caller.tenantId()))) {
            return Uni.createFrom().item(true);
        }
        var subs = accepted.stream().filter(e -> "Subscriptions".equals(e.type())
                && caller.tenantId().equals(e.tenantId())).map(e -> "/subscriptions/" + e.id()).toList();
        if (subs.isEmpty()) {
            return Uni.createFrom().item(false);
        }
        return grantsOf(caller).map(grants -> subs.stream().anyMatch(s -> grants.stream()
                .anyMatch(g -> Scopes.covers(g.scope(), s))));
    }

    /** Records a refused request on the audit topic (through the outbox; never delays or fails the answer). */
    public void audit(Caller caller, String action, String scope, String outcome) {
        var event = CloudEvent.of("/services/" + service, EventTypes.ACCESS_DENIED, scope,
                new Payloads.AccessDenied(service, caller.tenantId(), caller.principalId(), action, scope, outcome,
                        Instant.now()));
        pool.preparedQuery("INSERT INTO outbox (id, topic, event_key, payload, created_at) VALUES ($1, $2, $3, $4, now())")
                .execute(Tuple.of(UUID.fromString(event.id()), EventTypes.AUDIT_TOPIC, scope, event.toJson()))
                .subscribe().with(ok -> OutboxRelay.wakeAll(),
                        e -> Log.warnf("could not audit a denied request: %s", e.getMessage()));
    }

    public static boolean allows(List<Grant> grants, String scope, String action) {
        return grants.stream().anyMatch(g -> Scopes.covers(g.scope(), scope)
                && BuiltInRoles.byId(g.roleDefinitionId()).map(r -> r.allows(action)).orElse(false));
    }
}

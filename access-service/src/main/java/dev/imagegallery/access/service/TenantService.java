package dev.imagegallery.access.service;

import dev.imagegallery.access.config.AccessConfig;
import dev.imagegallery.access.domain.Inputs;
import dev.imagegallery.access.persistence.RoleAssignment;
import dev.imagegallery.access.persistence.Subscription;
import dev.imagegallery.access.persistence.Tenant;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.db.StoredTime;
import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.common.security.BuiltInRoles;
import dev.imagegallery.common.security.Caller;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Registering tenants (platform administrators) and creating subscriptions (tenant administrators). A registered
 * tenant's issuer is accepted by every service as soon as the {@code TenantRegistered} event reaches it: no restart.
 * A PUT that finds its resource as it would make it answers 200 and publishes nothing.
 */
@ApplicationScoped
public class TenantService {
    static final String WRITE_SUBSCRIPTION = "Microsoft.Resources/subscriptions/write";

    private final Outbox outbox;
    private final AccessService access;
    private final AccessConfig config;

    public TenantService(Outbox outbox, AccessService access, AccessConfig config) {
        this.outbox = outbox;
        this.access = access;
        this.config = config;
    }

    public record Registration(String issuer, String displayName, String administratorPrincipalId,
                               String subscriptionId, String subscriptionDisplayName) {
    }

    @WithTransaction
    public Uni<AccessService.Upsert<Tenant>> register(Caller caller, String tenantId, Registration r) {
        if (!config.platformAdministrators().orElse(java.util.List.of())
                .contains(caller.tenantId() + ":" + caller.principalId())) {
            throw new ArmException(403, "AuthorizationFailed", "Only a platform administrator may register tenants.",
                    null);
        }
        if (tenantId == null || !Inputs.TENANT_ID.matcher(tenantId).matches()) {
            throw ArmException.invalid("InvalidTenantId", "A tenant id is 2 to 63 lower-case letters, digits and "
                    + "hyphens.", "tenantId");
        }
        if (Inputs.RESERVED_TENANT_IDS.contains(tenantId)) {
            // a tenant's id names its realm, where its event subscribers are made: a tenant named platform would
            // have its administrator make (or unmake) clients in the realm of the services' own bus identities
            throw ArmException.invalid("InvalidTenantId", "The tenant id '" + tenantId + "' is reserved.",
                    "tenantId");
        }
        if (r == null) {
            throw ArmException.invalidParameter("issuer", "The tenant's OIDC issuer is required.");
        }
        // an OIDC issuer is an https (here also http) URL without query or fragment (OpenID Connect Discovery 1.0)
        Inputs.httpUrl(r.issuer(), "issuer", false);
        String displayName = Inputs.optionalDisplayName(r.displayName(), Inputs.TENANT_DISPLAY_NAME_MAX,
                "displayName");
        String admin = Inputs.principalId(r.administratorPrincipalId(), "administratorPrincipalId");
        String subId = r.subscriptionId() == null ? UUID.randomUUID().toString()
                : Inputs.guid(r.subscriptionId(), "InvalidParameter", "subscriptionId", "subscription id");
        String subName = Inputs.optionalDisplayName(r.subscriptionDisplayName(), Inputs.DISPLAY_NAME_MAX,
                "subscriptionDisplayName");
        String name = displayName == null ? tenantId : displayName;
        return Locks.exclusive("tenant:" + tenantId)
                .flatMap(x -> Tenant.<Tenant>findById(tenantId))
                .flatMap(existing -> {
                    if (existing != null) {
                        if (r.issuer().equals(existing.issuer) && name.equals(existing.displayName)) {
                            return Uni.createFrom().item(new AccessService.Upsert<>(existing, false));
                        }
                        throw ArmException.conflict("TenantExists", "The tenant '" + tenantId + "' is already "
                                + "registered.", "tenantId");
                    }
                    return Tenant.count("issuer", r.issuer()).flatMap(n -> {
                        if (n > 0) {
                            throw ArmException.conflict("IssuerInUse", "The issuer is registered to another tenant.",
                                    "issuer");
                        }
                        return Subscription.<Subscription>findById(subId);
                    }).flatMap(taken -> {
                        if (taken != null) {
                            throw ArmException.conflict("SubscriptionIdInUse", "The subscription id is taken.",
                                    "subscriptionId");
                        }
                        Tenant t = new Tenant();
                        t.id = tenantId;
                        t.displayName = name;
                        t.issuer = r.issuer();
                        t.createdAt = Instant.now();
                        return t.persist()
                                .flatMap(x -> outbox.emit(EventTypes.TENANT_REGISTERED, "/tenants/" + tenantId,
                                        new Payloads.TenantRegistered(tenantId, r.issuer(), t.displayName)))
                                .flatMap(x -> createSubscription(tenantId, subId, subName == null
                                        ? abbreviated(t.displayName) + " Production" : subName, admin,
                                        caller.principalId()))
                                .call(x -> Audit.record(caller, "Microsoft.Resources/tenants/write",
                                        "/tenants/" + tenantId, "Registered", r.issuer()))
                                .replaceWith(new AccessService.Upsert<>(t, true));
                    });
                });
    }

    private static String abbreviated(String name) {
        return name.length() > Inputs.DISPLAY_NAME_MAX - 11 ? name.substring(0, Inputs.DISPLAY_NAME_MAX - 11) : name;
    }

    /**
     * A tenant administrator creates a subscription in its own tenant, and becomes its Owner. The id is the client's
     * choice, so an id already taken must be refused: taken in another tenant, or in this one by a subscription the
     * caller holds no role in, it answers 404 SubscriptionNotFound, as a GET of it does (nothing about it is told).
     * The same PUT again answers 200; a new display name (Owner or Contributor of the subscription) is an update.
     */
    @WithTransaction
    public Uni<AccessService.Upsert<Subscription>> createSubscription(Caller caller, String id, String displayName) {
        String subId = Inputs.guid(id, "InvalidSubscriptionId", "subscriptionId", "subscription id");
        Inputs.displayName(displayName, Inputs.DISPLAY_NAME_MAX, "displayName");
        return access.isTenantAdmin(caller).flatMap(admin -> {
            if (!admin) {
                throw new ArmException(403, "AuthorizationFailed", "Only a tenant administrator may create "
                        + "subscriptions.", null);
            }
            return Locks.exclusive("subscription:" + subId).flatMap(x -> Subscription.<Subscription>findById(subId));
        }).flatMap(existing -> {
            if (existing == null) {
                return createSubscription(caller.tenantId(), subId, displayName, caller.principalId(),
                        caller.principalId()).map(s -> new AccessService.Upsert<>(s, true));
            }
            return access.visibleSubscription(caller, subId, WRITE_SUBSCRIPTION, "/subscriptions/" + subId, false)
                    .flatMap(s -> {
                        if (s.displayName.equals(displayName)) {
                            return Uni.createFrom().item(new AccessService.Upsert<>(s, false));
                        }
                        return access.require(caller, "/subscriptions/" + subId, WRITE_SUBSCRIPTION)
                                .flatMap(v -> {
                                    s.displayName = displayName;
                                    // the subscription's whole state again (keyed by it: the last one wins)
                                    return outbox.emit(EventTypes.SUBSCRIPTION_CREATED, "/subscriptions/" + subId,
                                            new Payloads.SubscriptionCreated(subId, s.tenantId, displayName));
                                })
                                .replaceWith(new AccessService.Upsert<>(s, false));
                    });
        });
    }

    private Uni<Subscription> createSubscription(String tenantId, String subId, String displayName, String owner,
                                                 String createdBy) {
        Subscription s = new Subscription();
        s.id = subId;
        s.tenantId = tenantId;
        s.displayName = displayName;
        s.state = "Enabled";
        s.createdAt = Instant.now();
        RoleAssignment a = new RoleAssignment();
        a.id = UUID.randomUUID().toString();
        a.tenantId = tenantId;
        a.scope = "/subscriptions/" + subId;
        a.scopeKey = a.scope;
        a.principalId = owner;
        a.principalType = "User";
        a.roleDefinitionId = BuiltInRoles.OWNER.id();
        a.createdBy = createdBy;
        a.createdAt = StoredTime.now();
        a.updatedBy = createdBy;
        a.updatedAt = a.createdAt;
        return s.persist()
                .flatMap(x -> outbox.emit(EventTypes.SUBSCRIPTION_CREATED, "/subscriptions/" + subId,
                        new Payloads.SubscriptionCreated(subId, tenantId, displayName)))
                .flatMap(x -> a.persist())
                .flatMap(x -> outbox.emit(EventTypes.ROLE_ASSIGNMENT_CREATED, a.resourceId(),
                        new Payloads.RoleAssignment(a.id, tenantId, a.scope, owner, "User", a.roleDefinitionId,
                                "Owner")))
                .replaceWith(s);
    }

    @WithSession
    public Uni<List<Tenant>> tenantsOf(Caller caller) {
        return Tenant.list("id", caller.tenantId());
    }
}

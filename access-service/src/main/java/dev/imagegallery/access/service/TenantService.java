package dev.imagegallery.access.service;

import dev.imagegallery.access.config.AccessConfig;
import dev.imagegallery.access.domain.RoleAssignment;
import dev.imagegallery.access.domain.Subscription;
import dev.imagegallery.access.domain.Tenant;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.common.security.BuiltInRoles;
import dev.imagegallery.common.security.Caller;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Registering tenants (platform administrators) and creating subscriptions (tenant administrators). A registered
 * tenant's issuer is accepted by every service as soon as the {@code TenantRegistered} event reaches it: no restart.
 */
@ApplicationScoped
public class TenantService {
    static final Pattern TENANT_ID = Pattern.compile("^[a-z0-9][a-z0-9-]{1,62}$");

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
    public Uni<Tenant> register(Caller caller, String tenantId, Registration r) {
        if (!config.platformAdministrators().contains(caller.tenantId() + ":" + caller.principalId())) {
            throw new ArmException(403, "AuthorizationFailed", "Only a platform administrator may register tenants.",
                    tenantId);
        }
        if (!TENANT_ID.matcher(tenantId).matches()) {
            throw ArmException.invalid("InvalidTenantId", "A tenant id is 2 to 63 lower-case letters, digits and "
                    + "hyphens.", "tenantId");
        }
        if (r == null || r.issuer() == null) {
            throw ArmException.invalidParameter("issuer", "The tenant's OIDC issuer is required.");
        }
        try {
            URI u = URI.create(r.issuer());
            if (u.getScheme() == null || !(u.getScheme().equals("https") || u.getScheme().equals("http"))
                    || u.getHost() == null) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw ArmException.invalidParameter("issuer", "The issuer must be an http(s) URL.");
        }
        if (r.administratorPrincipalId() == null || r.administratorPrincipalId().isBlank()) {
            throw ArmException.invalidParameter("administratorPrincipalId", "The tenant's first administrator is "
                    + "required.");
        }
        String subId = guid(r.subscriptionId() == null ? UUID.randomUUID().toString() : r.subscriptionId(),
                "subscriptionId");
        return Tenant.<Tenant>findById(tenantId).flatMap(existing -> {
            if (existing != null) {
                throw ArmException.conflict("TenantExists", "The tenant '" + tenantId + "' is already registered.",
                        tenantId);
            }
            return Tenant.count("issuer", r.issuer()).flatMap(n -> {
                if (n > 0) {
                    throw ArmException.conflict("IssuerInUse", "The issuer is registered to another tenant.",
                            "issuer");
                }
                Tenant t = new Tenant();
                t.id = tenantId;
                t.displayName = r.displayName() == null ? tenantId : r.displayName();
                t.issuer = r.issuer();
                t.createdAt = Instant.now();
                return t.persist()
                        .flatMap(x -> outbox.emit(EventTypes.TENANT_REGISTERED, "/tenants/" + tenantId,
                                new Payloads.TenantRegistered(tenantId, r.issuer(), t.displayName)))
                        .flatMap(x -> createSubscription(tenantId, subId, r.subscriptionDisplayName() == null
                                ? t.displayName + " Production" : r.subscriptionDisplayName(),
                                r.administratorPrincipalId(), caller.principalId()))
                        .call(x -> Audit.record(caller, "Microsoft.Resources/tenants/write", "/tenants/" + tenantId,
                                "Registered", r.issuer()))
                        .replaceWith(t);
            });
        });
    }

    /** A tenant administrator creates a subscription in its own tenant, and becomes its Owner. */
    @WithTransaction
    public Uni<Subscription> createSubscription(Caller caller, String id, String displayName) {
        String subId = guid(id, "subscriptionId");
        if (displayName == null || displayName.isBlank() || displayName.length() > 64) {
            throw ArmException.invalidParameter("displayName", "A subscription needs a display name of at most 64 "
                    + "characters.");
        }
        return access.isTenantAdmin(caller).flatMap(admin -> {
            if (!admin) {
                throw new ArmException(403, "AuthorizationFailed", "Only a tenant administrator may create "
                        + "subscriptions.", subId);
            }
            return Subscription.<Subscription>findById(subId).flatMap(existing -> {
                if (existing != null) {
                    if (!existing.tenantId.equals(caller.tenantId())) {
                        throw ArmException.conflict("SubscriptionIdInUse", "The subscription id is taken.", subId);
                    }
                    return Uni.createFrom().item(existing);
                }
                return createSubscription(caller.tenantId(), subId, displayName, caller.principalId(),
                        caller.principalId());
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
        a.createdAt = Instant.now();
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

    static String guid(String value, String target) {
        try {
            String s = UUID.fromString(value).toString();
            if (value.length() != 36) {
                throw new IllegalArgumentException();
            }
            return s.toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw ArmException.invalidParameter(target, "'" + value + "' is not a GUID.");
        }
    }
}

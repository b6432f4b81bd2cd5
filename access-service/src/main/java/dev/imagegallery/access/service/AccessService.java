package dev.imagegallery.access.service;

import dev.imagegallery.access.domain.RoleAssignment;
import dev.imagegallery.access.domain.ScopeRef;
import dev.imagegallery.access.domain.ScopePath;
import dev.imagegallery.access.domain.Subscription;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.common.security.Authorizer;
import dev.imagegallery.common.security.BuiltInRoles;
import dev.imagegallery.common.security.Caller;
import dev.imagegallery.common.security.Scopes;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/**
 * Subscriptions and role assignments. Decisions here use the authoritative {@code role_assignment} table, so a grant
 * takes effect in access-service at once; other services learn it from the events.
 */
@ApplicationScoped
public class AccessService {
    public static final String WRITE_ASSIGNMENTS = "Microsoft.Authorization/roleAssignments/write";
    public static final String DELETE_ASSIGNMENTS = "Microsoft.Authorization/roleAssignments/delete";
    public static final String READ_ASSIGNMENTS = "Microsoft.Authorization/roleAssignments/read";
    private static final Set<String> PRINCIPAL_TYPES = Set.of("User", "Group", "ServicePrincipal");

    private final Outbox outbox;
    private final Authorizer authorizer;
    private final PrincipalDirectory directory;

    public AccessService(Outbox outbox, Authorizer authorizer, PrincipalDirectory directory) {
        this.outbox = outbox;
        this.authorizer = authorizer;
        this.directory = directory;
    }

    /** The subscriptions of the caller's tenant on which the caller holds any role (as Azure lists them). */
    @WithSession
    public Uni<List<Subscription>> subscriptionsOf(Caller caller) {
        return Subscription.<Subscription>list("tenantId = ?1 order by id", caller.tenantId())
                .flatMap(subs -> grantsOf(caller).map(grants -> subs.stream()
                        .filter(s -> grants.stream().anyMatch(g -> Scopes.covers("/subscriptions/" + s.id, g.scope())
                                || Scopes.covers(g.scope(), "/subscriptions/" + s.id)))
                        .toList()));
    }

    @WithSession
    public Uni<Subscription> subscription(Caller caller, String id) {
        return visibleSubscription(caller, id.toLowerCase(Locale.ROOT));
    }

    @WithTransaction
    public Uni<RoleAssignment> putAssignment(Caller caller, String scope, String name, String roleDefinitionId,
                                             String principalId, String principalType) {
        String sub = ScopePath.subscriptionOf(scope);
        String id = guid(name, "name");
        var role = BuiltInRoles.byId(roleDefinitionId).orElseThrow(() -> ArmException.invalid(
                "RoleDefinitionDoesNotExist", "The role definition '" + roleDefinitionId + "' does not exist.",
                "properties.roleDefinitionId"));
        if (principalId == null || principalId.isBlank()) {
            throw ArmException.invalid("InvalidPrincipalId", "properties.principalId is required.",
                    "properties.principalId");
        }
        String type = principalType == null ? "User" : principalType;
        if (!PRINCIPAL_TYPES.contains(type)) {
            throw ArmException.invalid("InvalidPrincipalType", "properties.principalType must be one of "
                    + PRINCIPAL_TYPES + ".", "properties.principalType");
        }
        return visibleSubscription(caller, sub)
                .flatMap(s -> require(caller, scope, WRITE_ASSIGNMENTS))
                .flatMap(v -> scopeExists(scope))
                .flatMap(v -> principalOfTenant(caller, principalId))
                .flatMap(v -> RoleAssignment.<RoleAssignment>findById(id))
                .flatMap(existing -> {
                    if (existing != null) {
                        if (existing.scopeKey.equals(Scopes.normalise(scope)) && existing.principalId.equals(principalId)
                                && existing.roleDefinitionId.equals(role.id())) {
                            return Uni.createFrom().item(existing);
                        }
                        throw ArmException.conflict("RoleAssignmentUpdateNotPermitted",
                                "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
                                id);
                    }
                    return RoleAssignment.<RoleAssignment>find("scopeKey = ?1 and principalId = ?2 and "
                                    + "roleDefinitionId = ?3", Scopes.normalise(scope), principalId, role.id())
                            .firstResult()
                            .flatMap(dup -> {
                                if (dup != null) {
                                    throw ArmException.conflict("RoleAssignmentExists",
                                            "The role assignment already exists (" + dup.id + ").", dup.id);
                                }
                                RoleAssignment a = new RoleAssignment();
                                a.id = id;
                                a.tenantId = caller.tenantId();
                                a.scope = scope;
                                a.scopeKey = Scopes.normalise(scope);
                                a.principalId = principalId;
                                a.principalType = type;
                                a.roleDefinitionId = role.id();
                                a.createdBy = caller.principalId();
                                a.createdAt = Instant.now();
                                return a.<RoleAssignment>persist()
                                        .call(x -> outbox.emit(EventTypes.ROLE_ASSIGNMENT_CREATED, a.resourceId(),
                                                payload(a)))
                                        .call(x -> Audit.record(caller, WRITE_ASSIGNMENTS, a.scope, "Granted",
                                                role.name() + " to " + a.principalType + " " + a.principalId));
                            });
                });
    }

    @WithTransaction
    public Uni<RoleAssignment> deleteAssignment(Caller caller, String scope, String name) {
        String sub = ScopePath.subscriptionOf(scope);
        String id = guid(name, "name");
        return visibleSubscription(caller, sub)
                .flatMap(s -> require(caller, scope, DELETE_ASSIGNMENTS))
                .flatMap(v -> RoleAssignment.<RoleAssignment>findById(id))
                .flatMap(a -> {
                    if (a == null || !a.scopeKey.equals(Scopes.normalise(scope))) {
                        return Uni.createFrom().nullItem();
                    }
                    return a.delete().call(() -> outbox.emit(EventTypes.ROLE_ASSIGNMENT_DELETED, a.resourceId(),
                            payload(a)))
                            .call(() -> Audit.record(caller, DELETE_ASSIGNMENTS, a.scope, "Revoked",
                                    BuiltInRoles.byId(a.roleDefinitionId).map(BuiltInRoles.Role::name).orElse("?")
                                            + " of " + a.principalType + " " + a.principalId))
                            .replaceWith(a);
                });
    }

    @WithSession
    public Uni<RoleAssignment> getAssignment(Caller caller, String scope, String name) {
        String sub = ScopePath.subscriptionOf(scope);
        String id = guid(name, "name");
        return visibleSubscription(caller, sub)
                .flatMap(s -> require(caller, scope, READ_ASSIGNMENTS))
                .flatMap(v -> RoleAssignment.<RoleAssignment>findById(id))
                .map(a -> {
                    if (a == null || !a.scopeKey.equals(Scopes.normalise(scope))) {
                        throw ArmException.notFound("RoleAssignmentNotFound", "The role assignment '" + id
                                + "' is not found.", id);
                    }
                    return a;
                });
    }

    /**
     * Assignments that apply at the scope (at it or above it) when {@code atScopeOnly}, otherwise also those below;
     * optionally only a principal's.
     */
    @WithSession
    public Uni<List<RoleAssignment>> listAssignments(Caller caller, String scope, boolean atScopeOnly,
                                                     String principalId) {
        String sub = ScopePath.subscriptionOf(scope);
        return visibleSubscription(caller, sub)
                .flatMap(s -> require(caller, scope, READ_ASSIGNMENTS))
                .flatMap(v -> RoleAssignment.<RoleAssignment>list("tenantId = ?1 order by createdAt, id",
                        caller.tenantId()))
                .map(all -> all.stream()
                        .filter(a -> Scopes.covers(a.scopeKey, scope) || (!atScopeOnly && Scopes.covers(scope, a.scopeKey)))
                        .filter(a -> principalId == null || principalId.equalsIgnoreCase(a.principalId))
                        .toList());
    }

    /** Fails with 404 (subscription of another tenant) or 403 unless the caller may act at the scope. */
    public Uni<Void> requireAt(Caller caller, String scope, String action) {
        return visibleSubscription(caller, ScopePath.subscriptionOf(scope)).flatMap(s -> require(caller, scope, action));
    }

    private static final java.util.regex.Pattern BELOW_SUBSCRIPTION = java.util.regex.Pattern.compile(
            "(?i)^(/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.Compute/galleries/[^/]+)"
                    + "(/images/[^/]+)?(/versions/[^/]+)?$");

    /**
     * A scope at or below a gallery must name a gallery, image definition or version that exists (as catalog-service
     * reported it: GalleryChanged, ImageDefinitionChanged, VersionPublished / VersionDeleted); subscription and
     * resource-group scopes need only the subscription (resource groups are implicit).
     */
    private static Uni<Void> scopeExists(String scope) {
        var m = BELOW_SUBSCRIPTION.matcher(scope);
        if (!m.find()) {
            return Uni.createFrom().voidItem();
        }
        String gallery = m.group(1);
        String definition = m.group(2) == null ? null : gallery + m.group(2);
        String version = m.group(3) == null ? null : definition + m.group(3);
        Uni<Boolean> exists = dev.imagegallery.access.domain.GalleryRef
                .<dev.imagegallery.access.domain.GalleryRef>findById(gallery.toLowerCase(Locale.ROOT))
                .flatMap(g -> {
                    if (g == null || definition == null) {
                        return Uni.createFrom().item(g != null);
                    }
                    return ScopeRef.<ScopeRef>findById(definition.toLowerCase(Locale.ROOT)).flatMap(d -> {
                        if (d == null || version == null) {
                            return Uni.createFrom().item(d != null);
                        }
                        return ScopeRef.<ScopeRef>findById(version.toLowerCase(Locale.ROOT)).map(v -> v != null);
                    });
                });
        return exists.map(found -> {
            if (!found) {
                String what = version != null ? "an image version" : definition != null ? "an image definition"
                        : "a gallery";
                throw ArmException.invalid("ScopeNotFound", "The scope '" + scope + "' names " + what
                        + " that does not exist.", "scope");
            }
            return null;
        });
    }

    /**
     * The principal must not belong to another tenant (as far as the principal directory has seen it). Access across
     * tenants is given by sharing the gallery (the share action), which the recipient tenant accepts; a role
     * assignment names a principal of the scope's own tenant.
     */
    private Uni<Void> principalOfTenant(Caller caller, String principalId) {
        return directory.tenantsOf(principalId).map(tenants -> {
            if (!tenants.isEmpty() && !tenants.contains(caller.tenantId())) {
                throw ArmException.invalid("PrincipalNotFound", "Principal " + principalId + " does not exist in "
                        + "the directory of tenant " + caller.tenantId() + ": it belongs to tenant " + tenants.get(0)
                        + ". Share the gallery with that tenant instead (POST .../galleries/{gallery}/share).",
                        "properties.principalId");
            }
            return null;
        });
    }

    /** A tenant administrator holds Owner on one of the tenant's subscriptions. */
    public Uni<Boolean> isTenantAdmin(Caller caller) {
        return RoleAssignment.<RoleAssignment>list("tenantId = ?1 and principalId in ?2 and roleDefinitionId = ?3",
                        caller.tenantId(), caller.principalIds(), BuiltInRoles.OWNER.id())
                .map(l -> l.stream().anyMatch(a -> a.scopeKey.matches("^/subscriptions/[^/]+$")));
    }

    private Uni<Subscription> visibleSubscription(Caller caller, String id) {
        return Subscription.<Subscription>findById(id).map(s -> {
            if (s == null || !s.tenantId.equals(caller.tenantId())) {
                throw ArmException.notFound("SubscriptionNotFound", "The subscription '" + id
                        + "' could not be found.", id);
            }
            return s;
        });
    }

    private Uni<Void> require(Caller caller, String scope, String action) {
        return grantsOf(caller).map(grants -> {
            if (!Authorizer.allows(grants, scope, action)) {
                authorizer.audit(caller, action, scope, "Forbidden");
                throw ArmException.forbidden(caller.principalId(), action, scope);
            }
            return null;
        });
    }

    private Uni<List<Authorizer.Grant>> grantsOf(Caller caller) {
        return RoleAssignment.<RoleAssignment>list("tenantId = ?1 and principalId in ?2", caller.tenantId(),
                        caller.principalIds())
                .map(list -> list.stream().map(a -> new Authorizer.Grant(a.scopeKey, a.roleDefinitionId)).toList());
    }

    private static Payloads.RoleAssignment payload(RoleAssignment a) {
        return new Payloads.RoleAssignment(a.id, a.tenantId, a.scope, a.principalId, a.principalType,
                a.roleDefinitionId, BuiltInRoles.byId(a.roleDefinitionId).map(BuiltInRoles.Role::name).orElse(null));
    }

    static String guid(String value, String target) {
        try {
            return UUID.fromString(value).toString();
        } catch (IllegalArgumentException e) {
            throw ArmException.invalid("InvalidRoleAssignmentId", "The role assignment name '" + value
                    + "' is not a valid GUID.", target);
        }
    }
}

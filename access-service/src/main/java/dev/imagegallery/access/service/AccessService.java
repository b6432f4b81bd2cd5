package dev.imagegallery.access.service;

import dev.imagegallery.access.domain.Inputs;
import dev.imagegallery.access.domain.ScopePath;
import dev.imagegallery.access.persistence.GalleryRef;
import dev.imagegallery.access.persistence.RoleAssignment;
import dev.imagegallery.access.persistence.ScopeRef;
import dev.imagegallery.access.persistence.Subscription;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.db.StoredTime;
import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.common.security.Authorizer;
import dev.imagegallery.common.security.BuiltInRoles;
import dev.imagegallery.common.security.Caller;
import dev.imagegallery.common.security.Scopes;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Subscriptions and role assignments. Decisions here use the authoritative {@code role_assignment} table, so a grant
 * takes effect in access-service at once; other services learn it from the events.
 * <p>
 * A subscription is visible to a caller of its tenant who holds a role at, above or below it; to anyone else it does
 * not exist (404 everywhere under it, as for a subscription of another tenant), so that no answer tells a caller what
 * it cannot read. Writes of the assignments of one subscription are serialised on its row.
 */
@ApplicationScoped
public class AccessService {
    public static final String WRITE_ASSIGNMENTS = "Microsoft.Authorization/roleAssignments/write";
    public static final String DELETE_ASSIGNMENTS = "Microsoft.Authorization/roleAssignments/delete";
    public static final String READ_ASSIGNMENTS = "Microsoft.Authorization/roleAssignments/read";
    private static final Set<String> PRINCIPAL_TYPES = Set.of("User", "Group", "ServicePrincipal");
    private static final String GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
    /** A role definition id: its GUID, or its resource id at the tenant root or at a subscription. */
    private static final Pattern DEFINITION_SUBSCRIPTION = Pattern.compile("(?i)^/subscriptions/([^/]+)/");
    private static final Pattern ROLE_DEFINITION_ID = Pattern.compile("(?i)^(" + GUID + "|(/subscriptions/" + GUID
            + ")?/providers/Microsoft\\.Authorization/roleDefinitions/" + GUID + ")$");

    /** The outcome of a PUT: the resource, and whether this request created it (201) or found it as it was (200). */
    public record Upsert<T>(T value, boolean created) {
    }

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
                        .filter(s -> actsIn(grants, s.id))
                        .toList()));
    }

    @WithSession
    public Uni<Subscription> subscription(Caller caller, String id) {
        String sub = Inputs.guid(id, "InvalidSubscriptionId", "subscriptionId", "subscription id");
        return visibleSubscription(caller, sub, null, null, false);
    }

    @WithTransaction
    public Uni<Upsert<RoleAssignment>> putAssignment(Caller caller, String scope, String name, String roleDefinitionId,
                                                     String principalId, String principalType, String description) {
        String sub = ScopePath.subscriptionOf(scope);
        String id = guid(name, "name");
        if (roleDefinitionId == null || !ROLE_DEFINITION_ID.matcher(roleDefinitionId).matches()) {
            throw ArmException.invalid("InvalidRoleDefinitionId", "The role definition id '"
                    + Inputs.shown(roleDefinitionId) + "' is not valid: use /providers/Microsoft.Authorization/"
                    + "roleDefinitions/{guid} (or under /subscriptions/{id}).", "properties.roleDefinitionId");
        }
        var under = DEFINITION_SUBSCRIPTION.matcher(roleDefinitionId);
        if (under.find() && !under.group(1).equalsIgnoreCase(sub)) {
            // a role definition is assigned in its own subscription, as ARM requires (another's was taken)
            throw ArmException.invalid("InvalidRoleDefinitionId", "The role definition '" + roleDefinitionId
                    + "' is not in the assignment's subscription " + sub + ".", "properties.roleDefinitionId");
        }
        var role = BuiltInRoles.byId(roleDefinitionId).orElseThrow(() -> ArmException.invalid(
                "RoleDefinitionDoesNotExist", "The role definition '" + roleDefinitionId + "' does not exist.",
                "properties.roleDefinitionId"));
        String principal = Inputs.principalId(principalId, "properties.principalId");
        String type = principalType == null ? "User" : principalType;
        if (!PRINCIPAL_TYPES.contains(type)) {
            throw ArmException.invalid("InvalidPrincipalType", "properties.principalType must be one of "
                    + PRINCIPAL_TYPES + ".", "properties.principalType");
        }
        String described = Inputs.optionalDescription(description, Inputs.DESCRIPTION_MAX, "properties.description");
        String scopeKey = Scopes.normalise(scope);
        return visibleSubscription(caller, sub, WRITE_ASSIGNMENTS, scope, true)
                .flatMap(s -> require(caller, scope, WRITE_ASSIGNMENTS))
                .flatMap(v -> scopeExists(scope))
                .flatMap(v -> Caller.GROUP.equals(type) ? Uni.createFrom().voidItem()
                        : principalOfTenant(caller, principal))
                .flatMap(v -> RoleAssignment.<RoleAssignment>findById(id))
                .flatMap(existing -> {
                    if (existing != null) {
                        if (!existing.tenantId.equals(caller.tenantId())) {
                            // role assignment names are global here: say no more than that this one is taken
                            throw ArmException.conflict("RoleAssignmentNameInUse", "The role assignment name '" + id
                                    + "' cannot be used; choose another GUID.", "name");
                        }
                        if (existing.scopeKey.equals(scopeKey) && existing.principalId.equals(principal)
                                && existing.roleDefinitionId.equals(role.id()) && existing.principalType.equals(type)) {
                            // the same assignment again (200): only its description may change, which grants
                            // nothing, so nothing is published; ARM counts the PUT as its last write all the same
                            existing.description = described;
                            existing.updatedBy = caller.principalId();
                            existing.updatedAt = StoredTime.now();
                            return Uni.createFrom().item(new Upsert<>(existing, false));
                        }
                        throw ArmException.conflict("RoleAssignmentUpdateNotPermitted",
                                "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
                                id);
                    }
                    return RoleAssignment.<RoleAssignment>find("scopeKey = ?1 and principalId = ?2 and "
                                    + "roleDefinitionId = ?3", scopeKey, principal, role.id())
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
                                a.scopeKey = scopeKey;
                                a.principalId = principal;
                                a.principalType = type;
                                a.roleDefinitionId = role.id();
                                a.createdBy = caller.principalId();
                                a.createdAt = StoredTime.now();
                                a.updatedBy = a.createdBy;
                                a.updatedAt = a.createdAt;
                                a.description = described;
                                return a.<RoleAssignment>persist()
                                        .call(x -> outbox.emit(EventTypes.ROLE_ASSIGNMENT_CREATED, a.resourceId(),
                                                payload(a)))
                                        .call(x -> Audit.record(caller, WRITE_ASSIGNMENTS, a.scope, "Granted",
                                                role.name() + " to " + a.principalType + " " + a.principalId))
                                        .map(x -> new Upsert<>(a, true));
                            });
                });
    }

    /** Deletes an assignment; answers it, or null when there was none at that scope (nothing published then). */
    @WithTransaction
    public Uni<RoleAssignment> deleteAssignment(Caller caller, String scope, String name) {
        String sub = ScopePath.subscriptionOf(scope);
        String id = guid(name, "name");
        return visibleSubscription(caller, sub, DELETE_ASSIGNMENTS, scope, true)
                .flatMap(s -> require(caller, scope, DELETE_ASSIGNMENTS))
                .flatMap(v -> RoleAssignment.<RoleAssignment>findById(id))
                .flatMap(a -> {
                    if (a == null || !a.tenantId.equals(caller.tenantId())
                            || !a.scopeKey.equals(Scopes.normalise(scope))) {
                        return Uni.createFrom().nullItem();
                    }
                    // a query, not an entity delete (Hibernate Reactive's per-type delete coordinator is shared
                    // between sessions: concurrent entity deletes cross them, quarkus#41945)
                    return RoleAssignment.delete("id", a.id).flatMap(rows -> rows == 0 ? Uni.createFrom().nullItem()
                            : outbox.emit(EventTypes.ROLE_ASSIGNMENT_DELETED, a.resourceId(), payload(a))
                            .call(() -> Audit.record(caller, DELETE_ASSIGNMENTS, a.scope, "Revoked",
                                    roleName(a) + " of " + a.principalType + " " + a.principalId))
                            .replaceWith(a));
                });
    }

    @WithSession
    public Uni<RoleAssignment> getAssignment(Caller caller, String scope, String name) {
        String sub = ScopePath.subscriptionOf(scope);
        String id = guid(name, "name");
        return visibleSubscription(caller, sub, READ_ASSIGNMENTS, scope, false)
                .flatMap(s -> require(caller, scope, READ_ASSIGNMENTS))
                .flatMap(v -> RoleAssignment.<RoleAssignment>findById(id))
                .map(a -> {
                    if (a == null || !a.tenantId.equals(caller.tenantId())
                            || !a.scopeKey.equals(Scopes.normalise(scope))) {
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
        return visibleSubscription(caller, sub, READ_ASSIGNMENTS, scope, false)
                .flatMap(s -> require(caller, scope, READ_ASSIGNMENTS))
                .flatMap(v -> RoleAssignment.<RoleAssignment>list("tenantId = ?1 order by createdAt, id",
                        caller.tenantId()))
                .map(all -> all.stream()
                        .filter(a -> Scopes.covers(a.scopeKey, scope) || (!atScopeOnly && Scopes.covers(scope, a.scopeKey)))
                        .filter(a -> principalId == null || principalId.equalsIgnoreCase(a.principalId))
                        .toList());
    }

    /** Fails with 404 (a subscription the caller cannot see) or 403 unless the caller may act at the scope. */
    public Uni<Void> requireAt(Caller caller, String scope, String action) {
        return visibleSubscription(caller, ScopePath.subscriptionOf(scope), action, scope, false)
                .flatMap(s -> require(caller, scope, action));
    }

    /**
     * Ends every assignment at or below a scope whose resource is gone (a gallery, image definition or version that
     * catalog-service deleted), so that a resource created again under the same id starts without them: one bulk
     * delete, then {@code RoleAssignmentDeleted} for each (the enforcing services drop the grants) and an audit entry.
     * Runs inside the caller's transaction, serialised with the assignment writes of the subscription.
     */
    public Uni<List<RoleAssignment>> endAssignmentsAtAndBelow(String scope, String reason) {
        String key = Scopes.normalise(scope);
        String sub = Scopes.subscriptionOf(key);
        if (sub == null || !Inputs.isGuid(sub)) {
            return Uni.createFrom().item(List.of());
        }
        return Subscription.<Subscription>findById(sub, LockModeType.PESSIMISTIC_WRITE)
                .flatMap(s -> RoleAssignment.<RoleAssignment>list("scopeKey like ?1", "/subscriptions/" + sub + "/%"))
                .map(all -> all.stream().filter(a -> Scopes.covers(key, a.scopeKey)).toList())
                .flatMap(ended -> ended.isEmpty() ? Uni.createFrom().item(ended)
                        : RoleAssignment.delete("id in ?1", ended.stream().map(a -> a.id).toList())
                        .flatMap(rows -> Multi.createFrom().iterable(ended).onItem().transformToUniAndConcatenate(a ->
                                        outbox.emit(EventTypes.ROLE_ASSIGNMENT_DELETED, a.resourceId(), payload(a))
                                                .call(() -> Audit.system(a.tenantId, DELETE_ASSIGNMENTS, a.scope,
                                                        "Revoked", roleName(a) + " of " + a.principalType + " "
                                                                + a.principalId + ": " + reason)))
                                .collect().asList())
                        .replaceWith(ended));
    }

    private static final Pattern BELOW_SUBSCRIPTION = Pattern.compile(
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
        Uni<Boolean> exists = GalleryRef.<GalleryRef>findById(gallery.toLowerCase(Locale.ROOT))
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
                // which tenant it is in is none of the caller's business (it was named); a group is a name in its
                // own tenant's directory, so another tenant's group of that name neither blocks nor is found here
                throw ArmException.invalid("PrincipalNotFound", "Principal " + principalId + " does not exist in "
                        + "the directory of tenant " + caller.tenantId() + ". To give another tenant's principals "
                        + "access, share the gallery with their tenant (POST .../galleries/{gallery}/share).",
                        "properties.principalId");
            }
            return null;
        });
    }

    /** A tenant administrator holds Owner on one of the tenant's subscriptions. */
    public Uni<Boolean> isTenantAdmin(Caller caller) {
        return RoleAssignment.<RoleAssignment>list("tenantId = ?1 and principalId in ?2 and roleDefinitionId = ?3",
                        caller.tenantId(), caller.principalIds(), BuiltInRoles.OWNER.id())
                .map(l -> l.stream().filter(a -> caller.holds(a.principalId, a.principalType))
                        .anyMatch(a -> a.scopeKey.matches("^/subscriptions/[^/]+$")));
    }

    /**
     * The subscription, if it is in the caller's tenant and the caller holds a role at, above or below it; otherwise
     * 404, the same answer as for one that does not exist (audited as NotFound when {@code action} is given). With
     * {@code lock}, the row is locked until the transaction ends (assignment writes of one subscription are serial).
     */
    Uni<Subscription> visibleSubscription(Caller caller, String id, String action, String scope, boolean lock) {
        Uni<Subscription> found = lock ? Subscription.<Subscription>findById(id, LockModeType.PESSIMISTIC_WRITE)
                : Subscription.<Subscription>findById(id);
        return found.flatMap(s -> {
            Uni<Boolean> visible = s == null || !s.tenantId.equals(caller.tenantId()) ? Uni.createFrom().item(false)
                    : grantsOf(caller).map(grants -> actsIn(grants, s.id));
            return visible.map(v -> {
                if (!v) {
                    if (action != null) {
                        authorizer.audit(caller, action, scope, "NotFound");
                    }
                    throw subscriptionNotFound(id);
                }
                return s;
            });
        });
    }

    static ArmException subscriptionNotFound(String id) {
        return ArmException.notFound("SubscriptionNotFound", "The subscription '" + id + "' could not be found.", id);
    }

    /** Whether any grant lies at, above or below the subscription. */
    static boolean actsIn(List<Authorizer.Grant> grants, String subscriptionId) {
        String s = "/subscriptions/" + subscriptionId;
        return grants.stream().anyMatch(g -> Scopes.covers(g.scope(), s) || Scopes.covers(s, g.scope()));
    }

    Uni<Void> require(Caller caller, String scope, String action) {
        return grantsOf(caller).map(grants -> {
            if (!Authorizer.allows(grants, scope, action)) {
                authorizer.audit(caller, action, scope, "Forbidden");
                throw ArmException.forbidden(caller.principalId(), action, scope);
            }
            return null;
        });
    }

    Uni<List<Authorizer.Grant>> grantsOf(Caller caller) {
        return RoleAssignment.<RoleAssignment>list("tenantId = ?1 and principalId in ?2", caller.tenantId(),
                        caller.principalIds())
                .map(list -> list.stream().filter(a -> caller.holds(a.principalId, a.principalType))
                        .map(a -> new Authorizer.Grant(a.scopeKey, a.roleDefinitionId)).toList());
    }

    private static String roleName(RoleAssignment a) {
        return BuiltInRoles.byId(a.roleDefinitionId).map(BuiltInRoles.Role::name).orElse("?");
    }

    static Payloads.RoleAssignment payload(RoleAssignment a) {
        return new Payloads.RoleAssignment(a.id, a.tenantId, a.scope, a.principalId, a.principalType,
                a.roleDefinitionId, BuiltInRoles.byId(a.roleDefinitionId).map(BuiltInRoles.Role::name).orElse(null));
    }

    static String guid(String value, String target) {
        return Inputs.guid(value, "InvalidRoleAssignmentId", target, "role assignment name");
    }
}

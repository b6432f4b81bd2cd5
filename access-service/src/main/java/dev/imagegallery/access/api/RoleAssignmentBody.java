package dev.imagegallery.access.api;

import dev.imagegallery.access.persistence.RoleAssignment;
import dev.imagegallery.common.security.BuiltInRoles;

import java.time.Instant;

/** A role assignment in ARM shape (Microsoft.Authorization/roleAssignments, api-version 2022-04-01). */
public record RoleAssignmentBody(String id, String name, String type, Properties properties) {

    public record Properties(String roleDefinitionId, String principalId, String principalType, String scope,
                             Instant createdOn, Instant updatedOn, String createdBy, String updatedBy,
                             String description) {
    }

    /** The request body of a PUT. */
    public record Request(RequestProperties properties) {
    }

    /**
     * Azure's properties of a PUT (2022-04-01). {@code condition}, {@code conditionVersion} (ABAC) and
     * {@code delegatedManagedIdentityResourceId} are not implemented and are refused by name when given: dropped, an
     * assignment meant to hold only under a condition would grant without it. {@code description} is kept (at most
     * {@link dev.imagegallery.access.domain.Inputs#DESCRIPTION_MAX} characters) and may be changed by a later PUT;
     * {@code scope} and the other read-only properties are ignored, as ARM does.
     */
    public record RequestProperties(String roleDefinitionId, String principalId, String principalType,
                                    String description, String condition, String conditionVersion,
                                    String delegatedManagedIdentityResourceId) {
    }

    private static final java.util.regex.Pattern SUBSCRIPTION = java.util.regex.Pattern.compile(
            "(?i)^/subscriptions/([^/]+)");

    /**
     * {@code roleDefinitionId} as ARM answers it at every scope: under the assignment's subscription (or the tenant
     * root's), never under the assignment's own scope, so that a GET's body PUT back is the same assignment (under
     * a gallery it answered {@code .../galleries/g/providers/Microsoft.Authorization/roleDefinitions/{guid}}, which
     * the PUT refuses).
     */
    public static RoleAssignmentBody of(RoleAssignment a) {
        var sub = a.scope == null ? null : SUBSCRIPTION.matcher(a.scope);
        String at = sub != null && sub.find() ? "/subscriptions/" + sub.group(1).toLowerCase(java.util.Locale.ROOT) : "";
        String roleDefId = BuiltInRoles.byId(a.roleDefinitionId).map(r -> r.idAt(at))
                .orElse(a.roleDefinitionId);
        return new RoleAssignmentBody(a.resourceId(), a.id, "Microsoft.Authorization/roleAssignments",
                new Properties(roleDefId, a.principalId, a.principalType, a.scope, a.createdAt, a.updatedAt,
                        a.createdBy, a.updatedBy, a.description));
    }
}

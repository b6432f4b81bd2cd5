package dev.imagegallery.access.api;

import dev.imagegallery.access.persistence.RoleAssignment;
import dev.imagegallery.common.security.BuiltInRoles;

import java.time.Instant;

/** A role assignment in ARM shape (Microsoft.Authorization/roleAssignments, api-version 2022-04-01). */
public record RoleAssignmentBody(String id, String name, String type, Properties properties) {

    public record Properties(String roleDefinitionId, String principalId, String principalType, String scope,
                             Instant createdOn, String createdBy) {
    }

    /** The request body of a PUT. */
    public record Request(Properties properties) {
    }

    public static RoleAssignmentBody of(RoleAssignment a) {
        String roleDefId = BuiltInRoles.byId(a.roleDefinitionId).map(r -> r.idAt(a.scope))
                .orElse(a.roleDefinitionId);
        return new RoleAssignmentBody(a.resourceId(), a.id, "Microsoft.Authorization/roleAssignments",
                new Properties(roleDefId, a.principalId, a.principalType, a.scope, a.createdAt, a.createdBy));
    }
}

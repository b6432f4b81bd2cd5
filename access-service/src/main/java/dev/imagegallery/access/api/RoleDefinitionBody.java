package dev.imagegallery.access.api;

import dev.imagegallery.common.security.BuiltInRoles;

import java.util.List;

/** A role definition in ARM shape. */
public record RoleDefinitionBody(String id, String name, String type, Properties properties) {

    public record Permission(List<String> actions, List<String> notActions) {
    }

    public record Properties(String roleName, String type, String description, List<String> assignableScopes,
                             List<Permission> permissions) {
    }

    public static RoleDefinitionBody of(BuiltInRoles.Role r, String scope) {
        return new RoleDefinitionBody(r.idAt(scope), r.id(), "Microsoft.Authorization/roleDefinitions",
                new Properties(r.name(), "BuiltInRole", r.description(), List.of("/"),
                        List.of(new Permission(r.actions(), r.notActions()))));
    }
}

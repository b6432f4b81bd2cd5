package dev.imagegallery.common.security;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Azure's built-in role definitions that the gallery honours: names, ids and action lists as Azure publishes them
 * (only the Microsoft.Compute and Microsoft.Authorization parts matter here).
 */
public final class BuiltInRoles {

    public record Role(String id, String name, String description, List<String> actions, List<String> notActions) {

        public boolean allows(String action) {
            return actions.stream().anyMatch(a -> matches(a, action))
                    && notActions.stream().noneMatch(a -> matches(a, action));
        }

        /** The role definition id at a scope, as ARM writes it. */
        public String idAt(String scope) {
            return (scope == null || scope.equals("/") ? "" : scope)
                    + "/providers/Microsoft.Authorization/roleDefinitions/" + id;
        }
    }

    public static final Role OWNER = new Role("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner",
            "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
            List.of("*"), List.of());
    public static final Role CONTRIBUTOR = new Role("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor",
            "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.",
            List.of("*"), List.of("Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action", "Microsoft.Compute/galleries/share/action"));
    public static final Role READER = new Role("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader",
            "View all resources, but does not allow you to make any changes.", List.of("*/read"), List.of());
    public static final Role IMAGE_READER = new Role("cf7c76d2-98a3-4358-a134-615aa78bf44d",
            "Compute Gallery Image Reader",
            "Allows reading, listing and using images of a compute gallery (for example to create virtual machines).",
            List.of("Microsoft.Compute/galleries/read", "Microsoft.Compute/galleries/images/read",
                    "Microsoft.Compute/galleries/images/versions/read",
                    "Microsoft.Compute/galleries/images/versions/download/action"), List.of());
    public static final Role ARTIFACTS_PUBLISHER = new Role("85a2d0d9-2eba-4c9c-b355-11c2cc0788ab",
            "Compute Gallery Artifacts Publisher",
            "Allows creating, updating and deleting galleries, image definitions and versions, and managed images.",
            List.of("Microsoft.Compute/galleries/*", "Microsoft.Compute/images/*", "Microsoft.Compute/blobs/*",
                    "Microsoft.Resources/subscriptions/read"),
            List.of("Microsoft.Compute/galleries/share/action"));
    public static final Role SHARING_ADMIN = new Role("1ef6a3be-d0ac-425d-8c01-acb62866290b",
            "Compute Gallery Sharing Admin",
            "Allows managing the sharing of a compute gallery with subscriptions, tenants and the community.",
            List.of("Microsoft.Compute/galleries/read", "Microsoft.Compute/galleries/share/action",
                    "Microsoft.Compute/galleries/images/read", "Microsoft.Compute/galleries/images/versions/read"),
            List.of());

    public static final List<Role> ALL = List.of(OWNER, CONTRIBUTOR, READER, IMAGE_READER, ARTIFACTS_PUBLISHER,
            SHARING_ADMIN);
    private static final Map<String, Role> BY_ID = ALL.stream()
            .collect(Collectors.toMap(r -> r.id().toLowerCase(Locale.ROOT), Function.identity()));

    private BuiltInRoles() {
    }

    /** Finds a role by its GUID or by a full role definition id ending in the GUID. */
    public static Optional<Role> byId(String idOrResourceId) {
        if (idOrResourceId == null) {
            return Optional.empty();
        }
        String guid = idOrResourceId.substring(idOrResourceId.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        return Optional.ofNullable(BY_ID.get(guid));
    }

    /** Azure action pattern matching: {@code *} spans any characters, case-insensitive. */
    static boolean matches(String pattern, String action) {
        String regex = Pattern.quote(pattern).replace("*", "\\E.*\\Q");
        return Pattern.compile(regex, Pattern.CASE_INSENSITIVE).matcher(action).matches();
    }
}

package dev.imagegallery.events;

/** ARM request paths, read as ARM reads resource ids: shared by the front door's routes and the services. */
public final class ArmPaths {
    private ArmPaths() {
    }

    /**
     * Where the namespace of the provider that serves a request starts in its (lower-case) path, or -1 for none. The
     * path is read as ARM reads a resource id: a scope ({@code /subscriptions/{id}[/resourceGroups/{name}]}, {@code /tenants/{id}},
     * or none), then {@code providers/{namespace}} and type/name pairs, where {@code providers} in a type's place starts
     * an extension resource of another provider (a role assignment at a gallery's scope is
     * {@code .../galleries/g/providers/Microsoft.Authorization/roleAssignments/x}). A resource named {@code providers}
     * is a name: the last {@code /providers/} anywhere in the path was taken (by the front door's routes and by the
     * services' api-version check), so a gallery named so could be made and its images never reached (a hostile
     * probe). One reading for both.
     */
    public static int providerStart(String p) {
        // the segments and where each starts; empty ones (a "//", which the SDKs send after a base URL ending in "/",
        // and a trailing "/") are no segments, as ARM reads them
        java.util.List<String> seg = new java.util.ArrayList<>();
        java.util.List<Integer> at = new java.util.ArrayList<>();
        for (int pos = 0; pos < p.length(); ) {
            int next = p.indexOf('/', pos);
            int end = next < 0 ? p.length() : next;
            if (end > pos) {
                seg.add(p.substring(pos, end));
                at.add(pos);
            }
            pos = end + 1;
        }
        int n = seg.size();
        int i = 0;
        if (n > 1 && (seg.get(0).equals("subscriptions") || seg.get(0).equals("tenants"))) {
            i = 2;
            if (seg.get(0).equals("subscriptions") && n > 3 && seg.get(2).equals("resourcegroups")) {
                i = 4;
            }
        }
        int start = -1;
        while (i < n) {
            if (seg.get(i).equals("providers") && i + 1 < n) {
                start = at.get(i + 1);
                i += 2; // the namespace; then type/name pairs
            } else if (start < 0) {
                // no provider where the scope ends: no resource id. The last provider named anywhere decides, so
                // that its service answers what is wrong with the scope (access-service's InvalidScope for
                // /subscriptions/{s}/bogus/providers/Microsoft.Authorization/roleAssignments/x)
                for (int j = n - 2; j >= i; j--) {
                    if (seg.get(j).equals("providers")) {
                        return at.get(j + 1);
                    }
                }
                return -1;
            } else {
                i += 2; // a type and its name ("providers" as a name is a name)
            }
        }
        return start;
    }

    private static final java.util.regex.Pattern REGISTRY = java.util.regex.Pattern.compile(
            "^/+(subscriptions/+[^/]+/+)?providers(/+[^/]+(/+(register|unregister))?)?/*$");

    /**
     * Whether a (lower-case) path is ARM's resource provider registry ({@code Microsoft.Resources/providers}):
     * {@code [/subscriptions/{id}]/providers[/{namespace}[/register|/unregister]]}, a namespace with no resource type
     * after it. access-service answers it, whichever namespace it names.
     */
    public static boolean providerRegistry(String p) {
        return REGISTRY.matcher(p).matches();
    }
}

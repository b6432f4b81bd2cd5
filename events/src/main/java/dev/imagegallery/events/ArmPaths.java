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
        String[] seg = p.split("/", -1); // seg[0] is the empty text before the leading slash
        int[] at = new int[seg.length];
        for (int i = 1, pos = 1; i < seg.length; pos += seg[i].length() + 1, i++) {
            at[i] = pos;
        }
        int i = 1;
        if (seg.length > 2 && (seg[1].equals("subscriptions") || seg[1].equals("tenants"))) {
            i = 3;
            if (seg[1].equals("subscriptions") && seg.length > 4 && seg[3].equals("resourcegroups")) {
                i = 5;
            }
        }
        int start = -1;
        while (i < seg.length) {
            if (seg[i].equals("providers") && i + 1 < seg.length && !seg[i + 1].isEmpty()) {
                start = at[i + 1];
                i += 2; // the namespace; then type/name pairs
            } else if (start < 0) {
                return -1; // no provider where the scope ends
            } else {
                i += 2; // a type and its name ("providers" as a name is a name)
            }
        }
        return start;
    }
}

package dev.imagegallery.door.routing;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which service answers a path, as ARM routes a request to its resource provider: by the provider namespace in the
 * path ({@code .../providers/Microsoft.Compute/...}), case-insensitively as ARM does. The rules, first match wins,
 * are derived from the services' JAX-RS paths and listed in the module README:
 * <ol>
 * <li>the data plane {@code /blobs/...}, {@code /download/...}: replication-service;</li>
 * <li>{@code Microsoft.Authorization} (role assignments, role definitions, audit log) and {@code Microsoft.Gallery}
 * (event subscribers, snapshot, event contract) at any scope: access-service;</li>
 * <li>the gallery {@code share} action and {@code sharingProfile} view, and {@code sharingInvitations} (which sit under
 * {@code Microsoft.Compute}): access-service;</li>
 * <li>{@code Microsoft.Consumption}: billing-service;</li>
 * <li>{@code Microsoft.Compute} (galleries, images, versions, managed images, shared and community galleries,
 * resolveImageReference): catalog-service;</li>
 * <li>any other provider namespace: nobody (404 {@code NoRegisteredProviderFound});</li>
 * <li>{@code /subscriptions} and {@code /tenants} themselves and whatever lies under them without a provider:
 * access-service (the subscriptions resource provider);</li>
 * <li>anything else: nobody (404 {@code NotFound}).</li>
 * </ol>
 */
public final class RouteTable {
    private static final Pattern SHARING = Pattern.compile(
            "/providers/microsoft\\.compute/galleries/[^/]+/(share|sharingprofile)/?$"
                    + "|^/providers/microsoft\\.compute/sharinginvitations(/.*)?$");

    private RouteTable() {
    }

    /** The outcome for one path: a service, or why there is none. */
    public record Match(Optional<Upstream> upstream, String namespace) {
        static Match to(Upstream u) {
            return new Match(Optional.of(u), null);
        }

        static Match none(String namespace) {
            return new Match(Optional.empty(), namespace);
        }

        /** No service answers, because the path names a provider namespace nobody serves (else: no route at all). */
        public boolean unknownProvider() {
            return upstream.isEmpty() && namespace != null;
        }
    }

    /**
     * Where the namespace of the resource's provider starts in the (lower-case) path, or -1 for none. The path is read
     * as ARM reads a resource id: a scope ({@code /subscriptions/{id}[/resourceGroups/{name}]}, {@code /tenants/{id}},
     * or none), then {@code providers/{namespace}} and type/name pairs, where {@code providers} in a type's place starts
     * an extension resource of another provider (a role assignment at a gallery's scope is
     * {@code .../galleries/g/providers/Microsoft.Authorization/roleAssignments/x}). A resource named {@code providers}
     * is a name: the last {@code /providers/} anywhere in the path was taken, so a gallery named so could be made and its
     * images never reached (404 for the namespace "images", a hostile probe).
     */
    static int providerNamespace(String p) {
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

    /** Routes a request path (without the query); the path as received, percent-escapes and case untouched. */
    public static Match route(String rawPath) {
        String p = rawPath.toLowerCase(Locale.ROOT);
        if (p.startsWith("/blobs/") || p.startsWith("/download/")) {
            return Match.to(Upstream.REPLICATION);
        }
        int start = providerNamespace(p);
        if (start >= 0) {
            String ns = p.substring(start).split("/", 2)[0];
            switch (ns) {
                case "microsoft.authorization", "microsoft.gallery":
                    return Match.to(Upstream.ACCESS);
                case "microsoft.consumption":
                    return Match.to(Upstream.BILLING);
                case "microsoft.compute":
                    return Match.to(SHARING.matcher(p).find() ? Upstream.ACCESS : Upstream.CATALOG);
                default:
                    return Match.none(rawPath.substring(start).split("/", 2)[0]);
            }
        }
        if (p.equals("/subscriptions") || p.startsWith("/subscriptions/") || p.equals("/tenants")
                || p.startsWith("/tenants/")) {
            return Match.to(Upstream.ACCESS);
        }
        return Match.none(null);
    }
}

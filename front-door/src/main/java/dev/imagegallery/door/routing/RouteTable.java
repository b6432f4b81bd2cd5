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
 * <li>ARM's resource provider registry ({@code [/subscriptions/{id}]/providers[/{namespace}[/register]]}, a
 * namespace with nothing after it): access-service;</li>
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

    /** Routes a request path (without the query); the path as received, percent-escapes and case untouched. */
    public static Match route(String rawPath) {
        String p = rawPath.toLowerCase(Locale.ROOT);
        if (p.startsWith("/blobs/") || p.startsWith("/download/")) {
            return Match.to(Upstream.REPLICATION);
        }
        if (dev.imagegallery.events.ArmPaths.providerRegistry(p)) {
            return Match.to(Upstream.ACCESS);
        }
        int start = dev.imagegallery.events.ArmPaths.providerStart(p);
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

package dev.imagegallery.common.arm;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ARM reads the fixed words of a resource path in any case ({@code resourcegroups}, {@code microsoft.compute},
 * {@code Galleries}; Azure hands out ids with {@code resourcegroups} in lower case, and clients send them back), where
 * JAX-RS matches paths exactly. {@link #canonical} writes those words as the services' routes spell them, and leaves
 * every name alone (names are compared without case by the services themselves, and kept as the client wrote them).
 * <p>
 * Which segment is a fixed word follows ARM's grammar: a path starts with one ({@code subscriptions},
 * {@code tenants}, {@code providers}); each is followed by a name, except {@code providers}, which is followed by a
 * namespace and then a resource type; after every name comes a fixed word again (a type, {@code providers}, an
 * action). Paths outside ARM ({@code /blobs}, {@code /download}, {@code /q}) are not touched.
 */
public final class ArmPathCase {
    /** Every fixed word of the services' ARM routes, as they spell it. */
    static final List<String> WORDS = List.of("subscriptions", "resourceGroups", "providers", "tenants", "locations",
            "Microsoft.Compute", "Microsoft.Authorization", "Microsoft.Consumption", "Microsoft.Gallery",
            "galleries", "images", "versions", "share", "sharingProfile", "sharedGalleries", "communityGalleries",
            "sharingInvitations", "accept", "reject", "softDeletedArtifactTypes", "artifacts", "restore", "operations",
            "operationResults", "resolveImageReference", "roleAssignments", "roleDefinitions", "auditLogs",
            "usageDetails", "invoices", "csv", "priceSheets", "estimateImageVersionCost", "eventSubscribers",
            "eventSchemas", "eventSnapshot", "asyncapi");
    private static final Map<String, String> CANONICAL = new HashMap<>();

    static {
        for (String w : WORDS) {
            CANONICAL.put(w.toLowerCase(Locale.ROOT), w);
        }
    }

    private ArmPathCase() {
    }

    /** The path with its fixed words in their routes' case; the same instance when nothing changes. */
    public static String canonical(String rawPath) {
        if (rawPath == null || rawPath.length() < 2 || rawPath.charAt(0) != '/') {
            return rawPath;
        }
        String[] segments = rawPath.substring(1).split("/", -1);
        String first = segments[0].toLowerCase(Locale.ROOT);
        if (!first.equals("subscriptions") && !first.equals("tenants") && !first.equals("providers")) {
            return rawPath;
        }
        boolean changed = false;
        // what the next segment is: a fixed word, a provider's namespace (also fixed), or a name
        int expect = WORD;
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            if (expect == NAME) {
                expect = WORD;
                continue;
            }
            String canonical = CANONICAL.get(s.toLowerCase(Locale.ROOT));
            if (canonical != null && !canonical.equals(s)) {
                segments[i] = canonical;
                changed = true;
            }
            if (expect == NAMESPACE) {
                expect = WORD; // the resource type follows the namespace
            } else {
                expect = "providers".equalsIgnoreCase(s) ? NAMESPACE : NAME;
            }
        }
        return changed ? "/" + String.join("/", segments) : rawPath;
    }

    /**
     * The fixed words of a route template ({@code {name}} for a name) that {@link #canonical} does not know: none, or
     * the routes and {@link #WORDS} have drifted apart (each service's tests check its OpenAPI paths with this).
     */
    public static List<String> unknownWords(String template) {
        List<String> unknown = new java.util.ArrayList<>();
        String[] segments = template.startsWith("/") ? template.substring(1).split("/", -1) : new String[0];
        if (segments.length == 0 || !List.of("subscriptions", "tenants", "providers").contains(segments[0])) {
            return unknown;
        }
        int expect = WORD;
        for (String s : segments) {
            if (expect == NAME || s.startsWith("{")) {
                expect = WORD;
                continue;
            }
            if (!s.isEmpty() && !CANONICAL.containsValue(s)) {
                unknown.add(s);
            }
            expect = expect == NAMESPACE ? WORD : s.equals("providers") ? NAMESPACE : NAME;
        }
        return unknown;
    }

    private static final int WORD = 0;
    private static final int NAMESPACE = 1;
    private static final int NAME = 2;
}

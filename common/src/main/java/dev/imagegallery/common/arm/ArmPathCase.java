package dev.imagegallery.common.arm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ARM reads the fixed words of a resource path in any case ({@code resourcegroups}, {@code microsoft.compute},
 * {@code Galleries}; Azure hands out ids with {@code resourcegroups} in lower case, and clients send them back), where
 * JAX-RS matches paths exactly. {@link #canonical} writes those words as the services' routes spell them, and leaves
 * every name alone (names are compared without case by the services themselves, and kept as the client wrote them).
 * <p>
 * Which segment is a fixed word follows ARM's grammar: a path starts with one ({@code subscriptions},
 * {@code tenants}, {@code providers}); each is followed by a name, except {@code providers}, which is followed by a
 * namespace and then a resource type; after every name comes a fixed word again (a type, {@code providers}, an
 * action). Paths outside ARM ({@code /blobs}, {@code /q}) are not touched; a {@code /download/{region}} path has its
 * version id read as an ARM path. Case is ASCII's only:
 * {@code ſubscriptions} (a long s) is no ARM word.
 */
public final class ArmPathCase {
    /** Every fixed word of the services' ARM routes, as they spell it. */
    static final List<String> WORDS = List.of("subscriptions", "resourceGroups", "providers", "tenants", "locations",
            "Microsoft.Compute", "Microsoft.Authorization", "Microsoft.Consumption", "Microsoft.Gallery",
            "galleries", "images", "versions", "share", "sharingProfile", "sharedGalleries", "communityGalleries",
            "sharingInvitations", "accept", "reject", "softDeletedArtifactTypes", "artifacts", "restore", "operations",
            "operationResults", "resolveImageReference", "roleAssignments", "roleDefinitions", "auditLogs",
            "usageDetails", "invoices", "csv", "priceSheets", "estimateImageVersionCost", "eventSubscribers",
            "eventSchemas", "eventSnapshot", "asyncapi", "register", "unregister");
    private static final Set<String> SPELLED = Set.copyOf(WORDS);
    /** The words by length (a segment is compared with the few of its length, without a copy of it). */
    private static final Map<Integer, List<String>> BY_LENGTH = new HashMap<>();
    private static final List<String> ROOTS = List.of("subscriptions", "tenants", "providers");

    static {
        for (String w : WORDS) {
            BY_LENGTH.computeIfAbsent(w.length(), n -> new ArrayList<>()).add(w);
        }
    }

    private ArmPathCase() {
    }

    /**
     * The path with its fixed words in their routes' case; the same instance when nothing changes. A version's download
     * URL ({@code /download/{region}} and the version's ARM id) has the words of its id read so too: clients build it
     * from ids Azure hands out with {@code resourcegroups} in lower case, and it was a 404.
     */
    public static String canonical(String rawPath) {
        if (rawPath != null && rawPath.startsWith("/download/")) {
            int region = rawPath.indexOf('/', "/download/".length());
            if (region < 0) {
                return rawPath;
            }
            String id = rawPath.substring(region);
            String canonical = canonical(id);
            return canonical.equals(id) ? rawPath : rawPath.substring(0, region) + canonical;
        }
        if (!isArm(rawPath)) {
            return rawPath;
        }
        StringBuilder[] changed = {null};
        walk(rawPath, (from, to) -> {
            String w = word(rawPath, from, to);
            if (w != null && !rawPath.startsWith(w, from)) {
                if (changed[0] == null) {
                    changed[0] = new StringBuilder(rawPath);
                }
                changed[0].replace(from, to, w); // as long as the segment: the later indices hold
            }
        });
        return changed[0] == null ? rawPath : changed[0].toString();
    }

    /**
     * The fixed words of a route template ({@code {name}} for a name) that {@link #canonical} does not know: none, or
     * the routes and {@link #WORDS} have drifted apart (each service's tests check its OpenAPI paths with this).
     */
    public static List<String> unknownWords(String template) {
        List<String> unknown = new ArrayList<>();
        if (isArm(template)) {
            walk(template, (from, to) -> {
                String s = template.substring(from, to);
                if (!s.isEmpty() && !SPELLED.contains(s)) {
                    unknown.add(s);
                }
            });
        }
        return unknown;
    }

    private interface Segment {
        void at(int from, int to);
    }

    /**
     * Calls {@code word} with the bounds of each segment of {@code path} that ARM's grammar makes a fixed word (a
     * template's {@code {name}} is a name wherever it stands).
     */
    private static void walk(String path, Segment word) {
        int expect = WORD;
        for (int from = 1; from <= path.length(); ) {
            int to = path.indexOf('/', from);
            to = to < 0 ? path.length() : to;
            if (expect == NAME || path.startsWith("{", from)) {
                expect = WORD;
            } else {
                word.at(from, to);
                expect = expect == NAMESPACE ? WORD // the resource type follows the namespace
                        : to - from == 9 && sameIgnoringCase(path, from, "providers") ? NAMESPACE : NAME;
            }
            from = to + 1;
        }
    }

    /** Whether the path's first segment is one an ARM path starts with. */
    private static boolean isArm(String path) {
        if (path == null || path.length() < 2 || path.charAt(0) != '/') {
            return false;
        }
        int end = path.indexOf('/', 1);
        end = end < 0 ? path.length() : end;
        for (String root : ROOTS) {
            if (end - 1 == root.length() && sameIgnoringCase(path, 1, root)) {
                return true;
            }
        }
        return false;
    }

    /** The fixed word that {@code path[from, to)} is in some case; null if none. */
    private static String word(String path, int from, int to) {
        for (String w : BY_LENGTH.getOrDefault(to - from, List.of())) {
            if (sameIgnoringCase(path, from, w)) {
                return w;
            }
        }
        return null;
    }

    /** Whether {@code s} at {@code from} spells {@code word} (ASCII letters in any case). */
    private static boolean sameIgnoringCase(String s, int from, String word) {
        for (int i = 0; i < word.length(); i++) {
            char a = s.charAt(from + i);
            char b = word.charAt(i);
            if (a != b && !(asciiLetter(a) && asciiLetter(b) && (a | 0x20) == (b | 0x20))) {
                return false;
            }
        }
        return true;
    }

    private static boolean asciiLetter(char c) {
        return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    }

    private static final int WORD = 0;
    private static final int NAMESPACE = 1;
    private static final int NAME = 2;
}

package dev.imagegallery.events;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The regions of this deployment, each in a geography (egress between geographies costs more). They are
 * configuration, not code: {@code gallery.regions} ({@code GALLERY_REGIONS=westeurope=Europe,eastus=US,...}), read
 * once, at the first use, through the {@link Source} on the class path (common's reads MicroProfile Config, whose
 * defaults give the local stack's four regions). Every service of a deployment must be given the same list.
 */
public final class Regions {
    /** Where the {@code name=geography} pairs come from (a {@link ServiceLoader} service). */
    public interface Source {
        List<String> regions();

        /** Sources are asked lowest first: a service's configuration (common's, 0) before a tool's defaults. */
        default int order() {
            return 100;
        }
    }

    private static volatile Map<String, String> geography;

    private Regions() {
    }

    /** The table, read at the first use. */
    static Map<String, String> table() {
        Map<String, String> t = geography;
        if (t == null) {
            synchronized (Regions.class) {
                if (geography == null) {
                    geography = load();
                }
                t = geography;
            }
        }
        return t;
    }

    private static Map<String, String> load() {
        // common's source (the service's configuration) before devstack's (the local stack's, for its tools)
        List<Source> sources = new java.util.ArrayList<>();
        ServiceLoader.load(Source.class, Regions.class.getClassLoader()).forEach(sources::add);
        sources.sort(java.util.Comparator.comparingInt(Source::order));
        for (Source source : sources) {
            List<String> pairs = source.regions();
            if (pairs != null && !pairs.isEmpty()) {
                return parse(pairs);
            }
        }
        // no source on the class path (a tool with events alone, such as bench/replication's driver): the setting
        List<String> pairs = fromEnvironment();
        if (!pairs.isEmpty()) {
            return parse(pairs);
        }
        throw new IllegalStateException("no regions are configured: set gallery.regions (name=geography,...)");
    }

    /** {@code -Dgallery.regions}, else {@code GALLERY_REGIONS}, as pairs (empty when neither is set). */
    public static List<String> fromEnvironment() {
        String list = System.getProperty("gallery.regions", System.getenv("GALLERY_REGIONS"));
        if (list == null || list.isBlank()) {
            return List.of();
        }
        return java.util.Arrays.stream(list.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }

    /** {@code name=geography} pairs as a table; a pair that is not one is refused (a misconfiguration, at start). */
    public static Map<String, String> parse(List<String> pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? "" : pair.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String geo = eq < 0 ? "" : pair.substring(eq + 1).trim();
            if (name.isEmpty() || geo.isEmpty() || !name.matches("[a-z0-9]+")) {
                throw new IllegalArgumentException("gallery.regions: '" + pair + "' is not name=geography "
                        + "(a name of lower-case letters and digits, as Azure's region names)");
            }
            m.put(name, geo);
        }
        return Map.copyOf(m);
    }

    public static Set<String> names() {
        return table().keySet();
    }

    /** The geographies, each once. */
    public static Set<String> geographies() {
        return Set.copyOf(table().values());
    }

    /** Azure accepts display names ("West Europe") as well as names; both map to the name, or null if unknown. */
    public static String normalise(String region) {
        if (region == null) {
            return null;
        }
        String n = region.replace(" ", "").toLowerCase(Locale.ROOT);
        return table().containsKey(n) ? n : null;
    }

    public static String geographyOf(String region) {
        return region == null ? null : table().get(region);
    }
}

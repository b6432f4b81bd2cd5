package dev.imagegallery.events;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The regions every service knows, each in a geography (egress between geographies costs more). */
public final class Regions {
    public static final Map<String, String> GEOGRAPHY;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("westeurope", "Europe");
        m.put("northeurope", "Europe");
        m.put("eastus", "US");
        m.put("westus2", "US");
        GEOGRAPHY = Map.copyOf(m);
    }

    private Regions() {
    }

    public static Set<String> names() {
        return GEOGRAPHY.keySet();
    }

    /** Azure accepts display names ("West Europe") as well as names; both map to the name, or null if unknown. */
    public static String normalise(String region) {
        if (region == null) {
            return null;
        }
        String n = region.replace(" ", "").toLowerCase(Locale.ROOT);
        return GEOGRAPHY.containsKey(n) ? n : null;
    }

    public static String geographyOf(String region) {
        return GEOGRAPHY.get(region);
    }
}

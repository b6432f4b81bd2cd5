package dev.imagegallery.common.security;

import java.util.Locale;

/** ARM scope arithmetic: an assignment at a scope covers the scope and everything below it. */
public final class Scopes {
    private Scopes() {
    }

    public static boolean covers(String assignmentScope, String resourceScope) {
        String a = normalise(assignmentScope);
        String r = normalise(resourceScope);
        return a.equals("/") || r.equals(a) || r.startsWith(a + "/");
    }

    public static String normalise(String scope) {
        String s = scope.toLowerCase(Locale.ROOT);
        while (s.length() > 1 && s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    /** The subscription id of a scope ({@code /subscriptions/{id}/...}), or null. */
    public static String subscriptionOf(String scope) {
        String[] parts = scope.split("/");
        return parts.length > 2 && parts[1].equalsIgnoreCase("subscriptions") ? parts[2].toLowerCase(Locale.ROOT) : null;
    }
}

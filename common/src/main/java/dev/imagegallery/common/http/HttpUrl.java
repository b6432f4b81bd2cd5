package dev.imagegallery.common.http;

import dev.imagegallery.common.arm.ArmException;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * An absolute http(s) URL that other users are shown or that the system calls: a community gallery's publisher link,
 * a definition's privacy statement and release notes (catalog-service), a tenant's issuer (access-service). One rule
 * for every service: catalog-service took {@code https://user:pass@evil.example/} and {@code https:evil.example} in a
 * gallery's sharing profile, which access-service then refused when the gallery was published, naming a field the
 * request did not have.
 * <ul>
 *   <li>scheme http or https, in any case ({@code HTTPS://EXAMPLE.COM} was refused by catalog-service);</li>
 *   <li>a host and, if any, a port from 1 to 65535 ({@code https://[::1]:99999/} was taken by both);</li>
 *   <li>no user information (a link that shows one host and goes to another: {@code https://bank.example@evil.example});</li>
 *   <li>no control, space or format character (a right-to-left override shows a link reversed);</li>
 *   <li>at most {@link #MAX} characters.</li>
 * </ul>
 */
public final class HttpUrl {
    public static final int MAX = 2048;

    private HttpUrl() {
    }

    /** Why {@code value} is not such a URL, or null when it is one. */
    public static String problem(String value, boolean queryAllowed) {
        if (value == null || value.isEmpty()) {
            return "it is empty";
        }
        if (value.length() > MAX) {
            return "it is longer than " + MAX + " characters";
        }
        for (int i = 0; i < value.length(); ) {
            int c = value.codePointAt(i);
            if (Character.isISOControl(c) || Character.isWhitespace(c) || Character.isSpaceChar(c)
                    || Character.getType(c) == Character.FORMAT) {
                return String.format("it holds the character U+%04X", c);
            }
            i += Character.charCount(c);
        }
        URI u;
        try {
            u = new URI(value).parseServerAuthority();
        } catch (URISyntaxException e) {
            return "it is not a URL with a host";
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("https") || scheme.equals("http"))) {
            return "its scheme is not http or https";
        }
        if (u.getHost() == null || u.getHost().isEmpty()) {
            return "it has no host";
        }
        if (u.getRawUserInfo() != null) {
            return "it holds user information before its host";
        }
        if (u.getPort() == 0 || u.getPort() > 65535) {
            return "its port is not between 1 and 65535";
        }
        if (!queryAllowed && (u.getRawQuery() != null || u.getRawFragment() != null)) {
            return "it has a query or a fragment";
        }
        return null;
    }

    /** {@code value} as a URI, or 400 {@code InvalidParameter} naming {@code target} and saying why. */
    public static URI check(String value, String target, boolean queryAllowed) {
        String problem = problem(value, queryAllowed);
        if (problem != null) {
            throw ArmException.invalidParameter(target, "'" + shown(value) + "' is not an http(s) URL"
                    + (queryAllowed ? "" : " without query or fragment") + " of at most " + MAX + " characters: "
                    + problem + ".");
        }
        return URI.create(value);
    }

    private static String shown(String value) {
        if (value == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        value.codePoints().limit(200).forEach(c -> {
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                b.append(String.format("\\u%04X", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return value.codePointCount(0, value.length()) > 200 ? b + "…" : b.toString();
    }
}

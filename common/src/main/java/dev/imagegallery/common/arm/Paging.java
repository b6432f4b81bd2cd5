package dev.imagegallery.common.arm;

import jakarta.ws.rs.core.UriInfo;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * ARM list paging, the one implementation every service uses: {@code $top} items per page (each list's
 * {@link Limits}) and a {@code nextLink} carrying an opaque {@code $skiptoken} while items remain.
 * <p>
 * A token names a place in one list: an offset ({@link #page}, {@link #slice}), or the key of the last row served
 * ({@link #pageByKey}, so that a deep page costs what the first does and rows inserted before it do not shift it). It
 * is {@code base64url(place) "." base64url(check)}, the check a hash of the list (its path and its query's parameters
 * but {@code $top} and {@code api-version}) and the place: a token that does not decode, was altered, or was issued
 * for another list, another query of it (another {@code $filter}) or by another service is 400 {@code InvalidParameter}
 * naming {@code $skiptoken}. The check is no secret: it refuses mistakes, not a forger, who gains nothing by one (a
 * place in a list the caller may read anyway).
 * <p>
 * The {@code nextLink} is absolute on the host and scheme the client called (behind the front door its
 * {@code Forwarded} or {@code X-Forwarded-Host}/{@code -Proto}, which the HTTP layer applies to the request URI: see
 * {@code quarkus.http.proxy.*} in common's configuration), and keeps the client's path and every query parameter it
 * sent as it sent them (api-version, {@code $filter}, {@code $top}, ...), replacing only {@code $skiptoken}.
 */
public final class Paging {
    /** The query parameter that carries the token. */
    public static final String SKIP_TOKEN = "$skiptoken";
    private static final String OFFSET = "o:";
    private static final String KEY = "k:";

    /**
     * A list's page sizes.
     *
     * @param defaultTop the page size without {@code $top}
     * @param maxTop     the largest {@code $top} accepted
     */
    public record Limits(int defaultTop, int maxTop) {
    }

    private final URI request;
    private final int top;
    private final int offset;
    private final String after;

    private Paging(URI request, int top, int offset, String after) {
        this.request = request;
        this.top = top;
        this.offset = offset;
        this.after = after;
    }

    /** Reads {@code $top} and {@code $skiptoken} of the request {@code uri} (400 naming the one that is wrong). */
    public static Paging of(UriInfo uri, String top, String skipToken, Limits limits) {
        return of(uri.getRequestUri(), top, skipToken, limits);
    }

    static Paging of(URI request, String top, String skipToken, Limits limits) {
        int t = limits.defaultTop();
        if (top != null) {
            try {
                t = Integer.parseInt(top);
            } catch (NumberFormatException e) {
                t = -1;
            }
            if (t < 1 || t > limits.maxTop()) {
                throw ArmException.invalidParameter("$top", "The value '" + top + "' of '$top' is not a whole number "
                        + "from 1 to " + limits.maxTop() + ".");
            }
        }
        if (skipToken == null) {
            return new Paging(request, t, 0, null);
        }
        String place = place(listOf(request), skipToken);
        if (place != null && place.startsWith(KEY) && place.length() > KEY.length()) {
            return new Paging(request, t, 0, place.substring(KEY.length()));
        }
        if (place != null && place.startsWith(OFFSET)) {
            try {
                int offset = Integer.parseInt(place.substring(OFFSET.length()));
                if (offset >= 0) {
                    return new Paging(request, t, offset, null);
                }
            } catch (NumberFormatException e) {
                // refused below
            }
        }
        throw ArmException.invalidParameter(SKIP_TOKEN, "The '$skiptoken' is not one this list issued; follow the "
                + "nextLink of the previous page.");
    }

    /** The page size. */
    public int top() {
        return top;
    }

    /** How many rows to skip (0 with a key token). */
    public int offset() {
        return offset;
    }

    /** The key of the last row served by the previous page, or null (the first page, or an offset token). */
    public String after() {
        return after;
    }

    /** How many rows to fetch: one more than a page, so that a full page knows whether a next one exists. */
    public int fetch() {
        return top + 1;
    }

    /** A page of rows fetched ({@link #fetch()} of them at most) at {@link #offset()}; the next names an offset. */
    public <T> ArmList<T> page(List<T> fetched) {
        return page(fetched, last -> OFFSET + (offset + top));
    }

    /** A page of rows fetched after {@link #after()}; the next link names the key of this page's last row. */
    public <T> ArmList<T> pageByKey(List<T> fetched, Function<T, String> key) {
        return page(fetched, last -> KEY + key.apply(last));
    }

    /**
     * A page of a list held whole in memory and sorted, resumed by key: the next link names this page's last row
     * ({@code key}), and the next page starts after the rows {@code upTo} says lie at or before it, wherever rows
     * were added or removed in between. An offset token (issued before) is still read as an offset.
     *
     * @param upTo for a key, whether a row lies at or before the row it names, in the list's order
     */
    public <T> ArmList<T> sliceByKey(List<T> sorted, Function<T, String> key,
                                     Function<String, java.util.function.Predicate<T>> upTo) {
        List<T> rest = sorted;
        if (after != null) {
            java.util.function.Predicate<T> before = upTo.apply(after);
            int from = 0;
            while (from < sorted.size() && before.test(sorted.get(from))) {
                from++;
            }
            rest = sorted.subList(from, sorted.size());
        } else if (offset > 0) {
            rest = offset >= sorted.size() ? List.of() : sorted.subList(offset, sorted.size());
        }
        return page(rest.size() > top ? rest.subList(0, top + 1) : rest, last -> KEY + key.apply(last));
    }

    /** A page of a list held whole in memory (sorted the same way on every read). */
    public <T> ArmList<T> slice(List<T> all) {
        if (offset >= all.size()) {
            return ArmList.of(List.of());
        }
        int end = (int) Math.min(all.size(), (long) offset + top);
        return new ArmList<>(all.subList(offset, end), end < all.size() ? nextLink(OFFSET + end) : null);
    }

    private <T> ArmList<T> page(List<T> fetched, Function<T, String> place) {
        if (fetched.size() <= top) {
            return ArmList.of(fetched);
        }
        return new ArmList<>(fetched.subList(0, top), nextLink(place.apply(fetched.get(top - 1))));
    }

    /** The request's absolute URI with {@code $skiptoken} (only it) set to a token naming {@code place}. */
    String nextLink(String place) {
        StringBuilder link = new StringBuilder(request.getScheme()).append("://").append(request.getRawAuthority())
                .append(request.getRawPath()).append('?');
        String query = request.getRawQuery();
        if (query != null) {
            for (String parameter : query.split("&")) {
                if (!parameter.isEmpty() && !SKIP_TOKEN.equals(nameOf(parameter))) {
                    link.append(parameter).append('&');
                }
            }
        }
        return link.append("%24skiptoken=").append(token(listOf(request), place)).toString();
    }

    private static String nameOf(String parameter) {
        int eq = parameter.indexOf('=');
        String name = eq < 0 ? parameter : parameter.substring(0, eq);
        try {
            return URLDecoder.decode(name, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return name;
        }
    }

    /** Parameters a token is not bound to: itself, the page size, and the api-version (a client may set its own). */
    private static final java.util.Set<String> UNBOUND = java.util.Set.of(SKIP_TOKEN, "$top", "api-version");

    /**
     * The list a token belongs to: the request's path (ARM paths are case-insensitive) and its other parameters
     * ({@code $filter}, {@code startDate}, ...), by name and decoded value in name order, so that an SDK that re-encodes
     * or reorders them (Python's re-quotes each value of a nextLink) follows its link, and a token of one query read
     * with another is refused: a usageDetails token taken to another date range read on from its place there.
     */
    private static String listOf(URI request) {
        String path = request.getRawPath();
        String list = (path == null ? "" : path).toLowerCase(Locale.ROOT);
        String query = request.getRawQuery();
        if (query == null) {
            return list;
        }
        List<String> bound = new java.util.ArrayList<>();
        for (String parameter : query.split("&")) {
            String name = nameOf(parameter).toLowerCase(Locale.ROOT);
            int eq = parameter.indexOf('=');
            String value = eq < 0 ? "" : decoded(parameter.substring(eq + 1));
            if (!parameter.isEmpty() && !UNBOUND.contains(name) && !value.isEmpty()) {
                bound.add(name + "=" + value);
            }
        }
        java.util.Collections.sort(bound);
        return bound.isEmpty() ? list : list + "?" + String.join("&", bound);
    }

    private static String decoded(String raw) {
        try {
            return URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return raw;
        }
    }

    static String token(String list, String place) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString(place.getBytes(StandardCharsets.UTF_8)) + "." + b64.encodeToString(check(list, place));
    }

    /** The place a token names, or null when it is none of this list's. */
    static String place(String list, String token) {
        int dot = token.indexOf('.');
        if (dot < 0) {
            return null;
        }
        try {
            Base64.Decoder b64 = Base64.getUrlDecoder();
            String place = new String(b64.decode(token.substring(0, dot)), StandardCharsets.UTF_8);
            byte[] check = b64.decode(token.substring(dot + 1));
            return MessageDigest.isEqual(check, check(list, place)) ? place : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static byte[] check(String list, String place) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((list + "\n" + place).getBytes(StandardCharsets.UTF_8));
            return java.util.Arrays.copyOf(hash, 9);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

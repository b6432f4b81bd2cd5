package dev.imagegallery.catalog.api;

import dev.imagegallery.common.arm.ArmException;
import jakarta.ws.rs.core.UriInfo;

import java.util.List;

/**
 * ARM list paging: {@code $top} (page size, default 100, at most 1000) and an opaque {@code $skiptoken}: either an
 * offset, or (for lists with a natural key, such as versions) the key of the last row served, so that a page costs the
 * same however deep it is.
 */
public record Paging(int offset, int limit, String after) {
    private static final String KEY = "k:";

    public static final int DEFAULT_PAGE = 100;
    public static final int MAX_PAGE = 1000;

    public static Paging of(String top, String skipToken) {
        int limit = DEFAULT_PAGE;
        int offset = 0;
        if (top != null) {
            try {
                limit = Integer.parseInt(top);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_PAGE) {
                throw ArmException.invalidParameter("$top", "$top must be an integer between 1 and " + MAX_PAGE + ".");
            }
        }
        String after = null;
        if (skipToken != null) {
            try {
                String token = new String(java.util.Base64.getUrlDecoder().decode(skipToken),
                        java.nio.charset.StandardCharsets.UTF_8);
                if (token.startsWith(KEY)) {
                    after = token.substring(KEY.length());
                } else {
                    offset = Integer.parseInt(token);
                }
            } catch (IllegalArgumentException e) {
                offset = -1;
            }
            if (offset < 0 || (after != null && after.isEmpty())) {
                throw ArmException.invalidParameter("$skiptoken", "The $skiptoken is not valid.");
            }
        }
        return new Paging(offset, limit, after);
    }

    /** Fetches one row more than the page so that a full page knows whether a next one exists. */
    public int fetch() {
        return limit + 1;
    }

    /** A page of rows fetched at {@link #offset()}; the next link names the next offset. */
    public <T> Bodies.ArmList<T> page(List<T> rows, UriInfo uri) {
        return page(rows, uri, last -> String.valueOf(offset + limit));
    }

    /** A page of rows fetched after {@link #after()}; the next link names the key of this page's last row. */
    public <T> Bodies.ArmList<T> pageByKey(List<T> rows, UriInfo uri, java.util.function.Function<T, String> key) {
        return page(rows, uri, last -> KEY + key.apply(last));
    }

    private <T> Bodies.ArmList<T> page(List<T> rows, UriInfo uri, java.util.function.Function<T, String> token) {
        if (rows.size() <= limit) {
            return new Bodies.ArmList<>(rows, null);
        }
        String encoded = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(token.apply(rows.get(limit - 1)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String next = uri.getRequestUriBuilder().replaceQueryParam("$skiptoken", encoded).build().toString();
        return new Bodies.ArmList<>(rows.subList(0, limit), next);
    }
}

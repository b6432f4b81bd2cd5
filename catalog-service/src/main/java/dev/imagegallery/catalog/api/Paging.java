package dev.imagegallery.catalog.api;

import dev.imagegallery.common.arm.ArmException;
import jakarta.ws.rs.core.UriInfo;

import java.util.List;

/** ARM list paging: {@code $top} (page size, default 100, at most 1000) and an opaque {@code $skiptoken}. */
public record Paging(int offset, int limit) {
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
        if (skipToken != null) {
            try {
                offset = Integer.parseInt(new String(java.util.Base64.getUrlDecoder().decode(skipToken)));
            } catch (IllegalArgumentException e) {
                offset = -1;
            }
            if (offset < 0) {
                throw ArmException.invalidParameter("$skiptoken", "The $skiptoken is not valid.");
            }
        }
        return new Paging(offset, limit);
    }

    /** Fetches one row more than the page so that a full page knows whether a next one exists. */
    public int fetch() {
        return limit + 1;
    }

    public <T> Bodies.ArmList<T> page(List<T> rows, UriInfo uri) {
        if (rows.size() <= limit) {
            return new Bodies.ArmList<>(rows, null);
        }
        String token = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(String.valueOf(offset + limit).getBytes());
        String next = uri.getRequestUriBuilder().replaceQueryParam("$skiptoken", token).build().toString();
        return new Bodies.ArmList<>(rows.subList(0, limit), next);
    }
}

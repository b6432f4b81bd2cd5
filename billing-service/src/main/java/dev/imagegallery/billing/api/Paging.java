package dev.imagegallery.billing.api;

import dev.imagegallery.common.arm.ArmException;
import jakarta.ws.rs.core.UriInfo;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * ARM paging of a list: {@code $top} items per page (default {@value #DEFAULT_TOP}, at most {@value #MAX_TOP}), and
 * a {@code nextLink} carrying an opaque {@code $skiptoken} while items remain. Lists are sorted deterministically, so
 * an offset names the same place on every read of unchanged data.
 */
public record Paging(int top, int offset) {
    public static final int DEFAULT_TOP = 1000;
    public static final int MAX_TOP = 5000;

    public static Paging of(String top, String skipToken) {
        int t = DEFAULT_TOP;
        if (top != null && !top.isBlank()) {
            try {
                t = Integer.parseInt(top.trim());
            } catch (NumberFormatException e) {
                t = -1;
            }
            if (t < 1 || t > MAX_TOP) {
                throw ArmException.invalidParameter("$top", "The value '" + top + "' of '$top' is not a whole number "
                        + "from 1 to " + MAX_TOP + ".");
            }
        }
        int offset = 0;
        if (skipToken != null && !skipToken.isBlank()) {
            try {
                String decoded = new String(Base64.getUrlDecoder().decode(skipToken.trim()), StandardCharsets.UTF_8);
                if (!decoded.startsWith("o:")) {
                    throw new IllegalArgumentException();
                }
                offset = Integer.parseInt(decoded.substring(2));
                if (offset < 0) {
                    throw new IllegalArgumentException();
                }
            } catch (IllegalArgumentException e) {
                throw ArmException.invalidParameter("$skiptoken", "The '$skiptoken' is not one this service issued; "
                        + "follow the nextLink of the previous page.");
            }
        }
        return new Paging(t, offset);
    }

    public <T> List<T> page(List<T> all) {
        if (offset >= all.size()) {
            return List.of();
        }
        return all.subList(offset, Math.min(all.size(), offset + top));
    }

    /** The link to the page after this one, or null on the last page. */
    public String nextLink(UriInfo uri, int total) {
        int next = offset + top;
        if (next >= total) {
            return null;
        }
        String token = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("o:" + next).getBytes(StandardCharsets.UTF_8));
        return uri.getRequestUriBuilder().replaceQueryParam("$skiptoken", token).build().toString();
    }
}

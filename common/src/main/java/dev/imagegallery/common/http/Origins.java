package dev.imagegallery.common.http;

import io.vertx.core.http.HttpServerRequest;

import java.util.Locale;

/**
 * The origin ({@code scheme://host[:port]}) a client called, where a proxy in front (the front door, an Ingress)
 * forwarded the request: URLs a service hands out (a blob's URI, a download URL) then name the host the client knows,
 * as {@code nextLink} does, rather than the service's own address, which the client may not reach. The HTTP layer has
 * already applied {@code Forwarded} / {@code X-Forwarded-Host} and {@code -Proto} to the request
 * ({@code quarkus.http.proxy.*} in common's configuration; {@code trusted-proxies} limits who may set them).
 */
public final class Origins {
    private Origins() {
    }

    /** The origin the client called through a proxy, lower case, or null for a request that came straight here. */
    public static String forwarded(HttpServerRequest request) {
        if (request == null || (request.getHeader("X-Forwarded-Host") == null
                && request.getHeader("Forwarded") == null)) {
            return null;
        }
        var authority = request.authority();
        if (authority == null || request.scheme() == null) {
            return null;
        }
        return (request.scheme() + "://" + authority).toLowerCase(Locale.ROOT);
    }

    /** {@code fallback} (a service's configured public address) unless the request came through a proxy. */
    public static String calledOr(HttpServerRequest request, String fallback) {
        String origin = forwarded(request);
        return origin != null ? origin : fallback.replaceAll("/+$", "");
    }
}

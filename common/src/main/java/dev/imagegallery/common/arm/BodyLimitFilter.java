package dev.imagegallery.common.arm;

import dev.imagegallery.common.http.HttpGuardConfig;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.Optional;

/**
 * ARM request bodies are small: a body declared larger than {@code gallery.http.max-json-body} (1 MiB) is refused
 * with 413 and an ARM error body before it is read. The data plane ({@code /blobs}) streams disk images and is exempt;
 * {@code quarkus.http.limits.max-body-size} stays the hard limit for bodies sent without a length.
 */
public class BodyLimitFilter {
    private final long maxBytes;

    public BodyLimitFilter(HttpGuardConfig config) {
        this.maxBytes = config.maxJsonBody();
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> check(ContainerRequestContext ctx) {
        if (ctx.getUriInfo().getPath().startsWith("/blobs")) {
            return Optional.empty();
        }
        ArmExceptionMappers.Failure f = check(ctx.getHeaderString(HttpHeaders.CONTENT_LENGTH), maxBytes);
        return f == null ? Optional.empty() : Optional.of(ArmExceptionMappers.response(f));
    }

    /** What is wrong with a declared {@code Content-Length} (null when none was sent), or null when nothing is. */
    public static ArmExceptionMappers.Failure check(String length, long maxBytes) {
        if (length == null) {
            return null;
        }
        long n;
        try {
            n = Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return ArmExceptionMappers.failure(400, "InvalidHeaderValue",
                    "The Content-Length header is not a number.", "Content-Length");
        }
        if (n > maxBytes) {
            return ArmExceptionMappers.failure(413, "RequestEntityTooLarge", "The request body is "
                    + n + " bytes; at most " + maxBytes + " are accepted.", null);
        }
        return null;
    }
}

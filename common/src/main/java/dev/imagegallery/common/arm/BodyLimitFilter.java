package dev.imagegallery.common.arm;

/**
 * ARM request bodies are small: a body declared larger than {@code gallery.http.max-json-body} (1 MiB) is refused
 * with 413 and an ARM error body before it is read (by common's {@code RequestGuard}, ahead of every route, and by
 * catalog's early resolve route). The data plane ({@code /blobs}) streams disk images and is exempt;
 * {@code quarkus.http.limits.max-body-size} stays the hard limit for bodies sent without a length.
 */
public final class BodyLimitFilter {
    private BodyLimitFilter() {
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

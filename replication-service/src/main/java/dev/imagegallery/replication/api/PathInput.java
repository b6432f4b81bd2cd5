package dev.imagegallery.replication.api;

import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.replication.service.BlobService;

import java.util.regex.Pattern;

/**
 * What the data plane's paths must look like beyond what RESTEasy matches. A matrix parameter ({@code ;x} in a
 * segment) is refused with 400 naming the segment: JAX-RS would drop it silently, so blob {@code rel-x;y} used to
 * overwrite {@code rel-x}. Blob names never hold {@code ;} anyway (see BlobService.validName), so there is nothing to
 * keep. The names of a version's path follow catalog-service's rules, so a download names exactly what the catalog
 * stored.
 */
final class PathInput {
    /** Gallery and image definition names (as catalog-service's {@code Validation}). */
    static final Pattern RESOURCE_NAME = Pattern.compile("^[^_\\W][\\w\\-._]{0,79}(?<![-.])$");
    static final Pattern RESOURCE_GROUP = Pattern.compile("^[-\\w._()]{1,90}(?<!\\.)$");
    static final Pattern VERSION = Pattern.compile("^\\d{1,10}\\.\\d{1,10}\\.\\d{1,10}$");

    private PathInput() {
    }

    /**
     * Refuses a raw (undecoded) request path with a matrix parameter in any segment. {@code segments} names the
     * route's segments in order: a literal as itself, a template parameter as {@code {name}}.
     */
    static void refuseMatrixParameters(String rawPath, String... segments) {
        if (rawPath == null || rawPath.indexOf(';') < 0) {
            return;
        }
        String[] parts = rawPath.split("/", -1);
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].indexOf(';') >= 0) {
                String segment = i - 1 < segments.length ? segments[i - 1] : "path";
                String field = segment.startsWith("{") ? segment.substring(1, segment.length() - 1) : segment;
                String message = "The path segment '" + field + "' carries a matrix parameter (';'): it is refused "
                        + "rather than dropped.";
                throw switch (field) {
                    case "name" -> ArmException.invalid("InvalidBlobName", message, field);
                    case "region" -> ArmException.invalid("InvalidRegion", message, field);
                    case "subscriptionId" -> ArmException.invalid("InvalidSubscriptionId", message, field);
                    default -> ArmException.invalidParameter(field, message);
                };
            }
        }
    }

    static String require(Pattern rule, String value, String field, String what) {
        if (value == null || !rule.matcher(value).matches()) {
            throw ArmException.invalidParameter(field, "The " + what + " '" + BlobService.printable(value)
                    + "' is invalid.");
        }
        return value;
    }
}

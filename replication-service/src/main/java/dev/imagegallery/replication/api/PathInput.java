package dev.imagegallery.replication.api;

import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.replication.service.BlobService;

import java.util.regex.Pattern;

/**
 * What the names in a download's path must look like beyond what RESTEasy matches: catalog-service's rules, so a
 * download names exactly what the catalog stored. (A literal {@code ;} in any path, which JAX-RS would take as matrix
 * parameters and drop, is refused before routing by common's RequestGuard.)
 */
final class PathInput {
    /** Gallery and image definition names (as catalog-service's {@code Validation}). */
    static final Pattern RESOURCE_NAME = dev.imagegallery.common.arm.ArmNames.RESOURCE_NAME;
    static final Pattern RESOURCE_GROUP = dev.imagegallery.common.arm.ArmNames.RESOURCE_GROUP;
    static final Pattern VERSION = Pattern.compile("^\\d{1,10}\\.\\d{1,10}\\.\\d{1,10}$");

    private PathInput() {
    }

    static String require(Pattern rule, String value, String field, String what) {
        if (value == null || !rule.matcher(value).matches()) {
            throw ArmException.invalidParameter(field, "The " + what + " '" + BlobService.printable(value)
                    + "' is invalid.");
        }
        return value;
    }
}

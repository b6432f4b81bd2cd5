package dev.imagegallery.catalog.domain;

import dev.imagegallery.common.arm.ArmException;

import java.util.List;

/**
 * An image definition's recommended VM sizes (vCPUs 1 to 640, memory 1 to 12,000 GB, min ≤ max), and the warnings a
 * VM size outside them earns on resolution. Stored as JSON in this shape.
 */
public record Recommended(Range vCPUs, Range memory) {
    public record Range(Integer min, Integer max) {
    }

    /** Refuses a range out of bounds or upside down, naming the field under {@code properties.recommended}. */
    public void check() {
        check(vCPUs, "properties.recommended.vCPUs", 1, 640);
        check(memory, "properties.recommended.memory", 1, 12_000);
    }

    private static void check(Range range, String target, int lo, int hi) {
        if (range == null) {
            return;
        }
        if (range.min() != null && (range.min() < lo || range.min() > hi)) {
            throw ArmException.invalidParameter(target + ".min", "The minimum must be between " + lo + " and " + hi
                    + ".");
        }
        if (range.max() != null && (range.max() < lo || range.max() > hi)) {
            throw ArmException.invalidParameter(target + ".max", "The maximum must be between " + lo + " and " + hi
                    + ".");
        }
        if (range.min() != null && range.max() != null && range.min() > range.max()) {
            throw ArmException.invalidParameter(target, "The minimum is above the maximum.");
        }
    }

    /** Adds a warning for each dimension of {@code size} below or above these recommendations. */
    public void warn(ResolveQuery.VmSize size, List<String> warnings) {
        if (size == null) {
            return;
        }
        outside(warnings, "vCPUs", size.vCPUs() == null ? null : size.vCPUs().doubleValue(), vCPUs);
        outside(warnings, "memory (GB)", size.memoryGB(), memory);
    }

    private static void outside(List<String> warnings, String what, Double value, Range range) {
        if (value == null || range == null) {
            return;
        }
        if (range.min() != null && value < range.min()) {
            warnings.add("The VM size's " + what + " (" + fmt(value) + ") is below the recommended minimum of "
                    + range.min() + ".");
        }
        if (range.max() != null && value > range.max()) {
            warnings.add("The VM size's " + what + " (" + fmt(value) + ") is above the recommended maximum of "
                    + range.max() + ".");
        }
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    /** A VM size a caller may ask about: 1 to 1,024 vCPUs, more than 0 and at most 65,536 GB of memory. */
    public static void checkSize(ResolveQuery.VmSize size) {
        if (size == null) {
            return;
        }
        if (size.vCPUs() != null && (size.vCPUs() < 1 || size.vCPUs() > 1024)) {
            throw ArmException.invalidParameter("vmSize.vCPUs", "vmSize.vCPUs must be between 1 and 1024.");
        }
        if (size.memoryGB() != null && (size.memoryGB() <= 0 || size.memoryGB() > 65536 || size.memoryGB().isNaN())) {
            throw ArmException.invalidParameter("vmSize.memoryGB", "vmSize.memoryGB must be above 0 and at most "
                    + "65536.");
        }
    }
}

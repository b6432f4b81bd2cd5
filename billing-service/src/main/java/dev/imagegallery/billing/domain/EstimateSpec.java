package dev.imagegallery.billing.domain;

import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.events.Regions;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a caller asks to have priced before publishing a version: what the request carried, null where absent.
 *
 * @param date the price sheet's day (yyyy-MM-dd), today when null
 */
public record EstimateSpec(Long sizeBytes, Long usedBytes, String sourceRegion, List<Target> targetRegions,
                           String date) {
    public record Target(String name, Integer regionalReplicaCount, String storageAccountType) {
    }

    /** The request, validated: the bytes, the source, the targets with their defaults, the day (null: today). */
    public record Checked(long sizeBytes, long usedBytes, String sourceRegion, List<CostEstimate.Target> targets,
                          LocalDate day) {
    }

    /**
     * The rules of an estimate: sizeBytes required, usedBytes (default sizeBytes) no more than it, both from 0 to
     * {@code maxBytes}; known regions; at least one target region, none twice, 1 to {@code maxReplicaCount} replicas
     * (default 1), a known storage type (default Standard_LRS). Each failure names its field.
     */
    public static Checked check(EstimateSpec r, long maxBytes, int maxReplicaCount) {
        if (r == null) {
            throw ArmException.invalid("InvalidRequestContent", "The request needs a body.", null);
        }
        long size = bytes(r.sizeBytes(), "sizeBytes", true, maxBytes);
        long used = r.usedBytes() == null ? size : bytes(r.usedBytes(), "usedBytes", false, maxBytes);
        if (used > size) {
            throw ArmException.invalid("InvalidEstimate", "usedBytes (" + used + ") cannot exceed sizeBytes (" + size
                    + ").", "usedBytes");
        }
        String source = region(r.sourceRegion(), "sourceRegion");
        if (r.targetRegions() == null || r.targetRegions().isEmpty()) {
            throw ArmException.invalid("InvalidEstimate", "At least one target region is required.",
                    "targetRegions");
        }
        List<CostEstimate.Target> targets = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < r.targetRegions().size(); i++) {
            Target t = r.targetRegions().get(i);
            String at = "targetRegions[" + i + "]";
            if (t == null) {
                throw ArmException.invalid("InvalidEstimate", "A target region is empty.", at);
            }
            String name = region(t.name(), at + ".name");
            if (!seen.add(name)) {
                throw ArmException.invalid("InvalidEstimate", "The region " + name + " is listed twice.", at + ".name");
            }
            int replicas = t.regionalReplicaCount() == null ? 1 : t.regionalReplicaCount();
            if (replicas < 1 || replicas > maxReplicaCount) {
                throw ArmException.invalid("InvalidEstimate", "regionalReplicaCount must be from 1 to "
                        + maxReplicaCount + ".", at + ".regionalReplicaCount");
            }
            String type = t.storageAccountType() == null ? PriceSheet.STANDARD_LRS
                    : PriceSheet.storageType(t.storageAccountType()).orElseThrow(() -> ArmException.invalid(
                    "InvalidEstimate", "The storage account type '" + t.storageAccountType() + "' is not one of "
                            + PriceSheet.STORAGE_TYPES + ".", at + ".storageAccountType"));
            targets.add(new CostEstimate.Target(name, replicas, type));
        }
        var day = r.date() == null ? null : Dates.day(r.date(), "date");
        return new Checked(size, used, source, targets, day);
    }

    private static long bytes(Long value, String field, boolean required, long maxBytes) {
        if (value == null) {
            if (required) {
                throw ArmException.invalid("InvalidEstimate", field + " is required.", field);
            }
            return 0;
        }
        if (value < 0 || value > maxBytes) {
            throw ArmException.invalid("InvalidEstimate", field + " must be from 0 to " + maxBytes
                    + " (1 PiB), not " + value + ".", field);
        }
        return value;
    }

    private static String region(String name, String target) {
        if (name == null) {
            throw ArmException.invalid("InvalidEstimate", target + " is required.", target);
        }
        String r = Regions.normalise(name);
        if (r == null) {
            throw ArmException.invalid("InvalidEstimate", "The region '" + name + "' is not one of "
                    + Regions.names() + ".", target);
        }
        return r;
    }
}

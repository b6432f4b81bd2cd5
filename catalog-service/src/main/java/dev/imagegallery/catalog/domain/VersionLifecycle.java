package dev.imagegallery.catalog.domain;

import dev.imagegallery.common.arm.ArmException;

import java.time.Instant;
import java.util.Set;

/**
 * Beyond Azure (as GCE's deprecation status and AWS's deprecate/disable do it): a version is Active, Deprecated (still
 * usable, never latest, a warning on resolution) or Disabled (cannot be resolved or downloaded; reversible), with an
 * optional replacement version; and the safety profile's hold on deletion before the end of life.
 */
public final class VersionLifecycle {
    public static final String ACTIVE = "Active";
    public static final String DEPRECATED = "Deprecated";
    public static final String DISABLED = "Disabled";
    public static final Set<String> STATES = Set.of(ACTIVE, DEPRECATED, DISABLED);
    static final String STATE = "properties.lifecycleProfile.state";
    static final String REPLACEMENT = "properties.lifecycleProfile.replacementVersion";

    private VersionLifecycle() {
    }

    /** The requested state (Azure's spelling whatever the case), or {@code current} when none is requested. */
    public static String state(String requested, String current) {
        return requested == null ? current : Validation.oneOf(STATES, requested, null, STATE);
    }

    /** A replacement version is a valid version name other than the version's own. */
    public static void checkReplacement(String replacement, String versionName) {
        if (replacement == null) {
            return;
        }
        Validation.version(replacement);
        if (replacement.equals(versionName)) {
            throw ArmException.invalidParameter(REPLACEMENT, "A version cannot replace itself.");
        }
    }

    public static ArmException replacementMissing(String replacement) {
        return ArmException.invalidParameter(REPLACEMENT, "The replacement version '" + replacement + "' does not "
                + "exist in this image definition.");
    }

    /** {@code safetyProfile.blockDeletionBeforeEndOfLife}: no deletion before the end-of-life date (nor without one). */
    public static void checkDeletion(String name, String id, boolean blockBeforeEndOfLife, Instant endOfLife,
                                     Instant now) {
        if (blockBeforeEndOfLife && (endOfLife == null || endOfLife.isAfter(now))) {
            throw ArmException.conflict("DeletionBlockedBeforeEndOfLife", "The version '" + name + "' cannot be "
                    + "deleted before its end-of-life date" + (endOfLife == null ? " (none is set)"
                    : " " + endOfLife) + ": properties.safetyProfile.blockDeletionBeforeEndOfLife is true.", id);
        }
    }
}

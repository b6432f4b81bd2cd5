package dev.imagegallery.catalog.domain;

import dev.imagegallery.common.arm.ArmException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
    /** A Disabled version cannot be resolved (409 GalleryImageVersionDisabled, naming its replacement if any). */
    public static void checkResolvable(String name, String state, String replacement) {
        if (DISABLED.equals(state)) {
            throw ArmException.conflict("GalleryImageVersionDisabled", "The version '" + name + "' is disabled"
                    + (replacement == null ? "." : "; use '" + replacement + "'."), "imageReference.id");
        }
    }

    /**
     * What a caller resolving a version should be told: that it is deprecated (and what replaces it), that the
     * version or its definition is past its end of life.
     */
    public static List<String> warnings(String version, String state, String replacement, Instant versionEndOfLife,
                                        String definition, Instant definitionEndOfLife, Instant now) {
        List<String> warnings = new ArrayList<>();
        if (DEPRECATED.equals(state)) {
            warnings.add("Version " + version + " is deprecated" + (replacement == null ? "."
                    : "; use " + replacement + " instead."));
        }
        if (versionEndOfLife != null && versionEndOfLife.isBefore(now)) {
            warnings.add("Version " + version + " is past its end-of-life date " + versionEndOfLife + ".");
        }
        if (definitionEndOfLife != null && definitionEndOfLife.isBefore(now)) {
            warnings.add("Image definition " + definition + " is past its end-of-life date " + definitionEndOfLife
                    + ".");
        }
        return warnings;
    }
}

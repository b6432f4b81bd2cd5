package dev.imagegallery.catalog.api;

import dev.imagegallery.common.arm.ArmException;

import java.util.Locale;

/**
 * A version GET's or list's {@code $expand}: a comma-separated list of ReplicationStatus, ValidationProfile and
 * UefiSettings (accepted: this system keeps no UEFI settings, so it adds nothing), in any case and order, as Azure
 * takes {@code ValidationProfile,ReplicationStatus}. Anything else is 400 naming {@code $expand}.
 */
record VersionExpand(boolean replicationStatus, boolean validationProfile) {
    static final VersionExpand NONE = new VersionExpand(false, false);

    static VersionExpand of(String expand) {
        if (expand == null || expand.isBlank()) {
            return NONE;
        }
        boolean status = false;
        boolean validation = false;
        for (String part : expand.split(",", -1)) {
            switch (part.trim().toLowerCase(Locale.ROOT)) {
                case "replicationstatus" -> status = true;
                case "validationprofile" -> validation = true;
                case "uefisettings" -> {
                }
                default -> throw ArmException.invalidParameter("$expand", "The value of '$expand' must be a "
                        + "comma-separated list of ReplicationStatus, ValidationProfile and UefiSettings.");
            }
        }
        return new VersionExpand(status, validation);
    }
}

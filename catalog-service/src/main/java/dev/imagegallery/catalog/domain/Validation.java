package dev.imagegallery.catalog.domain;

import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.events.Regions;

import java.util.Set;
import java.util.regex.Pattern;

/** Azure's rules for names, enums and regions, each failure naming its field. */
public final class Validation {
    /** Gallery names: Azure's rule (letters, digits, underscores, periods; no leading _ or trailing . -). */
    /** Azure's name rule for galleries, definitions and managed images: {@code ^[^_\W][\w-._]{0,79}(?<![-.])$}. */
    static final Pattern RESOURCE_NAME = dev.imagegallery.common.arm.ArmNames.RESOURCE_NAME;
    static final Pattern GALLERY_NAME = RESOURCE_NAME;
    static final Pattern RESOURCE_GROUP = dev.imagegallery.common.arm.ArmNames.RESOURCE_GROUP;
    /**
     * Major.Minor.Patch written canonically: no leading zeros, so that one name stands for one version ({@code 01.0.0}
     * and {@code 1.00.0} beside {@code 1.0.0} used to be three versions with one key, and broke paging).
     */
    static final Pattern VERSION = Pattern.compile("^(0|[1-9]\\d{0,9})\\.(0|[1-9]\\d{0,9})\\.(0|[1-9]\\d{0,9})$");

    public static final Set<String> OS_TYPES = Set.of("Windows", "Linux");
    public static final Set<String> OS_STATES = Set.of("Generalized", "Specialized");
    public static final Set<String> HYPER_V = Set.of("V1", "V2");
    public static final Set<String> ARCHITECTURES = Set.of("x64", "Arm64");
    public static final Set<String> HOST_CACHING = Set.of("None", "ReadOnly", "ReadWrite");
    public static final Set<String> STORAGE_TYPES = Set.of("Standard_LRS", "Standard_ZRS", "Premium_LRS");

    private Validation() {
    }

    public static void galleryName(String name) {
        if (name == null || !GALLERY_NAME.matcher(name).matches()) {
            throw ArmException.invalid("InvalidGalleryName", "The gallery name '" + name + "' is invalid: use 1 to 80 "
                    + "letters, digits, hyphens, underscores and periods, starting with a letter or digit and not "
                    + "ending with a hyphen or period.", "name");
        }
    }

    public static void resourceName(String kind, String name) {
        if (name == null || !RESOURCE_NAME.matcher(name).matches()) {
            throw ArmException.invalid("InvalidResourceName", "The " + kind + " name '" + name + "' is invalid: use "
                    + "1 to 80 letters, digits, hyphens, underscores and periods, starting with a letter or digit and "
                    + "not ending with a hyphen or period.", "name");
        }
    }

    public static void resourceGroup(String rg) {
        dev.imagegallery.common.arm.ArmNames.resourceGroup(rg);
    }

    public static void subscriptionId(String sub) {
        try {
            java.util.UUID.fromString(sub);
            if (sub.length() != 36) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw ArmException.invalid("InvalidSubscriptionId", "The subscription id '" + sub + "' is not a GUID.",
                    "subscriptionId");
        }
    }

    /** Parses Major.Minor.Patch, each a non-negative 32-bit integer. */
    public static long[] version(String name) {
        var m = name == null ? null : VERSION.matcher(name);
        if (m == null || !m.matches()) {
            throw ArmException.invalid("InvalidGalleryImageVersionName", "The version name '" + name
                    + "' is invalid: use Major.Minor.Patch with non-negative 32-bit integers written without leading "
                    + "zeros.", "name");
        }
        long[] parts = new long[3];
        for (int i = 0; i < 3; i++) {
            parts[i] = Long.parseLong(m.group(i + 1));
            if (parts[i] > Integer.MAX_VALUE) {
                throw ArmException.invalid("InvalidGalleryImageVersionName", "The version name '" + name
                        + "' is invalid: each part must be at most " + Integer.MAX_VALUE + ".", "name");
            }
        }
        return parts;
    }

    public static String region(String value, String target) {
        if (value == null || value.isBlank()) {
            throw ArmException.invalid("LocationRequired", "The location is required.", target);
        }
        String r = Regions.normalise(value);
        if (r == null) {
            throw ArmException.invalid("LocationNotAvailableForResourceType", "The location '" + value
                    + "' is not available; known regions are " + Regions.names() + ".", target);
        }
        return r;
    }

    public static String oneOf(Set<String> allowed, String value, String defaultValue, String target) {
        if (value == null) {
            if (defaultValue != null) {
                return defaultValue;
            }
            throw ArmException.invalidParameter(target, "The value of '" + target + "' is required; one of "
                    + allowed + ".");
        }
        for (String a : allowed) {
            if (a.equalsIgnoreCase(value)) {
                return a;
            }
        }
        throw ArmException.invalidParameter(target, "The value '" + value + "' of '" + target
                + "' is not one of " + allowed + ".");
    }

    public static String required(String value, int maxLength, String target) {
        if (value == null || value.isBlank()) {
            throw ArmException.invalidParameter(target, "The value of '" + target + "' is required.");
        }
        if (value.length() > maxLength) {
            throw ArmException.invalidParameter(target, "The value of '" + target + "' is longer than "
                    + maxLength + " characters.");
        }
        return value;
    }
    private static final java.util.regex.Pattern IDENTIFIER_PART = java.util.regex.Pattern.compile(
            "[A-Za-z0-9._-]*[A-Za-z0-9_-]");

    /**
     * A definition's publisher, offer or sku as Azure takes them: letters, digits, hyphens, periods and underscores,
     * not ending with a period, at most {@code maxLength}. Anything was taken ({@code a/b}, {@code pé}, a trailing
     * space), and a {@code /} in a publisher sat in paths, public events and invoice lines (a hostile probe).
     */
    public static String identifierPart(String value, int maxLength, String target) {
        required(value, maxLength, target);
        if (!IDENTIFIER_PART.matcher(value).matches()) {
            throw ArmException.invalidParameter(target, "The value of '" + target + "' may hold only letters, digits, "
                    + "hyphens, periods and underscores, and may not end with a period.");
        }
        return value;
    }

    public static String length(String value, int max, String target) {
        if (value != null && value.length() > max) {
            throw ArmException.invalidParameter(target, "The value of '" + target + "' is longer than " + max
                    + " characters.");
        }
        return value;
    }

    /** An http(s) URI of at most 2,048 characters, or null. */
    public static String uri(String value, String target) {
        if (value == null) {
            return null;
        }
        // the rule access-service applies when the gallery is published (common's HttpUrl): it refused what this took
        dev.imagegallery.common.http.HttpUrl.check(value, target, true);
        return value;
    }

    /** 409 PropertyChangeNotAllowed when a property fixed at creation is asked to change (case aside). */
    public static void immutable(String target, String was, String now) {
        if (!was.equalsIgnoreCase(now)) {
            throw ArmException.conflict("PropertyChangeNotAllowed", "Changing property '" + target
                    + "' is not allowed.", target);
        }
    }

    /**
     * A resource's location is fixed when it is created (a gallery's, a definition's, a version's): 409
     * {@code PropertyChangeNotAllowed} naming {@code location} for a PUT or PATCH that names another ({@code now} null:
     * a PATCH that names none).
     */
    public static void sameLocation(String was, String now) {
        if (now != null && !was.equals(region(now, "location"))) {
            throw ArmException.conflict("PropertyChangeNotAllowed", "Changing property 'location' is not allowed.",
                    "location");
        }
    }

    /** An end-of-life date must lie in the future. */
    public static void future(java.time.Instant date, java.time.Instant now, String target) {
        if (date != null && !date.isAfter(now)) {
            throw ArmException.invalidParameter(target, "The end-of-life date must be in the future.");
        }
    }
}

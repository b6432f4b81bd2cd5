package dev.imagegallery.common.arm;

import java.util.regex.Pattern;

/**
 * ARM's naming rules that more than one service checks, in one place (each service had its own copy, and one of them
 * would have drifted).
 */
public final class ArmNames {
    /**
     * A resource group: 1 to 90 letters, digits, '-', '_', '.', '(' and ')', not ending in '.'. ASCII letters and
     * digits only: ARM takes those of any script ({@code rg-café}), but the links this system answers (a version's
     * {@code downloadUrl}, among others) carry a group's name unescaped, and the door refuses a raw non-ASCII byte in a
     * request, so such a group is refused here rather than made and then unreachable through its own links.
     */
    public static final Pattern RESOURCE_GROUP = Pattern.compile("^[-\\w._()]{1,90}(?<!\\.)$");

    /** A gallery's or an image definition's name: 1 to 80 letters, digits, '-', '_', '.', starting with a letter or digit. */
    public static final Pattern RESOURCE_NAME = Pattern.compile("^[^_\\W][\\w\\-._]{0,79}(?<![-.])$");

    private ArmNames() {
    }

    /** The group, or 400 {@code InvalidResourceGroup} (ARM's code) naming {@code resourceGroupName}. */
    public static String resourceGroup(String rg) {
        if (rg == null || !RESOURCE_GROUP.matcher(rg).matches()) {
            String shown = rg == null ? "" : rg.length() > 100 ? rg.substring(0, 100) + "..." : rg;
            throw ArmException.invalid("InvalidResourceGroup", "The provided resource group name '" + shown
                    + "' is invalid: 1 to 90 letters, digits, '-', '_', '.', '(' and ')', not ending in '.'.",
                    "resourceGroupName");
        }
        return rg;
    }
}

package dev.imagegallery.access.domain;

import dev.imagegallery.common.arm.ArmException;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The scopes a role can be assigned at: subscription, resource group, gallery, image definition, image version, each
 * name under Azure's rule for its kind (as catalog-service checks them), so that no scope names what cannot exist
 * ({@code ..}, a name of 10,000 characters).
 */
public final class ScopePath {
    private static final String RESOURCE_GROUP = "[-\\w._()]{1,90}(?<!\\.)";
    private static final String NAME = "[^_\\W][\\w\\-._]{0,79}(?<![-.])";
    private static final String VERSION = "\\d{1,10}\\.\\d{1,10}\\.\\d{1,10}";
    private static final Pattern SCOPE = Pattern.compile("(?i)^/subscriptions/([^/]{1,64})"
            + "(/resourceGroups/" + RESOURCE_GROUP + "(/providers/Microsoft\\.Compute/galleries/" + NAME
            + "(/images/" + NAME + "(/versions/" + VERSION + ")?)?)?)?$");

    private ScopePath() {
    }

    /** Validates a scope and answers its subscription id (lower-case). */
    public static String subscriptionOf(String scope) {
        var m = scope == null || scope.length() > 512 ? null : SCOPE.matcher(scope);
        if (m == null || !m.matches()) {
            throw ArmException.invalid("InvalidScope", "The scope '" + Inputs.shown(scope) + "' is not valid: use a "
                    + "subscription, resource group, gallery, image definition or image version id.", "scope");
        }
        if (!Inputs.isGuid(m.group(1))) {
            throw ArmException.invalid("InvalidSubscriptionId", "The subscription id '" + Inputs.shown(m.group(1))
                    + "' is not a GUID.", "scope");
        }
        return m.group(1).toLowerCase(Locale.ROOT);
    }
}

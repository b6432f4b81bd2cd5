package dev.imagegallery.access.domain;

import dev.imagegallery.common.arm.ArmException;

import java.util.UUID;
import java.util.regex.Pattern;

/** The scopes a role can be assigned at: subscription, resource group, gallery, image definition, image version. */
public final class ScopePath {
    private static final String NAME = "[^/]{1,90}";
    private static final Pattern SCOPE = Pattern.compile("(?i)^/subscriptions/([0-9a-f-]{36})"
            + "(/resourceGroups/" + NAME + "(/providers/Microsoft\\.Compute/galleries/" + NAME
            + "(/images/" + NAME + "(/versions/" + NAME + ")?)?)?)?$");

    private ScopePath() {
    }

    /** Validates a scope and answers its subscription id (lower-case). */
    public static String subscriptionOf(String scope) {
        var m = SCOPE.matcher(scope);
        if (!m.matches()) {
            throw ArmException.invalid("InvalidScope", "The scope '" + scope + "' is not valid: use a subscription, "
                    + "resource group, gallery, image definition or image version id.", "scope");
        }
        try {
            UUID.fromString(m.group(1));
        } catch (IllegalArgumentException e) {
            throw ArmException.invalid("InvalidSubscriptionId", "The subscription id '" + m.group(1)
                    + "' is not a GUID.", "scope");
        }
        return m.group(1).toLowerCase();
    }
}

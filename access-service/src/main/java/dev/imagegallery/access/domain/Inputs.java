package dev.imagegallery.access.domain;

import dev.imagegallery.common.arm.ArmException;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The shape of every value access-service accepts from a client, each refusal a 400 naming its field. Nothing
 * unbounded or malformed reaches a rule, a query or a database (StrictJson in common has already refused control
 * characters and strings over 64 KiB in JSON bodies; these are the tighter bounds of each field).
 */
public final class Inputs {
    /** A GUID written canonically (8-4-4-4-12 hex digits); {@code UUID.fromString} alone also takes {@code 1-1-1-1-1}. */
    static final Pattern GUID = Pattern.compile("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}"
            + "-[0-9a-fA-F]{12}$");
    /**
     * A principal id that is not a GUID: the subject or group of an IdP whose ids are not object ids (Keycloak group
     * paths such as {@code /platform-team}, {@code auth0|123}, an e-mail address), at most 128 characters.
     */
    static final Pattern PRINCIPAL_NAME = Pattern.compile("^[A-Za-z0-9/][A-Za-z0-9._@|:/+=-]{0,127}$");
    public static final Pattern TENANT_ID = Pattern.compile("^[a-z0-9][a-z0-9-]{1,62}$");
    /** Realms that are no tenant's: Keycloak's administration realm and the services' bus identities. */
    public static final java.util.Set<String> RESERVED_TENANT_IDS = java.util.Set.of("master", "platform");
    public static final int DISPLAY_NAME_MAX = 64;
    public static final int TENANT_DISPLAY_NAME_MAX = 256;
    public static final int EULA_MAX = 4096;
    /** A role assignment's description (Azure documents no bound; ours, so that nothing unbounded is stored). */
    public static final int DESCRIPTION_MAX = 2048;

    private Inputs() {
    }

    public static boolean isGuid(String s) {
        return s != null && GUID.matcher(s).matches();
    }

    /** A GUID, lower-cased; otherwise 400 {@code code} naming {@code target}. */
    public static String guid(String value, String code, String target, String what) {
        if (!isGuid(value)) {
            throw ArmException.invalid(code, "The " + what + " '" + shown(value) + "' is not a valid GUID.", target);
        }
        return value.toLowerCase(Locale.ROOT);
    }

    /**
     * A principal id: a GUID (Entra object ids, Keycloak user ids), as Azure requires, or a bounded opaque name of
     * 1 to 128 letters, digits and {@code . _ @ | : / + = -} (not starting with one of {@code . _ @ | : + = -}) for
     * IdPs whose subjects and groups are not GUIDs. A GUID
     * is answered lower-case (object ids are case-insensitive; tokens carry them lower-case).
     */
    public static String principalId(String value, String target) {
        if (value == null || value.isBlank()) {
            throw ArmException.invalid("InvalidPrincipalId", target + " is required.", target);
        }
        if (!isGuid(value) && !PRINCIPAL_NAME.matcher(value).matches()) {
            throw ArmException.invalid("InvalidPrincipalId", "The principal id '" + shown(value) + "' is not valid: "
                    + "use the principal's object id (a GUID) or a name of at most 128 letters, digits and . _ @ | : / "
                    + "+ = -.", target);
        }
        return isGuid(value) ? value.toLowerCase(Locale.ROOT) : value;
    }

    /** A display name: 1 to {@code max} characters, not blank. */
    public static String displayName(String value, int max, String target) {
        if (value == null || value.isBlank() || value.length() > max) {
            throw ArmException.invalidParameter(target, "A display name of 1 to " + max + " characters is required.");
        }
        return value;
    }

    /** An optional description: at most {@code max} characters (empty is none). */
    public static String optionalDescription(String value, int max, String target) {
        if (value != null && value.length() > max) {
            throw ArmException.invalidParameter(target, "A description of at most " + max + " characters is "
                    + "allowed; this one has " + value.length() + ".");
        }
        return value == null || value.isEmpty() ? null : value;
    }

    /** An optional display name. */
    public static String optionalDisplayName(String value, int max, String target) {
        return value == null ? null : displayName(value, max, target);
    }

    /** An absolute http(s) URL by common's {@link dev.imagegallery.common.http.HttpUrl} rule, or 400 naming target. */
    public static URI httpUrl(String value, String target, boolean queryAllowed) {
        if (value == null || value.isBlank()) {
            throw ArmException.invalidParameter(target, target + " is required.");
        }
        // one rule in every service (common's HttpUrl): catalog-service's took links that this then refused
        return dev.imagegallery.common.http.HttpUrl.check(value, target, queryAllowed);
    }

    /** An e-mail address of at most 254 characters. */
    public static String email(String value, String target) {
        if (!dev.imagegallery.common.http.EmailAddress.isValid(value)) { // the rule catalog-service keeps it by
            throw ArmException.invalidParameter(target, "'" + shown(value) + "' is not an e-mail address.");
        }
        return value;
    }

    /** A value as an error message may quote it: at most 60 characters, control characters shown as '?'. */
    public static String shown(String s) {
        if (s == null) {
            return "null";
        }
        String clean = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        return clean.replaceAll("\\p{Cntrl}", "?");
    }
}

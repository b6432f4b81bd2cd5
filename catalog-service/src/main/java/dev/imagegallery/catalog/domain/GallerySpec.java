package dev.imagegallery.catalog.domain;

import dev.imagegallery.common.arm.ArmException;

import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A gallery as a PUT or PATCH asks for it: what the client sent, null where absent.
 *
 * @param sharing {@code properties.sharingProfile}: null when absent
 */
public record GallerySpec(String location, Map<String, String> tags, String description, Boolean softDeleteEnabled,
                          Sharing sharing) {
    public GallerySpec(String location, Map<String, String> tags, String description, Boolean softDeleteEnabled) {
        this(location, tags, description, softDeleteEnabled, null);
    }

    /** {@code sharingProfile}: the permissions asked for and, for Community, the publication's information. */
    public record Sharing(String permissions, Community communityGalleryInfo) {
    }

    /** {@code communityGalleryInfo}'s writable part. */
    public record Community(String publisherUri, String publisherContact, String eula, String publicNamePrefix) {
    }

    private static final Pattern PREFIX = Pattern.compile("^[A-Za-z0-9]{5,16}$");
    static final String AT = "properties.sharingProfile";

    /**
     * The sharing profile checked: permissions one of Private, Groups, Community; Community needs its information
     * (access-service's rules for EnableCommunity: a prefix of 5 to 16 letters and digits, an e-mail contact, a EULA of
     * at most 4,096 characters, an optional http(s) publisher URI), and only Community takes it.
     */
    public static Sharing check(Sharing s) {
        if (s == null) {
            return null;
        }
        String permissions = Validation.oneOf(Set.of("Private", "Groups", "Community"), s.permissions(), null,
                AT + ".permissions");
        Community c = s.communityGalleryInfo();
        if (!"Community".equals(permissions)) {
            if (c != null) {
                throw ArmException.invalidParameter(AT + ".communityGalleryInfo", "communityGalleryInfo goes with "
                        + "permissions Community only.");
            }
            return new Sharing(permissions, null);
        }
        String info = AT + ".communityGalleryInfo";
        if (c == null) {
            throw ArmException.invalidParameter(info, "permissions Community needs communityGalleryInfo "
                    + "(publicNamePrefix, publisherContact, eula).");
        }
        if (c.publicNamePrefix() == null || !PREFIX.matcher(c.publicNamePrefix()).matches()) {
            throw ArmException.invalidParameter(info + ".publicNamePrefix", "The public name prefix is 5 to 16 "
                    + "letters and digits.");
        }
        if (!dev.imagegallery.common.http.EmailAddress.isValid(c.publisherContact())) { // access-service's rule too
            throw ArmException.invalidParameter(info + ".publisherContact", "The publisher contact is an e-mail "
                    + "address.");
        }
        if (c.eula() == null || c.eula().isBlank() || c.eula().length() > 4096) {
            throw ArmException.invalidParameter(info + ".eula", "A community gallery needs a EULA of at most 4096 "
                    + "characters.");
        }
        if (c.publisherUri() != null) {
            Validation.uri(c.publisherUri(), info + ".publisherUri");
        }
        return new Sharing(permissions, c);
    }
}

package dev.imagegallery.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A blob of the data plane: its region, the subscription that owns it and its name, written as the URI
 * {@code {base}/blobs/{region}/{subscriptionId}/{name}}. One parser for every service: a blob URI either is exactly
 * that (no query, fragment, percent-escape or dot segment; a known region; a GUID; a name of the data plane's rule)
 * or it is refused, so that no service reads another subscription's blob through a name like {@code ..%2F{other}}.
 * <p>
 * In an event it travels as its parts ({@code baseUrl}, {@code region}, {@code subscriptionId}, {@code name}); reading
 * them runs the same parser on the URI they make, so an event cannot carry a reference the API would refuse. A plain
 * URI string (what events carried before, {@code sourceBlobUri}) reads through {@link #parse} as well.
 */
public record BlobRef(String baseUrl, String region, String subscriptionId, String name) {
    /** The data plane's rule for names: letters, digits, periods, hyphens, underscores; 1 to 255; no leading dot. */
    public static final Pattern NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$");
    static final Pattern URI = Pattern.compile("^(https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?)/blobs/([^/]+)/([^/]+)/([^/]+)$");
    public static final int MAX_URI_LENGTH = 2048;

    /** The blob a URI names, or an {@link IllegalArgumentException} saying what is wrong with it. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static BlobRef parse(String uri) {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("The blob URI is required.");
        }
        if (uri.length() > MAX_URI_LENGTH) {
            throw new IllegalArgumentException("The blob URI is longer than " + MAX_URI_LENGTH + " characters.");
        }
        var m = URI.matcher(uri);
        if (!m.matches()) {
            throw new IllegalArgumentException("The blob URI is not a blob of this system "
                    + "({base}/blobs/{region}/{subscriptionId}/{name}, without query or percent-escapes).");
        }
        String region = Regions.normalise(m.group(2));
        if (region == null || !region.equals(m.group(2))) {
            throw new IllegalArgumentException("The blob URI names an unknown region '" + m.group(2) + "'.");
        }
        String sub = m.group(3);
        try {
            if (sub.length() != 36 || !UUID.fromString(sub).toString().equalsIgnoreCase(sub)) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("The blob URI's subscription is not a GUID.");
        }
        String name = m.group(4);
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("The blob URI's name is not a blob name (1 to 255 letters, digits, "
                    + "periods, hyphens and underscores, starting with a letter or digit).");
        }
        return new BlobRef(m.group(1).toLowerCase(Locale.ROOT), region, sub.toLowerCase(Locale.ROOT), name);
    }

    /** The blob of these parts, checked exactly as {@link #parse} checks a URI (how an event's reference is read). */
    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    public static BlobRef of(@JsonProperty("baseUrl") String baseUrl, @JsonProperty("region") String region,
                             @JsonProperty("subscriptionId") String subscriptionId, @JsonProperty("name") String name) {
        if (baseUrl == null || region == null || subscriptionId == null || name == null) {
            throw new IllegalArgumentException("A blob reference needs baseUrl, region, subscriptionId and name.");
        }
        return parse(baseUrl + "/blobs/" + region + "/" + subscriptionId + "/" + name);
    }

    public String uri() {
        return baseUrl + pathOf(region, subscriptionId, name);
    }

    /** A blob's path on the data plane, {@code /blobs/{region}/{subscriptionId}/{name}} (its events' subject). */
    public static String pathOf(String region, String subscriptionId, String name) {
        return "/blobs/" + region + "/" + subscriptionId + "/" + name;
    }
}

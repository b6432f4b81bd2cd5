package dev.imagegallery.common.arm;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.imagegallery.events.Json;

import java.util.Map;

/**
 * ARM tags as they are stored: a JSON object of strings (null for none given). Every write of tags goes through
 * {@link #json}, which holds them to ARM's limits for every resource type (Azure Resource Manager, "Tag resources"):
 * at most 50 a resource, a name of 1 to 512 characters without {@code < > % & \ ? /} or a control character, a value
 * of at most 256 characters, never null.
 */
public final class Tags {
    static final int MAX_TAGS = 50;
    static final int MAX_NAME = 512;
    static final int MAX_VALUE = 256;
    private static final String RESERVED = "<>%&\\?/";

    private Tags() {
    }

    /** The tags to store; 400 where ARM would refuse them. */
    public static String json(Map<String, String> tags) {
        if (tags == null) {
            return null;
        }
        check(tags);
        return Json.write(tags);
    }

    static void check(Map<String, String> tags) {
        if (tags.size() > MAX_TAGS) {
            throw ArmException.invalidParameter("tags", "A resource can have at most " + MAX_TAGS + " tags; this "
                    + "request gives " + tags.size() + ".");
        }
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            String name = tag.getKey();
            if (name.isEmpty() || name.length() > MAX_NAME) {
                throw ArmException.invalidParameter("tags", "The tag name '" + shown(name) + "' is " + name.length()
                        + " characters long; a tag name has 1 to " + MAX_NAME + ".");
            }
            if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7f || RESERVED.indexOf(c) >= 0)) {
                throw ArmException.invalid("InvalidTagNameCharacters", "The tag name '" + shown(name) + "' has a "
                        + "reserved character ('<', '>', '%', '&', '\\', '?', '/') or a control character.", "tags");
            }
            String value = tag.getValue();
            if (value == null) {
                throw ArmException.invalidParameter("tags", "The tag '" + shown(name) + "' has no value; give an "
                        + "empty string for none.");
            }
            if (value.length() > MAX_VALUE) {
                throw ArmException.invalidParameter("tags", "The value of the tag '" + shown(name) + "' is "
                        + value.length() + " characters long; a tag value has at most " + MAX_VALUE + ".");
            }
        }
    }

    private static String shown(String name) {
        return name.length() <= 80 ? name : name.substring(0, 80) + "...";
    }

    /** The stored tags; none when nothing or something unreadable is stored. */
    public static Map<String, String> of(String json) {
        if (json == null) {
            return Map.of();
        }
        try {
            return Json.MAPPER.readValue(json, new TypeReference<Map<String, String>>() { });
        } catch (Exception e) {
            return Map.of();
        }
    }
}

package dev.imagegallery.catalog.domain;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.imagegallery.events.Json;

import java.util.Map;

/** ARM tags as they are stored: a JSON object of strings (null for none given). */
public final class Tags {
    private Tags() {
    }

    public static String json(Map<String, String> tags) {
        return tags == null ? null : Json.write(tags);
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

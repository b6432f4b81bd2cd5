package dev.imagegallery.access.api;

import java.util.List;

/** An ARM list body: {@code {"value": [...], "nextLink": ...}}. */
public record ArmList<T>(List<T> value, String nextLink) {
    public static <T> ArmList<T> of(List<T> value) {
        return new ArmList<>(value, null);
    }
}

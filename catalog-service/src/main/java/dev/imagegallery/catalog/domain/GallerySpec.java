package dev.imagegallery.catalog.domain;

import java.util.Map;

/** A gallery as a PUT or PATCH asks for it: what the client sent, null where absent. */
public record GallerySpec(String location, Map<String, String> tags, String description, Boolean softDeleteEnabled) {
}

package dev.imagegallery.catalog.service;

/** The outcome of a PUT: the resource and whether it was created (201) or replaced (200). */
public record Upsert<T>(T value, boolean created) {
}

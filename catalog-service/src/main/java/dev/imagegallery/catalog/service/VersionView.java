package dev.imagegallery.catalog.service;

import dev.imagegallery.catalog.persistence.ImageVersion;
import dev.imagegallery.catalog.persistence.VersionRegion;

import java.util.List;

/** A version as the API shows it: its id as the client spelled it, the version, and its regions. */
public record VersionView(String id, ImageVersion version, List<VersionRegion> regions) {
}

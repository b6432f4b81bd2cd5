package dev.imagegallery.catalog.domain;

import java.util.List;

/**
 * What a VM-creation flow asks to resolve: one image reference (exactly one of the three ids) and, optionally, the VM
 * size to check against the definition's recommendations; and the answer.
 */
public record ResolveQuery(ImageReference imageReference, VmSize vmSize) {
    public record ImageReference(String id, String sharedGalleryImageId, String communityGalleryImageId) {
    }

    public record VmSize(Integer vCPUs, Double memoryGB) {
    }

    /** The exact version ready in the location, where to download it, and what the caller should know. */
    public record Resolution(String exactVersion, String id, String location, String digest, Long sizeBytes,
                             String downloadUrl, String lifecycleState, List<String> warnings) {
    }
}

package dev.imagegallery.catalog.api;

import dev.imagegallery.common.arm.Paging;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Request and response bodies of the Microsoft.Compute resources, with Azure's property names. Requests and responses
 * share the shapes, as in ARM; read-only properties (provisioningState, replicationStatus) are ignored on input.
 */
public final class Bodies {
    private Bodies() {
    }

    /** The page sizes of the catalog's lists: {@code $top} 100 by default, at most 1000 (see common's Paging). */
    public static final Paging.Limits PAGES = new Paging.Limits(100, 1000);

    // galleries
    public record GalleryBody(String id, String name, String type, String location, Map<String, String> tags,
                              GalleryProperties properties) {
    }

    /** {@code sharingProfile} only on a GET with {@code $select=Permissions} (as in Azure); read-only here. */
    public record GalleryProperties(String description, GalleryIdentifier identifier,
                                    SoftDeletePolicy softDeletePolicy, String provisioningState,
                                    SharingProfile sharingProfile) {
    }

    /** Azure's SharingProfile: Private, Groups or Community, the groups shared with, the community publication. */
    public record SharingProfile(String permissions, List<SharingGroup> groups,
                                 CommunityGalleryInfo communityGalleryInfo) {
    }

    public record SharingGroup(String type, List<String> ids) {
    }

    public record CommunityGalleryInfo(String publisherUri, String publisherContact, String eula,
                                       String publicNamePrefix, List<String> publicNames,
                                       Boolean communityGalleryEnabled) {
    }

    public record GalleryIdentifier(String uniqueName) {
    }

    public record SoftDeletePolicy(Boolean isSoftDeleteEnabled) {
    }

    // image definitions
    public record ImageBody(String id, String name, String type, String location, Map<String, String> tags,
                            ImageProperties properties) {
    }

    public record ImageProperties(String osType, String osState, String hyperVGeneration, String architecture,
                                  ImageIdentifier identifier, String description, String eula,
                                  String privacyStatementUri, String releaseNoteUri, Recommended recommended,
                                  Disallowed disallowed, List<Feature> features, Instant endOfLifeDate,
                                  String provisioningState) {
    }

    public record Disallowed(List<String> diskTypes) {
    }

    public record Feature(String name, String value) {
    }

    public record ImageIdentifier(String publisher, String offer, String sku) {
    }

    public record Recommended(Range vCPUs, Range memory) {
    }

    public record Range(Integer min, Integer max) {
    }

    // image versions
    public record VersionBody(String id, String name, String type, String location, Map<String, String> tags,
                              VersionProperties properties) {
    }

    public record VersionProperties(PublishingProfile publishingProfile, StorageProfile storageProfile,
                                    SafetyProfile safetyProfile, LifecycleProfile lifecycleProfile,
                                    String provisioningState, ReplicationStatus replicationStatus,
                                    Instant softDeletedTime) {
    }

    /**
     * Beyond Azure (as GCE's deprecation status and AWS's deprecate/disable do it): {@code state} Active, Deprecated
     * (still usable, never latest, a warning on resolution) or Disabled (cannot be resolved or downloaded; reversible),
     * with an optional replacement version.
     */
    public record LifecycleProfile(String state, String replacementVersion) {
    }

    // resolution
    public record ResolveRequest(ImageReference imageReference, VmSize vmSize) {
    }

    public record ImageReference(String id, String sharedGalleryImageId, String communityGalleryImageId) {
    }

    public record VmSize(Integer vCPUs, Double memoryGB) {
    }

    public record ResolveResult(String exactVersion, String id, String location, String digest, Long sizeBytes,
                                String downloadUrl, String lifecycleState, List<String> warnings) {
    }

    public record PublishingProfile(List<TargetRegion> targetRegions, Integer replicaCount, Boolean excludeFromLatest,
                                    Instant endOfLifeDate, String storageAccountType, Instant publishedDate) {
    }

    public record TargetRegion(String name, Integer regionalReplicaCount, String storageAccountType,
                               Boolean excludeFromLatest) {
    }

    public record StorageProfile(Source source, OsDiskImage osDiskImage) {
    }

    public record Source(String id) {
    }

    public record OsDiskImage(Long sizeInGB, String hostCaching, String digest) {
    }

    public record SafetyProfile(Boolean allowDeletionOfReplicatedLocations, Boolean blockDeletionBeforeEndOfLife) {
    }

    public record ReplicationStatus(String aggregatedState, List<RegionalReplicationStatus> summary) {
    }

    public record RegionalReplicationStatus(String region, String state, String details, Integer progress) {
    }

    // managed images
    public record ManagedImageBody(String id, String name, String type, String location, Map<String, String> tags,
                                   ManagedImageProperties properties) {
    }

    public record ManagedImageProperties(ManagedImageStorageProfile storageProfile, String provisioningState) {
    }

    public record ManagedImageStorageProfile(OsDisk osDisk) {
    }

    public record OsDisk(String osType, String osState, String blobUri) {
    }
}

package dev.imagegallery.catalog.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegallery.common.arm.Paging;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Request and response bodies of the Microsoft.Compute resources, with Azure's property names. Requests and responses
 * share the shapes, as in ARM; read-only properties (provisioningState, replicationStatus) are ignored on input.
 * Properties of Azure's request schemas that this system does not implement are typed {@link JsonNode}: they are
 * read only to be refused by name ({@link Unsupported}), never accepted and dropped.
 */
public final class Bodies {
    private Bodies() {
    }

    /** The page sizes of the catalog's lists: {@code $top} 100 by default, at most 1000 (see common's Paging). */
    public static final Paging.Limits PAGES = new Paging.Limits(100, 1000);

    // galleries
    /** {@code identity} (managed identities) is refused unless its type is None. */
    public record GalleryBody(String id, String name, String type, String location, Map<String, String> tags,
                              GalleryProperties properties, JsonNode identity) {
        public GalleryBody(String id, String name, String type, String location, Map<String, String> tags,
                           GalleryProperties properties) {
            this(id, name, type, location, tags, properties, null);
        }
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
                                  String provisioningState, PurchasePlan purchasePlan, Boolean allowUpdateImage) {
    }

    public record Disallowed(List<String> diskTypes) {
    }

    /** {@code startsAtVersion}: the lowest version of the definition the feature applies to. */
    public record Feature(String name, String value, String startsAtVersion) {
    }

    /** Azure's marketplace purchase plan of a definition: plain data, stored and shown to consumers. */
    public record PurchasePlan(String name, String publisher, String product) {
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

    /**
     * {@code restore} (request only): a PATCH with {@code true} restores a soft-deleted version;
     * {@code securityProfile} (UEFI settings) is refused; {@code validationsProfile} is read-only
     * ({@code $expand=ValidationProfile}).
     */
    public record VersionProperties(PublishingProfile publishingProfile, StorageProfile storageProfile,
                                    SafetyProfile safetyProfile, LifecycleProfile lifecycleProfile,
                                    String provisioningState, ReplicationStatus replicationStatus,
                                    Instant softDeletedTime, ValidationsProfile validationsProfile,
                                    Boolean restore, JsonNode securityProfile) {
        public VersionProperties(PublishingProfile publishingProfile, StorageProfile storageProfile,
                                 SafetyProfile safetyProfile, LifecycleProfile lifecycleProfile,
                                 String provisioningState, ReplicationStatus replicationStatus,
                                 Instant softDeletedTime) {
            this(publishingProfile, storageProfile, safetyProfile, lifecycleProfile, provisioningState,
                    replicationStatus, softDeletedTime, null, null, null);
        }
    }

    /**
     * Azure's GallerySoftDeletedResource: a soft-deleted version as the soft-deleted list shows it, its id under
     * {@code softDeletedArtifactTypes/Images/artifacts/{image}/versions/{version}}.
     */
    public record SoftDeletedBody(String id, String name, String type, String location, Map<String, String> tags,
                                  SoftDeletedProperties properties) {
    }

    /** {@code resourceArmId}: the version's own id; {@code softDeletedArtifactType}: Images. */
    public record SoftDeletedProperties(String resourceArmId, String softDeletedArtifactType,
                                        Instant softDeletedTime) {
    }

    /**
     * Azure's validationsProfile, filled with what this system validated about the content: {@code executedValidations}
     * (the content digest verified at ingest, the replicas verified per region), {@code platformAttributes} (the
     * digest, the size in bytes, the source), {@code validationEtag}.
     */
    public record ValidationsProfile(String validationEtag, List<ExecutedValidation> executedValidations,
                                     List<PlatformAttribute> platformAttributes) {
    }

    public record ExecutedValidation(String type, String status, String version, Instant executionTime) {
    }

    public record PlatformAttribute(String name, String value) {
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

    /**
     * {@code replicationMode}: Full (every target region holds complete verified copies) or Shallow (one region, the
     * location, one replica referencing the source content). {@code targetExtendedLocations} (edge zones) is refused.
     */
    public record PublishingProfile(List<TargetRegion> targetRegions, Integer replicaCount, Boolean excludeFromLatest,
                                    Instant endOfLifeDate, String storageAccountType, Instant publishedDate,
                                    String replicationMode, JsonNode targetExtendedLocations) {
        public PublishingProfile(List<TargetRegion> targetRegions, Integer replicaCount, Boolean excludeFromLatest,
                                 Instant endOfLifeDate, String storageAccountType, Instant publishedDate) {
            this(targetRegions, replicaCount, excludeFromLatest, endOfLifeDate, storageAccountType, publishedDate,
                    null, null);
        }
    }

    /** {@code encryption} (disk encryption sets) and {@code additionalReplicaSets} (direct drive) are refused. */
    public record TargetRegion(String name, Integer regionalReplicaCount, String storageAccountType,
                               Boolean excludeFromLatest, JsonNode encryption, JsonNode additionalReplicaSets) {
        public TargetRegion(String name, Integer regionalReplicaCount, String storageAccountType,
                            Boolean excludeFromLatest) {
            this(name, regionalReplicaCount, storageAccountType, excludeFromLatest, null, null);
        }
    }

    /** {@code dataDiskImages} is refused: a version is one OS disk image here. */
    public record StorageProfile(Source source, OsDiskImage osDiskImage, JsonNode dataDiskImages) {
        public StorageProfile(Source source, OsDiskImage osDiskImage) {
            this(source, osDiskImage, null);
        }
    }

    /** The source: a managed image or a version; {@code virtualMachineId} and {@code communityGalleryImageId} are refused. */
    public record Source(String id, JsonNode virtualMachineId, JsonNode communityGalleryImageId) {
        public Source(String id) {
            this(id, null, null);
        }
    }

    /**
     * {@code sizeInGB} read-only; {@code hostCaching} None, ReadOnly (default) or ReadWrite, kept and handed to who
     * creates a disk from the image; {@code source} (a VHD or snapshot) is refused; {@code digest}, {@code sizeBytes}:
     * this system's extensions (the content's SHA-256 and exact size), read-only.
     */
    public record OsDiskImage(Long sizeInGB, String hostCaching, String digest, JsonNode source) {
        public OsDiskImage(Long sizeInGB, String hostCaching, String digest) {
            this(sizeInGB, hostCaching, digest, null);
        }
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

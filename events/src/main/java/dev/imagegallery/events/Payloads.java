package dev.imagegallery.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.List;

/**
 * Payloads of the events in {@link EventTypes}; the field names are the wire format, and each type has a JSON Schema in
 * {@code docs/schemas/internal/} that producers' and consumers' tests check. Where a field was renamed, the reading
 * side still accepts the old name (a topic may hold events written before): see the {@code read} factories.
 */
public final class Payloads {
    private Payloads() {
    }

    public record TargetRegion(String name, int regionalReplicaCount, String storageAccountType) {
    }

    /**
     * catalog → replication, access: a version exists and its content must reach every target region.
     * {@code sourceBlob} is the blob holding the content (its region is the source region). {@code sizeBytes} is what
     * access-service forwards as the public VersionPublished's {@code sizeBytes}; catalog-service does not know the
     * size when it publishes and writes 0. {@code replicationMode} (optional): {@value #FULL} (absent reads as it:
     * complete verified copies in every target region) or {@value #SHALLOW} (one target region, the source blob's,
     * with one replica that references the source content in that region's store instead of copying it).
     * {@code sourceVersionId} (optional, written only when there is one): the version this one was made from; its
     * content is copied, whatever its {@code sourceBlob} holds by now. {@code sourceDigest} (optional, written only
     * for a version of a managed image that recorded it): hex SHA-256 of the image's content, the blob's when the image
     * was created; that content is copied (replication-service keeps it for the image, {@link ManagedImageChanged}),
     * whatever the blob holds by now.
     */
    public record VersionPublished(
            String versionId,
            String subscriptionId,
            String tenantId,
            BlobRef sourceBlob,
            long sizeBytes,
            List<TargetRegion> targetRegions,
            String replicationMode,
            @JsonInclude(JsonInclude.Include.NON_NULL) String sourceVersionId,
            @JsonInclude(JsonInclude.Include.NON_NULL) String sourceDigest) {
        public static final String FULL = "Full";
        public static final String SHALLOW = "Shallow";

        /** A Full version (the mode every version had before Shallow). */
        public VersionPublished(String versionId, String subscriptionId, String tenantId, BlobRef sourceBlob,
                                long sizeBytes, List<TargetRegion> targetRegions) {
            this(versionId, subscriptionId, tenantId, sourceBlob, sizeBytes, targetRegions, FULL);
        }

        /** A version made from a blob (a managed image's). */
        public VersionPublished(String versionId, String subscriptionId, String tenantId, BlobRef sourceBlob,
                                long sizeBytes, List<TargetRegion> targetRegions, String replicationMode) {
            this(versionId, subscriptionId, tenantId, sourceBlob, sizeBytes, targetRegions, replicationMode, null);
        }

        /** Without the image's digest (an image created before it was recorded, or a version made from a version). */
        public VersionPublished(String versionId, String subscriptionId, String tenantId, BlobRef sourceBlob,
                                long sizeBytes, List<TargetRegion> targetRegions, String replicationMode,
                                String sourceVersionId) {
            this(versionId, subscriptionId, tenantId, sourceBlob, sizeBytes, targetRegions, replicationMode,
                    sourceVersionId, null);
        }

        /** Whether the version is Shallow (anything else, absence included, is Full). */
        public boolean shallow() {
            return SHALLOW.equals(replicationMode);
        }

        /** Reads the current form and the ones before it ({@code sourceBlobUri}, a URI string; no mode: Full). */
        @JsonCreator
        static VersionPublished read(@JsonProperty("versionId") String versionId,
                                     @JsonProperty("subscriptionId") String subscriptionId,
                                     @JsonProperty("tenantId") String tenantId,
                                     @JsonProperty("sourceBlob") BlobRef sourceBlob,
                                     @JsonProperty("sourceBlobUri") String sourceBlobUri,
                                     @JsonProperty("sizeBytes") long sizeBytes,
                                     @JsonProperty("targetRegions") List<TargetRegion> targetRegions,
                                     @JsonProperty("replicationMode") String replicationMode,
                                     @JsonProperty("sourceVersionId") String sourceVersionId,
                                     @JsonProperty("sourceDigest") String sourceDigest) {
            return new VersionPublished(versionId, subscriptionId, tenantId, blobOf(sourceBlob, sourceBlobUri),
                    sizeBytes, targetRegions, replicationMode == null ? FULL : replicationMode, sourceVersionId,
                    sourceDigest);
        }
    }

    /**
     * The blob an event names: its {@code sourceBlob}, else (an event written before the reference was typed) its
     * {@code sourceBlobUri} when that parses, else null (the consumer treats the source as missing).
     */
    static BlobRef blobOf(BlobRef sourceBlob, String legacyUri) {
        if (sourceBlob != null || legacyUri == null) {
            return sourceBlob;
        }
        try {
            return BlobRef.parse(legacyUri);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** catalog → replication, billing: the version is gone; its replicas are to be deleted. */
    public record VersionDeleted(String versionId, String subscriptionId) {
    }

    /**
     * catalog → replication: a version's target regions changed (PATCH). {@code targetRegions} is the full new list;
     * {@code removedRegions} lose their replicas.
     */
    public record VersionTargetRegionsChanged(
            String versionId,
            String subscriptionId,
            String tenantId,
            BlobRef sourceBlob,
            List<TargetRegion> targetRegions,
            List<String> removedRegions) {

        /** Reads the current form and the one before it ({@code sourceBlobUri}, a URI string). */
        @JsonCreator
        static VersionTargetRegionsChanged read(@JsonProperty("versionId") String versionId,
                                                @JsonProperty("subscriptionId") String subscriptionId,
                                                @JsonProperty("tenantId") String tenantId,
                                                @JsonProperty("sourceBlob") BlobRef sourceBlob,
                                                @JsonProperty("sourceBlobUri") String sourceBlobUri,
                                                @JsonProperty("targetRegions") List<TargetRegion> targetRegions,
                                                @JsonProperty("removedRegions") List<String> removedRegions) {
            return new VersionTargetRegionsChanged(versionId, subscriptionId, tenantId,
                    blobOf(sourceBlob, sourceBlobUri), targetRegions, removedRegions);
        }
    }

    /** catalog → replication, consumers: a version became Active, Deprecated or Disabled. */
    public record VersionLifecycleChanged(String versionId, String subscriptionId, String state,
                                          String replacementVersion) {
    }

    /**
     * catalog → replication: the version was soft-deleted ({@code deleted} true: kept for restore, served to nobody)
     * or restored (false). Its content stays; {@code VersionDeleted} follows when it is purged.
     */
    public record VersionSoftDeleted(String versionId, String subscriptionId, boolean deleted) {
    }

    /**
     * replication → catalog, billing, access: every replica of a version in one region is complete and verified.
     * Also the storage fact billing meters from {@code completedAt}. The byte counts are of ONE replica:
     * {@code physicalBytesPerReplica} the distinct non-zero chunk bytes of the content (what one replica stores without
     * cross-version dedup), {@code logicalBytesPerReplica} the content's size (what one full copy holds); the region
     * holds {@code replicaCount} replicas ({@link #physicalBytesOfAllReplicas()}).
     */
    public record ReplicaCompleted(
            String versionId,
            String subscriptionId,
            String region,
            int replicaCount,
            String storageAccountType,
            String digest,
            long physicalBytesPerReplica,
            long logicalBytesPerReplica,
            Instant completedAt) {

        /** What all the region's replicas store (what billing prices). */
        public long physicalBytesOfAllReplicas() {
            return physicalBytesPerReplica * replicaCount;
        }

        /** What full copies in all the region's replicas would hold. */
        public long logicalBytesOfAllReplicas() {
            return logicalBytesPerReplica * replicaCount;
        }

        /**
         * Reads the current form and the one before it, whose {@code physicalBytes} and {@code logicalBytes} were of
         * all the region's replicas together (the per-replica figure times {@code replicaCount}, so the division is
         * exact); a legacy event without a replica count keeps its figures as they are (billing refuses it anyway).
         */
        @JsonCreator
        static ReplicaCompleted read(@JsonProperty("versionId") String versionId,
                                     @JsonProperty("subscriptionId") String subscriptionId,
                                     @JsonProperty("region") String region,
                                     @JsonProperty("replicaCount") int replicaCount,
                                     @JsonProperty("storageAccountType") String storageAccountType,
                                     @JsonProperty("digest") String digest,
                                     @JsonProperty("physicalBytesPerReplica") Long physicalBytesPerReplica,
                                     @JsonProperty("logicalBytesPerReplica") Long logicalBytesPerReplica,
                                     @JsonProperty("physicalBytes") Long physicalBytes,
                                     @JsonProperty("logicalBytes") Long logicalBytes,
                                     @JsonProperty("completedAt") Instant completedAt) {
            return new ReplicaCompleted(versionId, subscriptionId, region, replicaCount, storageAccountType, digest,
                    perReplica(physicalBytesPerReplica, physicalBytes, replicaCount),
                    perReplica(logicalBytesPerReplica, logicalBytes, replicaCount), completedAt);
        }

        private static long perReplica(Long perReplica, Long ofAllReplicas, int replicaCount) {
            if (perReplica != null) {
                return perReplica;
            }
            if (ofAllReplicas == null) {
                return 0;
            }
            return replicaCount >= 1 ? ofAllReplicas / replicaCount : ofAllReplicas;
        }
    }

    /** replication → catalog: a region could not be completed. */
    public record ReplicaFailed(String versionId, String subscriptionId, String region, String reason) {
    }

    /** replication → billing: bytes actually moved between two regions for one version. */
    public record EgressTransferred(
            String versionId,
            String subscriptionId,
            String sourceRegion,
            String destinationRegion,
            long bytes,
            Instant transferredAt) {
    }

    /** replication → catalog: how far a region's copy is (at least every 5 percent or 2 seconds). */
    public record ReplicaProgress(
            String versionId,
            String subscriptionId,
            String region,
            int progress,
            long bytesCopied,
            Instant reportedAt) {
    }

    /** replication → catalog, billing: a version's replicas in one region are gone (billing ends its meters). */
    public record ReplicaDeleted(String versionId, String subscriptionId, String region, int replicaCount,
                                 Instant deletedAt) {
    }

    /**
     * replication → catalog: a blob's upload (or Put Block List) committed; the blob exists in its region until a
     * {@link BlobDeleted}. Subject: {@code /blobs/{region}/{subscriptionId}/{name}}.
     */
    public record BlobCommitted(String region, String subscriptionId, String name, String digest, long sizeBytes,
                                Instant committedAt) {
    }

    /** replication → catalog: a blob was deleted (Delete Blob). */
    public record BlobDeleted(String region, String subscriptionId, String name, Instant deletedAt) {
    }

    /** replication → operators: a scrub found a corrupt or missing chunk in a replica store and repaired it. */
    public record ChunkRepaired(String region, int replica, String chunkDigest, String problem, String fromRegion,
                                int fromReplica, Instant repairedAt) {
    }

    /**
     * catalog → access: a gallery exists (or, with {@code deleted}, no longer does); sharing needs to know.
     * {@code communityGalleryInfo}: what the gallery's PUT or PATCH asked for community publication
     * ({@code sharingProfile.permissions: Community}), which a later share action {@code EnableCommunity} without
     * information of its own publishes, as Azure does; null when not asked (and in events written before it existed).
     */
    public record GalleryChanged(String galleryId, String subscriptionId, String tenantId, String uniqueName,
                                 String location, boolean deleted, GalleryCommunityInfo communityGalleryInfo) {
        public GalleryChanged(String galleryId, String subscriptionId, String tenantId, String uniqueName,
                              String location, boolean deleted) {
            this(galleryId, subscriptionId, tenantId, uniqueName, location, deleted, null);
        }
    }

    /** A gallery's community publication as its owner asked for it (Azure's communityGalleryInfo, writable part). */
    public record GalleryCommunityInfo(String publisherUri, String publisherContact, String eula,
                                       String publicNamePrefix) {
    }

    /** catalog → access: an image definition was created or deleted (role assignments may name it as their scope). */
    public record ImageDefinitionChanged(String definitionId, String subscriptionId, boolean deleted) {
    }

    /**
     * catalog → replication: a managed image was created from {@code sourceBlob} holding the content {@code digest}
     * (hex SHA-256, as {@code BlobCommitted.digest}), or ({@code deleted}) it was deleted. replication-service keeps
     * that content in the blob's region for as long as the image exists, whatever happens to the blob: versions of the
     * image copy it ({@code VersionPublished.sourceDigest}). {@code tenantId}: the tenant of the caller who created it
     * (null: the subscription's).
     */
    public record ManagedImageChanged(String imageId, String subscriptionId, String tenantId, BlobRef sourceBlob,
                                      String digest, boolean deleted) {
    }

    /** One recipient of a direct share: {@code type} Subscriptions or AADTenants; {@code state} Pending, Accepted, Rejected. */
    public record ShareEntry(String type, String id, String tenantId, String state) {
    }

    /** A gallery published to the community. */
    public record CommunityInfo(boolean enabled, String publicGalleryName, String publicNamePrefix,
                                String publisherUri, String publisherContact, String eula) {
    }

    /**
     * access → every enforcing service: the whole sharing state of a gallery (a snapshot, keyed by the gallery id, so
     * a compacted topic keeps the last one). {@code sequence} grows with every state access-service publishes (also
     * across the deletion and re-creation of a gallery of the same id): a consumer keeps the state with the highest
     * one and ignores an older state that reaches it later (a redelivery, a replay, a race). A state without one (from
     * before sequences) never replaces a state with one.
     */
    public record GallerySharingChanged(String galleryId, String galleryUniqueName, String ownerTenantId,
                                        String ownerSubscriptionId, String location, List<ShareEntry> shares,
                                        CommunityInfo community, Long sequence) {
    }

    /** access → every service: an OIDC issuer became a tenant (takes effect without a restart). */
    public record TenantRegistered(String tenantId, String issuer, String displayName) {
    }

    /** every enforcing service → access (audit): a request was refused. */
    public record AccessDenied(String service, String tenantId, String principalId, String action, String scope,
                               String outcome, Instant at) {
    }

    /** access → every enforcing service: a subscription and the tenant that owns it. */
    public record SubscriptionCreated(String subscriptionId, String tenantId, String displayName) {
    }

    /** access → every enforcing service: a grant (Created) or its revocation (Deleted). */
    public record RoleAssignment(
            String assignmentId,
            String tenantId,
            String scope,
            String principalId,
            String principalType,
            String roleDefinitionId,
            String roleName) {
    }

    /**
     * billing → its dead-letter topic ({@link EventTypes#BILLING_DLQ_TOPIC}): a usage event that was not billed.
     * {@code event} is the rejected event as it was consumed (its JSON text), {@code sourceTopic} where it came from.
     */
    public record UsageEventRejected(String eventId, String eventType, String sourceTopic, String reason,
                                     String event) {
    }
}

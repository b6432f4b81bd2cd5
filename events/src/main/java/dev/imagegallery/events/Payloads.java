package dev.imagegallery.events;

import java.time.Instant;
import java.util.List;

/** Payloads of the events in {@link EventTypes}; the field names are the wire format. */
public final class Payloads {
    private Payloads() {
    }

    public record TargetRegion(String name, int regionalReplicaCount, String storageAccountType) {
    }

    /** catalog → replication: a version exists and its content must reach every target region. */
    public record VersionPublished(
            String versionId,
            String subscriptionId,
            String tenantId,
            String sourceRegion,
            String sourceBlobUri,
            String digest,
            long sizeBytes,
            long usedBytes,
            List<TargetRegion> targetRegions) {
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
            String sourceRegion,
            String sourceBlobUri,
            List<TargetRegion> targetRegions,
            List<String> removedRegions) {
    }

    /** catalog → replication, consumers: a version became Active, Deprecated or Disabled. */
    public record VersionLifecycleChanged(String versionId, String subscriptionId, String state,
                                          String replacementVersion) {
    }

    /**
     * replication → catalog, billing: every replica of a version in one region is complete and verified.
     * Also the storage fact billing meters from {@code completedAt}.
     */
    public record ReplicaCompleted(
            String versionId,
            String subscriptionId,
            String region,
            int replicaCount,
            String storageAccountType,
            String digest,
            long physicalBytes,
            long logicalBytes,
            Instant completedAt) {
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

    /** catalog → access: a gallery exists (or, with {@code deleted}, no longer does); sharing needs to know. */
    public record GalleryChanged(String galleryId, String subscriptionId, String tenantId, String uniqueName,
                                 String location, boolean deleted) {
    }

    /** catalog → access: an image definition was created or deleted (role assignments may name it as their scope). */
    public record ImageDefinitionChanged(String definitionId, String subscriptionId, boolean deleted) {
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

    /** access → audit: a grant changed (assignment, share, acceptance). */
    public record GrantChanged(String tenantId, String principalId, String action, String scope, String detail,
                               Instant at) {
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

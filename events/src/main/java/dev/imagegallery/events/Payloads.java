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
}

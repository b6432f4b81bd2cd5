package dev.imagegallery.billing.domain;

import java.time.Instant;
import java.util.UUID;

/**
 * An open or the latest storage meter of a version in a region: a stretch of time during which the region's replicas
 * held the same bytes. {@code endKnownAt} is set with {@code endedAt}. A meter's content never changes: a change ends
 * it and opens another.
 */
public record Meter(UUID id, String storageAccountType, int replicaCount, long physicalBytes, long logicalBytes,
                    Instant startedAt, Instant endedAt, Instant endKnownAt) {
    /** A version's replicas in one region. */
    public record Place(String versionKey, String region) {
    }

    /** A meter to insert, with where it runs and when the system learnt of it. */
    public record New(UUID id, String versionKey, String versionId, String subscriptionId, String region,
                      String storageAccountType, int replicaCount, long physicalBytes, long logicalBytes,
                      Instant startedAt, Instant endedAt, Instant knownAt, Instant endKnownAt) {
    }

    /** Ends at {@code end}, known from {@code known}. */
    public Meter endingAt(Instant end, Instant known) {
        return new Meter(id, storageAccountType, replicaCount, physicalBytes, logicalBytes, startedAt, end, known);
    }

    public boolean isOpen() {
        return endedAt == null;
    }

    public boolean sameContentAs(String type, int replicas, long physical, long logical) {
        return storageAccountType.equals(type) && replicaCount == replicas && physicalBytes == physical
                && logicalBytes == logical;
    }
}

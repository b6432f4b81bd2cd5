package dev.imagegallery.catalog.service;

import dev.imagegallery.catalog.domain.ReplicationState;
import dev.imagegallery.catalog.domain.ResourceIds;
import dev.imagegallery.catalog.persistence.ImageVersion;
import dev.imagegallery.catalog.persistence.VersionRegion;
import dev.imagegallery.events.Payloads;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

/**
 * Each version's per-region replication status from replication-service's events, and the version's provisioning state
 * that follows (the rules are {@link ReplicationState}'s), which ends the version's running operations
 * ({@link Operations}). Called inside the consumer's transaction.
 */
@ApplicationScoped
public class ReplicationStatusService {
    private final Operations operations;

    public ReplicationStatusService(Operations operations) {
        this.operations = operations;
    }

    public Uni<Void> replicaCompleted(Payloads.ReplicaCompleted e) {
        String key = ResourceIds.key(e.versionId());
        return ImageVersion.<ImageVersion>findById(key, LockModeType.PESSIMISTIC_WRITE).flatMap(v -> {
            if (v == null) {
                return Uni.createFrom().voidItem();
            }
            if (v.digest == null) {
                v.digest = e.digest();
                v.sizeBytes = e.logicalBytesPerReplica();
            }
            return VersionRegion.<VersionRegion>findById(VersionRegion.idOf(key, e.region())).flatMap(r -> {
                if (r != null && ReplicationState.completes(e.replicaCount(), r.replicaCount)) {
                    r.state = VersionRegion.COMPLETED;
                    r.progress = 100;
                    r.details = null;
                }
                return settle(v);
            });
        });
    }

    public Uni<Void> replicaFailed(Payloads.ReplicaFailed e) {
        String key = ResourceIds.key(e.versionId());
        return ImageVersion.<ImageVersion>findById(key, LockModeType.PESSIMISTIC_WRITE).flatMap(v -> v == null
                ? Uni.createFrom().voidItem()
                : VersionRegion.<VersionRegion>findById(VersionRegion.idOf(key, e.region())).flatMap(r -> {
                    if (r == null) {
                        return Uni.createFrom().voidItem();
                    }
                    r.state = VersionRegion.FAILED;
                    r.details = e.reason();
                    return settle(v);
                }));
    }

    /**
     * Progress of a region still replicating (never moves a Completed or Failed region back). Like every change of a
     * version's regions, under the version's lock, taken first: the region's row is written whole, and read before a
     * PATCH of the version's regions committed and written after it, it undid the PATCH (its replica count, its
     * {@code excludeFromLatest}).
     */
    public Uni<Void> replicaProgress(Payloads.ReplicaProgress e) {
        String key = ResourceIds.key(e.versionId());
        return ImageVersion.<ImageVersion>findById(key, LockModeType.PESSIMISTIC_WRITE).flatMap(v -> v == null
                ? Uni.createFrom().voidItem()
                : VersionRegion.<VersionRegion>findById(VersionRegion.idOf(key, e.region())).map(r -> {
                    if (r != null && ReplicationState.takesProgress(r.state)) {
                        r.state = VersionRegion.REPLICATING;
                        r.progress = ReplicationState.progress(r.progress, e.progress());
                    }
                    return null;
                }));
    }

    private Uni<Void> settle(ImageVersion v) {
        return VersionRegion.<VersionRegion>list("versionKey", v.key).flatMap(rs -> {
            v.provisioningState = ReplicationState.settled(rs.stream().map(r -> r.state).toList(),
                    v.provisioningState);
            return operations.settled(v, rs);
        });
    }
}

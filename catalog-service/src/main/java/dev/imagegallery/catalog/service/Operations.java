package dev.imagegallery.catalog.service;

import dev.imagegallery.catalog.domain.LongRunning;
import dev.imagegallery.catalog.domain.ResourceIds;
import dev.imagegallery.catalog.persistence.ImageVersion;
import dev.imagegallery.catalog.persistence.Operation;
import dev.imagegallery.catalog.persistence.VersionRegion;
import dev.imagegallery.events.Payloads;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The long-running operations of version writes (ARM's Azure-AsyncOperation resources). A write whose answer says
 * Creating or Updating starts one; the replication event that settles the version ends it in the same transaction
 * ({@link #settled}); a DELETE that removes replicas starts one that ends when replication-service reported every
 * region's replicas deleted ({@link #replicaDeleted}).
 */
@ApplicationScoped
public class Operations {

    /**
     * Deletes up to {@code limit} operations that ended before {@code before} (their status resources answer 404
     * {@code OperationNotFound} after); a running one stays whatever its age. Answers how many went.
     */
    @WithTransaction
    public Uni<Integer> purgeEnded(Instant before, int limit) {
        return Panache.getSession().chain(s -> s.createNativeQuery("DELETE FROM operation WHERE id IN (SELECT id FROM "
                        + "operation WHERE status <> 'InProgress' AND end_time < ?1 LIMIT ?2)")
                .setParameter(1, java.time.OffsetDateTime.ofInstant(before, java.time.ZoneOffset.UTC))
                .setParameter(2, limit).executeUpdate());
    }

    /**
     * Starts the operation of a PUT or PATCH of {@code versionId} whose answer said Creating or Updating. The version's
     * row is locked, as every replication event locks it, so an event that settled the version in between is seen
     * here: the operation then starts already ended.
     */
    @WithTransaction
    public Uni<Operation> startWrite(String kind, String versionId) {
        String key = ResourceIds.key(versionId);
        return ImageVersion.<ImageVersion>findById(key, LockModeType.PESSIMISTIC_WRITE).flatMap(v -> {
            Operation op = newOperation(kind, key, versionId, v == null ? "" : v.subscriptionId,
                    v == null ? "" : v.location);
            if (v == null) {
                // deleted in between: the write it answered for is over
                op.status = LongRunning.SUCCEEDED;
                op.endTime = op.startTime;
                return op.<Operation>persist();
            }
            op.status = LongRunning.statusOf(v.provisioningState);
            if (!LongRunning.IN_PROGRESS.equals(op.status)) {
                return VersionRegion.<VersionRegion>list("versionKey", key).flatMap(rs -> {
                    end(op, op.status, rs);
                    return op.<Operation>persist();
                });
            }
            return op.<Operation>persist();
        });
    }

    /**
     * Starts the operation of a DELETE that removed {@code regions}' replicas; called inside the deletion's
     * transaction.
     */
    public Uni<Operation> startDelete(ImageVersion v, String versionId, List<String> regions) {
        Operation op = newOperation(Operation.DELETE, v.key, versionId, v.subscriptionId, v.location);
        op.status = LongRunning.IN_PROGRESS;
        op.pendingRegions = LongRunning.pending(regions);
        return op.persist();
    }

    /**
     * The version settled ({@code provisioningState} is its new state): its running writes end with it. Called in the
     * transaction of the replication event, under the version's lock.
     */
    public Uni<Void> settled(ImageVersion v, List<VersionRegion> regions) {
        String status = LongRunning.statusOf(v.provisioningState);
        if (LongRunning.IN_PROGRESS.equals(status)) {
            return Uni.createFrom().voidItem();
        }
        return Operation.<Operation>list("versionKey = ?1 and status = ?2 and kind <> ?3", v.key,
                LongRunning.IN_PROGRESS, Operation.DELETE).map(ops -> {
                    ops.forEach(op -> end(op, status, regions));
                    return null;
                });
    }

    /**
     * The version was deleted outright while a PUT or PATCH of it still ran: those operations end Canceled, with
     * an error saying why. They stayed InProgress for good (no replication event settles a deleted version), so an
     * SDK's poller never returned and the purge, which keeps running operations, never removed them (a hostile
     * probe). Called in the deletion's transaction, under the version's lock.
     */
    public Uni<Void> writesEndedByDeletion(String versionKey) {
        return Operation.<Operation>list("versionKey = ?1 and status = ?2 and kind <> ?3", versionKey,
                LongRunning.IN_PROGRESS, Operation.DELETE).map(ops -> {
                    for (Operation op : ops) {
                        op.status = LongRunning.CANCELED;
                        op.endTime = Instant.now();
                        op.errorCode = "GalleryImageVersionDeleted";
                        op.errorMessage = "The version was deleted before this operation ended.";
                    }
                    return null;
                });
    }

    /** One region's replicas of a deleted version are gone: the DELETE that waits for it ends with the last. */
    public Uni<Void> replicaDeleted(Payloads.ReplicaDeleted e) {
        String key = ResourceIds.key(e.versionId());
        return Operation.<Operation>list("versionKey = ?1 and status = ?2 and kind = ?3", key,
                LongRunning.IN_PROGRESS, Operation.DELETE).map(ops -> {
                    for (Operation op : ops) {
                        op.pendingRegions = LongRunning.without(op.pendingRegions, e.region());
                        if (op.pendingRegions.isEmpty()) {
                            op.status = LongRunning.SUCCEEDED;
                            op.endTime = Instant.now();
                        }
                    }
                    return null;
                });
    }

    /** The operation {@code id} of subscription {@code sub} in {@code location}, or null. */
    @WithSession
    public Uni<Operation> find(String sub, String location, String id) {
        if (!LongRunning.wellFormedId(id) || !LongRunning.wellFormedLocation(location)) {
            return Uni.createFrom().nullItem();
        }
        return Operation.<Operation>findById(id.toLowerCase(Locale.ROOT)).map(op -> op != null
                && op.subscriptionId.equalsIgnoreCase(sub) && op.location.equalsIgnoreCase(location) ? op : null);
    }

    private static Operation newOperation(String kind, String key, String versionId, String sub, String location) {
        Operation op = new Operation();
        op.id = UUID.randomUUID().toString();
        op.kind = kind;
        op.versionKey = key;
        op.resourceId = versionId;
        op.subscriptionId = sub.toLowerCase(Locale.ROOT);
        op.location = location.toLowerCase(Locale.ROOT);
        op.startTime = Instant.now();
        return op;
    }

    private static void end(Operation op, String status, List<VersionRegion> regions) {
        op.status = status;
        op.endTime = Instant.now();
        if (LongRunning.FAILED.equals(status)) {
            List<VersionRegion> failed = regions.stream().filter(r -> VersionRegion.FAILED.equals(r.state)).toList();
            op.errorCode = "ReplicationFailed";
            op.errorMessage = LongRunning.failure(failed.stream().map(r -> r.region).toList(),
                    failed.stream().map(r -> r.details == null ? "" : r.details).toList());
        }
    }

}

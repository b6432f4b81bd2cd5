package dev.imagegallery.replication.service;

import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.replication.domain.Blob;
import dev.imagegallery.replication.domain.ReplicaJob;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Turns catalog events into replication jobs (one per version and target region) and records their outcomes with
 * the events billing and the catalog need, in the same transaction as the job's state (outbox).
 */
@ApplicationScoped
public class ReplicationService {
    static final Pattern BLOB_URI = Pattern.compile("^https?://[^/]+/blobs/([a-z0-9]+)/([0-9a-fA-F-]{36})/([^/?#]+)$");

    private final Outbox outbox;

    public ReplicationService(Outbox outbox) {
        this.outbox = outbox;
    }

    /** Plans the jobs of a published version (inside the consumer's transaction). */
    public Uni<Void> plan(Payloads.VersionPublished p) {
        var m = BLOB_URI.matcher(p.sourceBlobUri() == null ? "" : p.sourceBlobUri());
        Uni<Blob> source = m.matches()
                ? Blob.<Blob>findById(Blob.keyOf(m.group(1), m.group(2), m.group(3)))
                : Uni.createFrom().nullItem();
        return source.flatMap(blob -> Multi.createFrom().iterable(p.targetRegions())
                .onItem().transformToUniAndConcatenate(t -> {
                    String id = ReplicaJob.idOf(p.versionId(), t.name());
                    return ReplicaJob.<ReplicaJob>findById(id).flatMap(existing -> {
                        if (existing != null) {
                            return Uni.createFrom().voidItem();
                        }
                        if (blob == null) {
                            return outbox.emit(EventTypes.REPLICA_FAILED, p.versionId(), new Payloads.ReplicaFailed(
                                    p.versionId(), p.subscriptionId(), t.name(), "The source blob '"
                                    + p.sourceBlobUri() + "' does not exist.")).replaceWithVoid();
                        }
                        ReplicaJob j = new ReplicaJob();
                        j.id = id;
                        j.versionId = p.versionId();
                        j.subscriptionId = p.subscriptionId().toLowerCase(Locale.ROOT);
                        j.region = t.name();
                        j.replicaCount = t.regionalReplicaCount();
                        j.storageAccountType = t.storageAccountType();
                        j.sourceRegion = blob.region;
                        j.digest = blob.digest;
                        j.sizeBytes = blob.sizeBytes;
                        j.usedBytes = blob.usedBytes;
                        j.state = ReplicaJob.PENDING;
                        j.updatedAt = Instant.now();
                        return j.persist().replaceWithVoid();
                    });
                }).collect().last().replaceWithVoid());
    }

    /** Stops the jobs of a deleted version (its content is freed by the store's collector). */
    public Uni<Void> versionDeleted(Payloads.VersionDeleted p) {
        return ReplicaJob.update("state = ?1, updatedAt = ?2 where lower(versionId) = ?3", ReplicaJob.DELETED,
                Instant.now(), p.versionId().toLowerCase(Locale.ROOT)).replaceWithVoid();
    }

    /** Records a completed job: the region's replicas are all there and verified. */
    public Uni<Void> completed(ReplicaJob j, long egressBytes) {
        j.state = ReplicaJob.COMPLETED;
        j.updatedAt = Instant.now();
        j.lastError = null;
        Uni<?> egress = egressBytes > 0 && !j.sourceRegion.equals(j.region)
                ? outbox.emit(EventTypes.EGRESS_TRANSFERRED, j.versionId, new Payloads.EgressTransferred(j.versionId,
                j.subscriptionId, j.sourceRegion, j.region, egressBytes, j.updatedAt))
                : Uni.createFrom().voidItem();
        return egress.flatMap(x -> outbox.emit(EventTypes.REPLICA_COMPLETED, j.versionId,
                new Payloads.ReplicaCompleted(j.versionId, j.subscriptionId, j.region, j.replicaCount,
                        j.storageAccountType, "sha256:" + j.digest, j.usedBytes * j.replicaCount,
                        j.sizeBytes * j.replicaCount, j.updatedAt))).replaceWithVoid();
    }

    /** Records a failed attempt: retried with backoff, then reported. */
    public Uni<Void> failed(ReplicaJob j, Throwable failure, int maxAttempts) {
        j.attempts++;
        j.lastError = String.valueOf(failure.getMessage());
        if (j.attempts < maxAttempts) {
            j.updatedAt = Instant.now().plusMillis(500L << Math.min(j.attempts, 6));
            return Uni.createFrom().voidItem();
        }
        j.state = ReplicaJob.FAILED;
        j.updatedAt = Instant.now();
        return outbox.emit(EventTypes.REPLICA_FAILED, j.versionId, new Payloads.ReplicaFailed(j.versionId,
                j.subscriptionId, j.region, "Replication failed after " + j.attempts + " attempts: " + j.lastError))
                .replaceWithVoid();
    }
}

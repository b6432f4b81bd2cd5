package dev.imagegallery.replication.service;

import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.common.security.SubscriptionView;
import dev.imagegallery.common.tracing.EventTracing;
import dev.imagegallery.events.BlobRef;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.replication.config.StoreConfig;
import dev.imagegallery.replication.content.Replicator;
import dev.imagegallery.replication.domain.Blob;
import dev.imagegallery.replication.domain.DisabledVersion;
import dev.imagegallery.replication.domain.ImageContent;
import dev.imagegallery.replication.domain.ReplicaJob;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Turns catalog events into replication jobs (one per version and target region) and records their progress and
 * outcomes with the events billing and the catalog need, in the same transaction as the job's state (outbox).
 */
@ApplicationScoped
public class ReplicationService {

    /** Thrown from a checkpoint when the job is no longer pending (deleted meanwhile): stops the copy. */
    public static final class JobGone extends RuntimeException {
        JobGone(String id) {
            super("job " + id + " is no longer pending");
        }
    }

    private final Outbox outbox;
    private final StoreConfig config;

    private final Counter copiesFull;

    public ReplicationService(Outbox outbox, StoreConfig config, MeterRegistry registry) {
        this.outbox = outbox;
        this.config = config;
        this.copiesFull = StorageFull.counter(registry, "copy");
    }

    /** The ref naming a version's content in a replica store. */
    public static String versionRef(String versionId) {
        return "version:" + versionId.toLowerCase(Locale.ROOT);
    }

    /**
     * Plans the jobs of a published version (inside the consumer's transaction). The version's tenant (from the event,
     * else the subscription's) must own the source blob: content never moves from one tenant's stores to another's,
     * whatever blob URI the catalog hands over.
     */
    public Uni<Void> plan(Payloads.VersionPublished p) {
        return tenantOf(p.tenantId(), p.subscriptionId())
                .flatMap(tenant -> content(p, tenant).flatMap(content -> plan(p, tenant, content)));
    }

    /** The tenant an event names, else its subscription's (null: unknown). */
    static Uni<String> tenantOf(String tenantId, String subscriptionId) {
        return tenantId != null ? Uni.createFrom().item(tenantId)
                : SubscriptionView.<SubscriptionView>findById(subscriptionId.toLowerCase(Locale.ROOT))
                .map(sv -> sv == null ? null : sv.tenantId);
    }

    /**
     * What the version's regions copy: what it holds already ({@link #held}), else what the version it was made from
     * holds, else, for a version of a managed image that recorded its content ({@code sourceDigest}), that content:
     * in its blob still, or kept for the image ({@link ImageContents}; {@link Content#REPLACED} when neither holds it),
     * else its source blob's content; the version's tenant must own the blob; null: nothing to copy.
     */
    private static Uni<Content> content(Payloads.VersionPublished p, String tenant) {
        BlobRef src = p.sourceBlob();
        return held(p.versionId(), tenant)
                .flatMap(held -> held != null || p.sourceVersionId() == null ? Uni.createFrom().item(held)
                        : held(p.sourceVersionId(), tenant))
                .flatMap(held -> held != null || src == null || tenant == null ? Uni.createFrom().item(held)
                        : Blob.<Blob>findById(Blob.keyOf(src.region(), src.subscriptionId(), src.name()))
                        .flatMap(b -> {
                            if (b != null && !tenant.equals(b.tenantId)) {
                                return Uni.createFrom().nullItem(); // never another tenant's content
                            }
                            if (p.sourceDigest() == null || b != null && p.sourceDigest().equalsIgnoreCase(b.digest)) {
                                return Uni.createFrom().item(b == null ? null : Content.of(b));
                            }
                            return ImageContent.<ImageContent>find("tenantId = ?1 and digest = ?2 and region = ?3",
                                            tenant, p.sourceDigest().toLowerCase(Locale.ROOT), src.region())
                                    .firstResult().map(ic -> ic == null ? Content.REPLACED : Content.of(ic));
                        }));
    }

    /** What a version's regions copy: its source blob's content when it was published, and where it was. */
    private record Content(String region, String digest, long sizeBytes, Long usedBytes) {
        /** Neither the source blob nor the managed image the version was made from holds the image's content. */
        static final Content REPLACED = new Content(null, null, 0, null);

        static Content of(Blob b) {
            return new Content(b.region, b.digest, b.sizeBytes, b.usedBytes);
        }

        static Content of(ImageContent ic) {
            return new Content(ic.region, ic.digest, ic.sizeBytes, ic.usedBytes);
        }

        boolean replaced() {
            return this == REPLACED;
        }

        static Content of(ReplicaJob j) {
            return new Content(j.sourceRegion, j.digest, j.sizeBytes == null ? 0 : j.sizeBytes, j.usedBytes);
        }
    }

    /**
     * The content a version's regions already hold (a job that is not deleted), or null for a version published now:
     * a region added later (VersionTargetRegionsChanged, which names the source blob again) is copied from it, not
     * from what the blob holds by then. Before, it took the blob's content of the moment: a blob uploaded again gave
     * the new region other bytes than the version's other regions, and a deleted one failed it ("does not exist")
     * though the version's content was in the stores. A version made from another version
     * ({@code VersionPublished.sourceVersionId}) is copied from that version's content in the same way.
     */
    private static Uni<Content> held(String versionId, String tenant) {
        if (tenant == null) {
            return Uni.createFrom().nullItem();
        }
        return ReplicaJob.<ReplicaJob>find("lower(versionId) = ?1 and state <> ?2 and tenantId = ?3 order by id",
                        versionId.toLowerCase(Locale.ROOT), ReplicaJob.DELETED, tenant).firstResult()
                .map(j -> j == null ? null : Content.of(j));
    }

    private Uni<Void> plan(Payloads.VersionPublished p, String tenant, Content content) {
        return Multi.createFrom().iterable(p.targetRegions())
                .onItem().transformToUniAndConcatenate(t -> {
                    String id = ReplicaJob.idOf(p.versionId(), t.name());
                    return ReplicaJob.<ReplicaJob>findById(id, LockModeType.PESSIMISTIC_WRITE).flatMap(existing -> {
                        // a job of a deleted version is planned again when the version is published again, even
                        // before the worker purged its replicas (it was skipped, and the new version stayed Creating
                        // for good): the worker never copies and purges one job at once, and a purge that finds the
                        // job planned again leaves it to the copy, which writes the version's refs again
                        if (existing != null && !ReplicaJob.DELETED.equals(existing.state)) {
                            if (existing.replicaCount != t.regionalReplicaCount()) {
                                return recount(existing, t.regionalReplicaCount());
                            }
                            return Uni.createFrom().voidItem();
                        }
                        if (content == null) {
                            return outbox.emit(EventTypes.REPLICA_FAILED, p.versionId(), new Payloads.ReplicaFailed(
                                    p.versionId(), p.subscriptionId(), t.name(), p.sourceBlob() == null
                                    ? "The source blob does not exist." : "The source blob '"
                                    + p.sourceBlob().uri() + "' does not exist.")).replaceWithVoid();
                        }
                        if (content.replaced()) {
                            return outbox.emit(EventTypes.REPLICA_FAILED, p.versionId(), new Payloads.ReplicaFailed(
                                    p.versionId(), p.subscriptionId(), t.name(), "The managed image's content (sha256:"
                                    + p.sourceDigest() + ") is no longer held: its blob '" + p.sourceBlob().uri()
                                    + "' was uploaded again or deleted before the image's content was kept."))
                                    .replaceWithVoid();
                        }
                        if (p.shallow() && (!t.name().equals(content.region()) || t.regionalReplicaCount() != 1)) {
                            // catalog-service allows no such version; an event that names one is not copied in full
                            return outbox.emit(EventTypes.REPLICA_FAILED, p.versionId(), new Payloads.ReplicaFailed(
                                    p.versionId(), p.subscriptionId(), t.name(), "A Shallow version has one replica "
                                    + "in its source's region '" + content.region() + "', where it references the "
                                    + "source content; it is not copied to '" + t.name() + "' ("
                                    + t.regionalReplicaCount() + " replica(s)).")).replaceWithVoid();
                        }
                        ReplicaJob j = existing == null ? new ReplicaJob() : existing;
                        j.id = id;
                        j.versionId = p.versionId();
                        j.subscriptionId = p.subscriptionId().toLowerCase(Locale.ROOT);
                        j.tenantId = tenant;
                        j.region = t.name();
                        j.replicaCount = t.regionalReplicaCount();
                        j.storageAccountType = t.storageAccountType();
                        j.sourceRegion = content.region();
                        j.digest = content.digest();
                        j.sizeBytes = content.sizeBytes();
                        j.usedBytes = content.usedBytes();
                        j.replicationMode = p.shallow() ? ReplicaJob.SHALLOW : ReplicaJob.FULL;
                        j.state = ReplicaJob.PENDING;
                        j.attempts = 0;
                        j.lastError = null;
                        j.startOver();
                        j.progress = 0;
                        j.purged = false;
                        j.updatedAt = Instant.now();
                        j.traceparent = EventTracing.currentTraceparent(); // the consumer's span: the copy goes on
                        return j.persist().replaceWithVoid();
                    });
                }).collect().last().replaceWithVoid();
    }

    /**
     * A region's replica count changed (a PATCH of the version's target regions): the job copies again, to the new
     * count, and reports {@code ReplicaCompleted} with it. The copy verifies the replicas there already (their chunks
     * are not moved again). A copy running meanwhile finishes its pass and the job stays pending until it has all of
     * them ({@link #completed}). Before, the change was ignored: catalog-service showed the region queued forever.
     * Replicas past a lower count lose the version's ref when the copy completes ({@code ReplicationWorker.trim}).
     */
    private Uni<Void> recount(ReplicaJob j, int replicas) {
        Log.infof("%s in %s: %d replica(s) now, %d before; copying again", j.versionId, j.region, replicas,
                j.replicaCount);
        boolean running = ReplicaJob.PENDING.equals(j.state);
        j.replicaCount = replicas;
        j.state = ReplicaJob.PENDING;
        j.attempts = 0;
        j.lastError = null;
        if (!running) {
            j.startOver();
        }
        j.progress = 0;
        j.updatedAt = Instant.now();
        j.traceparent = EventTracing.currentTraceparent();
        return j.persist().replaceWithVoid();
    }

    /** Target regions changed: new regions are planned, removed ones lose their replicas. */
    public Uni<Void> targetRegionsChanged(Payloads.VersionTargetRegionsChanged p) {
        Uni<Void> planned = plan(new Payloads.VersionPublished(p.versionId(), p.subscriptionId(), p.tenantId(),
                p.sourceBlob(), 0, p.targetRegions()));
        List<String> removed = p.removedRegions() == null ? List.of() : p.removedRegions();
        return planned.flatMap(x -> Multi.createFrom().iterable(removed)
                .onItem().transformToUniAndConcatenate(r -> ReplicaJob.<ReplicaJob>findById(
                        ReplicaJob.idOf(p.versionId(), r), LockModeType.PESSIMISTIC_WRITE)
                        .flatMap(j -> j == null ? Uni.createFrom().voidItem()
                        : delete(j)))
                .collect().last().replaceWithVoid());
    }

    /**
     * Deletes every region's replicas of a version: one ReplicaDeleted per region; the stores are purged after. The
     * jobs are locked (in id order) as the worker locks the one it reports on ({@link #checkpoint}, {@link #completed},
     * {@link #failed}): each writes the whole row, so a copy that read its job before the deletion and saved after it
     * set it back to Pending or Completed (a deleted version's replica kept and billed for good).
     */
    public Uni<Void> versionDeleted(Payloads.VersionDeleted p) {
        // a version made again under the id starts served
        return softDeleted(new Payloads.VersionSoftDeleted(p.versionId(), p.subscriptionId(), false))
                .chain(() -> ReplicaJob.<ReplicaJob>find("lower(versionId) = ?1 order by id",
                        p.versionId().toLowerCase(Locale.ROOT))
                .withLock(LockModeType.PESSIMISTIC_WRITE).list()
                .flatMap(jobs -> Multi.createFrom().iterable(jobs).onItem().transformToUniAndConcatenate(this::delete)
                        .collect().last().replaceWithVoid()));
    }

    private Uni<Void> delete(ReplicaJob j) {
        if (ReplicaJob.DELETED.equals(j.state)) {
            return Uni.createFrom().voidItem();
        }
        j.state = ReplicaJob.DELETED;
        j.purged = false;
        j.updatedAt = Instant.now();
        return outbox.emit(EventTypes.REPLICA_DELETED, j.versionId, new Payloads.ReplicaDeleted(j.versionId,
                j.subscriptionId, j.region, j.replicaCount, j.updatedAt)).replaceWithVoid();
    }

    /**
     * Saves a copy's checkpoint and, when {@code report} ({@link ProgressReports}), reports its progress in the same
     * transaction.
     */
    public Uni<Void> checkpoint(String jobId, Replicator.Checkpoint c, boolean report) {
        return ReplicaJob.<ReplicaJob>findById(jobId, LockModeType.PESSIMISTIC_WRITE).flatMap(j -> {
            if (j == null || !ReplicaJob.PENDING.equals(j.state)) {
                return Uni.createFrom().failure(new JobGone(jobId));
            }
            j.progressReplica = c.replica();
            j.verifiedEntries = c.verified();
            j.countedEntries = c.counted();
            j.egressBySource = formatEgress(c.egressBySource());
            j.copiedBytes = c.copiedBytes();
            j.progress = c.percent();
            if (!report) {
                return Uni.createFrom().voidItem();
            }
            return outbox.emit(EventTypes.REPLICA_PROGRESS, j.versionId, new Payloads.ReplicaProgress(j.versionId,
                    j.subscriptionId, j.region, c.percent(), c.copiedBytes(), Instant.now())).replaceWithVoid();
        });
    }

    public static Replicator.Checkpoint resumeOf(ReplicaJob j) {
        return new Replicator.Checkpoint(j.progressReplica, j.verifiedEntries, j.countedEntries,
                parseEgress(j.egressBySource), j.copiedBytes, j.progress);
    }

    static String formatEgress(Map<String, Long> egress) {
        return new TreeMap<>(egress).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    static Map<String, Long> parseEgress(String s) {
        Map<String, Long> m = new TreeMap<>();
        if (s != null && !s.isBlank()) {
            for (String kv : s.split(",")) {
                String[] p = kv.split("=");
                m.put(p[0], Long.parseLong(p[1]));
            }
        }
        return m;
    }

    /** Records a completed job: the region's replicas are all there and verified; egress once per source region. */
    public Uni<Void> completed(String jobId, Replicator.Checkpoint done, long physicalBytesPerReplica) {
        return ReplicaJob.<ReplicaJob>findById(jobId, LockModeType.PESSIMISTIC_WRITE).flatMap(j -> {
            if (j == null || !ReplicaJob.PENDING.equals(j.state)) {
                return Uni.createFrom().voidItem();
            }
            if (done.replica() < j.replicaCount) {
                // the count went up while this pass copied: the next pass goes on from the replicas it has
                j.progressReplica = done.replica();
                j.verifiedEntries = 0;
                j.countedEntries = 0;
                j.updatedAt = Instant.now();
                return Uni.createFrom().voidItem();
            }
            j.state = ReplicaJob.COMPLETED;
            j.updatedAt = Instant.now();
            j.lastError = null;
            j.progress = 100;
            j.progressReplica = done.replica();
            j.egressBySource = formatEgress(done.egressBySource());
            j.copiedBytes = done.copiedBytes();
            j.physicalBytes = physicalBytesPerReplica;
            Instant at = j.updatedAt;
            return Multi.createFrom().iterable(new TreeMap<>(done.egressBySource()).entrySet())
                    .filter(e -> e.getValue() > 0 && !e.getKey().equals(j.region))
                    .onItem().transformToUniAndConcatenate(e -> outbox.emit(EventTypes.EGRESS_TRANSFERRED,
                            j.versionId, new Payloads.EgressTransferred(j.versionId, j.subscriptionId, e.getKey(),
                                    j.region, e.getValue(), at)))
                    .collect().asList()
                    .flatMap(x -> outbox.emit(EventTypes.REPLICA_COMPLETED, j.versionId,
                            new Payloads.ReplicaCompleted(j.versionId, j.subscriptionId, j.region, j.replicaCount,
                                    j.storageAccountType, "sha256:" + j.digest, physicalBytesPerReplica,
                                    j.sizeBytes, at)))
                    .replaceWithVoid();
        });
    }

    /**
     * Records a failed attempt: retried with backoff (progress kept), then reported. Answers when the retry is due, or
     * null when there is none (the job failed for good, or is no longer pending).
     */
    public Uni<Instant> failed(String jobId, Throwable failure) {
        return ReplicaJob.<ReplicaJob>findById(jobId, LockModeType.PESSIMISTIC_WRITE).flatMap(j -> {
            if (j == null || !ReplicaJob.PENDING.equals(j.state)) {
                return Uni.createFrom().nullItem();
            }
            j.lastError = String.valueOf(failure.getMessage());
            if (StorageFull.is(failure)) {
                // the target's disk is full: what the copy wrote was discarded with its session, its checkpoint
                // stands; it is tried again when space may have returned, and never reported Failed for it
                j.lastError = "InsufficientStorage: " + j.lastError;
                copiesFull.increment();
                j.updatedAt = Instant.now().plus(config.storageFullRetry());
                return Uni.createFrom().item(j.updatedAt);
            }
            j.attempts++;
            if (j.attempts < config.maxAttempts()) {
                j.updatedAt = Instant.now().plusMillis(config.retryBaseMillis() << Math.min(j.attempts - 1, 6));
                return Uni.createFrom().item(j.updatedAt);
            }
            j.state = ReplicaJob.FAILED;
            j.updatedAt = Instant.now();
            return outbox.emit(EventTypes.REPLICA_FAILED, j.versionId, new Payloads.ReplicaFailed(j.versionId,
                    j.subscriptionId, j.region, "Replication failed after " + j.attempts + " attempts: "
                    + j.lastError)).map(x -> (Instant) null);
        });
    }

    /** Marks a deleted job's replicas as removed from the stores. */
    public Uni<Void> purged(String jobId) {
        return ReplicaJob.update("purged = true where id = ?1 and state = ?2", jobId, ReplicaJob.DELETED)
                .replaceWithVoid();
    }

    /**
     * A Disabled version's content is not served (until it is re-enabled); Active and Deprecated ones are. Enabling
     * deletes the row with one bulk query, never {@code entity.delete()}: Hibernate Reactive 3.2 shares one delete
     * coordinator per entity type across sessions, so concurrent entity deletes cross sessions (HR000069, hangs,
     * transactions left open; quarkus#41945).
     */
    /** A version soft-deleted (served to nobody) or restored; its replicas stay either way. */
    public Uni<Void> softDeleted(Payloads.VersionSoftDeleted e) {
        String key = e.versionId().toLowerCase(Locale.ROOT);
        return Panache.getSession().flatMap(s -> (e.deleted()
                ? s.createNativeQuery("INSERT INTO soft_deleted_version (version_key, deleted_at) VALUES (:key, now()) "
                + "ON CONFLICT DO NOTHING")
                : s.createNativeQuery("DELETE FROM soft_deleted_version WHERE version_key = :key"))
                .setParameter("key", key).executeUpdate()).replaceWithVoid();
    }

    public Uni<Void> lifecycleChanged(Payloads.VersionLifecycleChanged e) {
        String key = e.versionId().toLowerCase(Locale.ROOT);
        if (!"Disabled".equals(e.state())) {
            return DisabledVersion.delete("versionKey", key).replaceWithVoid();
        }
        return DisabledVersion.<DisabledVersion>findById(key).flatMap(existing -> {
            if (existing != null) {
                existing.replacementVersion = e.replacementVersion();
                return Uni.createFrom().voidItem();
            }
            var d = new DisabledVersion();
            d.versionKey = key;
            d.replacementVersion = e.replacementVersion();
            d.disabledAt = Instant.now();
            return d.persist().replaceWithVoid();
        });
    }
}

package dev.imagegallery.replication.service;

import dev.imagegallery.common.tracing.EventTracing;
import dev.imagegallery.replication.config.StoreConfig;
import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.content.Replicator;
import dev.imagegallery.replication.content.TenantStores;
import dev.imagegallery.replication.domain.ReplicaJob;
import dev.imagegallery.replication.store.Manifest;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs pending replication jobs, at most {@code max-concurrent-copies-per-region} per target region at a time, each
 * on a copier thread: the {@link Replicator} moves the chunks each replica store lacks and saves checkpoints on the
 * job row, so a crash or a failed attempt resumes where it stopped. Also removes deleted versions from the stores and
 * collects the chunks nothing references any more.
 */
@ApplicationScoped
public class ReplicationWorker {
    private final TenantStores stores;
    private final Replicator replicator;
    private final ReplicationService replication;
    private final StoreConfig config;
    /** Told on the copier thread when a copy starts and when it has ended (a test seam, and a place for metrics). */
    public interface CopyListener {
        void started(String region, String versionId);

        void finished(String region, String versionId);
    }

    private static final CopyListener SILENT = new CopyListener() {
        @Override
        public void started(String region, String versionId) {
        }

        @Override
        public void finished(String region, String versionId) {
        }
    };

    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private volatile CopyListener listener = SILENT;
    private final Map<String, AtomicInteger> perRegion = new ConcurrentHashMap<>();
    private final ExecutorService copiers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "replica-copier");
        t.setDaemon(true);
        return t;
    });

    public ReplicationWorker(TenantStores stores, Replicator replicator, ReplicationService replication,
                             StoreConfig config) {
        this.stores = stores;
        this.replicator = replicator;
        this.replication = replication;
        this.config = config;
    }

    public void listener(CopyListener l) {
        this.listener = l == null ? SILENT : l;
    }

    void stop(@Observes ShutdownEvent e) {
        copiers.shutdownNow();
    }

    @Scheduled(every = "${gallery.store.poll-interval:1s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> tick() {
        return Panache.withSession(() -> ReplicaJob.<ReplicaJob>list(
                        "(state = ?1 and updatedAt <= ?2) or (state = ?3 and purged = false) order by updatedAt",
                        ReplicaJob.PENDING, Instant.now(), ReplicaJob.DELETED))
                .invoke(this::dispatch)
                .replaceWithVoid()
                .onFailure().recoverWithUni(e -> {
                    Log.warnf("replication round failed: %s", e.getMessage());
                    return Uni.createFrom().voidItem();
                });
    }

    private void dispatch(List<ReplicaJob> jobs) {
        for (ReplicaJob j : jobs) {
            if (running.contains(j.id)) {
                continue;
            }
            if (ReplicaJob.DELETED.equals(j.state)) {
                running.add(j.id);
                copiers.execute(() -> purge(j.id, j.tenantId, j.versionId, j.region));
                continue;
            }
            AtomicInteger busy = perRegion.computeIfAbsent(j.region, r -> new AtomicInteger());
            if (busy.incrementAndGet() > config.maxConcurrentCopiesPerRegion()) {
                busy.decrementAndGet();
                continue;
            }
            running.add(j.id);
            CopyListener told = listener;
            copiers.execute(() -> {
                try {
                    told.started(j.region, j.versionId);
                    run(j.id);
                } finally {
                    told.finished(j.region, j.versionId); // before the slot frees: never seen above the limit
                    busy.decrementAndGet();
                    running.remove(j.id);
                }
            });
        }
    }

    /** The number of copies running now into {@code region}. */
    public int copying(String region) {
        AtomicInteger n = perRegion.get(region);
        return n == null ? 0 : n.get();
    }

    void run(String id) {
        ReplicaJob j = await(() -> Panache.withSession(() -> ReplicaJob.<ReplicaJob>findById(id)));
        if (j == null || !ReplicaJob.PENDING.equals(j.state)) {
            return;
        }
        // the copy is a span of the trace of the event that planned it; its checkpoints and its outcome (the events
        // ReplicaCompleted, ReplicaFailed) are written in it
        Context planned = EventTracing.contextOf(j.traceparent, null);
        Span copy = EventTracing.isTraced(planned) ? EventTracing.start("replicate " + j.region, planned) : null;
        Context trace = copy == null ? Context.root() : planned.with(copy);
        try (Scope ignored = trace.makeCurrent()) {
            if (j.tenantId == null) {
                throw new IOException("the job names no tenant (from before tenant namespaces, with an unknown "
                        + "subscription): its content cannot be found");
            }
            RegionStores own = stores.of(j.tenantId);
            Manifest m = sourceManifest(own, j).orElseThrow(() -> new IOException("the source content sha256:"
                    + j.digest + " is missing in " + j.sourceRegion));
            Replicator.Checkpoint done = replicator.replicate(own, m, j.region, j.replicaCount,
                    ReplicationService.versionRef(j.versionId), ReplicationService.resumeOf(j),
                    c -> await(EventTracing.within(trace,
                            () -> Panache.withTransaction(() -> replication.checkpoint(id, c)))));
            await(EventTracing.within(trace,
                    () -> Panache.withTransaction(() -> replication.completed(id, done, m.uniqueBytes()))));
            Log.infof("replicated %s to %s (%d replicas, %s moved in, %d bytes written)", j.versionId, j.region,
                    j.replicaCount, done.egressBySource(), done.copiedBytes());
        } catch (ReplicationService.JobGone gone) {
            Log.infof("stopped copying %s to %s: deleted", j.versionId, j.region);
        } catch (Exception | Error e) {
            Throwable cause = e.getCause() instanceof ReplicationService.JobGone ? e.getCause() : e;
            if (cause instanceof ReplicationService.JobGone) {
                return;
            }
            Log.warnf("replicating %s to %s failed: %s", j.versionId, j.region, e.toString());
            await(EventTracing.within(trace, () -> Panache.withTransaction(() -> replication.failed(id, e))));
            if (copy != null) {
                EventTracing.end(copy, e);
            }
        } finally {
            if (copy != null) {
                copy.end(); // a second end (after a failure) is ignored
            }
        }
    }

    /** The content to copy: the source region's manifest, else any store's (of the job's tenant). */
    private static Optional<Manifest> sourceManifest(RegionStores stores, ReplicaJob j) throws IOException {
        for (int r = 0; r < Math.max(1, stores.replicas(j.sourceRegion)); r++) {
            Optional<Manifest> m = stores.store(j.sourceRegion, r).manifest(j.digest);
            if (m.isPresent()) {
                return m;
            }
        }
        for (var s : stores.sourcesFor(j.sourceRegion, 0)) {
            Optional<Manifest> m = s.manifest(j.digest);
            if (m.isPresent()) {
                return m;
            }
        }
        return Optional.empty();
    }

    /** Drops a deleted version's refs from the region's stores and collects what nothing references any more. */
    void purge(String id, String tenantId, String versionId, String region) {
        try {
            RegionStores own = tenantId == null ? null : stores.of(tenantId);
            for (int r = 0; own != null && r < own.replicas(region); r++) {
                var store = own.store(region, r);
                store.deleteRef(ReplicationService.versionRef(versionId));
                var gc = store.collect();
                Log.infof("purged %s from %s: %s", versionId, store, gc);
            }
            await(() -> Panache.withTransaction(() -> replication.purged(id)));
        } catch (Exception e) {
            Log.warnf("purging %s from %s failed (retried): %s", versionId, region, e.toString());
        } finally {
            running.remove(id);
        }
    }

    static <T> T await(Supplier<Uni<T>> work) {
        try {
            return VertxContextSupport.subscribeAndAwait(work);
        } catch (Throwable e) {
            if (e instanceof RuntimeException re) {
                throw re;
            }
            if (e instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e);
        }
    }
}

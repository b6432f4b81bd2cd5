package dev.imagegallery.replication.service;

import dev.imagegallery.common.log.FailureStreak;
import dev.imagegallery.common.outbox.OutboxRelay;
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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Runs pending replication jobs, each on a copier thread: the {@link Replicator} moves the chunks each replica store
 * lacks and saves checkpoints on the job row, so a crash or a failed attempt resumes where it stopped. Also removes
 * deleted versions from the stores and collects the chunks nothing references any more.
 *
 * <p>A job starts when it is planned: the consumer {@linkplain #wake() wakes} the worker after the transaction that
 * wrote it, a copy that ends wakes it for the jobs waiting behind it, and a failed attempt wakes it when its retry is
 * due. The poll ({@code gallery.store.poll-interval}) is only the fallback (jobs of before a restart, another
 * instance's). What runs into one region at once is bounded in bytes in flight ({@link CopyBudget}), so small copies
 * never wait for a big one. The events a copy writes (checkpoints, the outcome) leave at once: the outbox relay is
 * woken after each of its transactions.
 */
@ApplicationScoped
public class ReplicationWorker {
    /**
     * Pending (and deleted) jobs one look takes, oldest first: more than the copies a look can start into a few
     * regions; the next look, when one of them ends, takes the next. (A look is made after every copy in a burst.)
     */
    static final int ROUND = 256;

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
    private final Map<String, CopyBudget> budgets = new ConcurrentHashMap<>();
    private final ExecutorService copiers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "replica-copier");
        t.setDaemon(true);
        return t;
    });
    /** Looks for work one look at a time (a look reads the job table and hands jobs to copier threads). */
    private final ScheduledExecutorService looker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "replica-dispatch");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean looking = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    /** A look after a failed one is scheduled: the one retry of a failing round, however many wakes came meanwhile. */
    private final AtomicBoolean retrying = new AtomicBoolean();

    public ReplicationWorker(TenantStores stores, Replicator replicator, ReplicationService replication,
                             StoreConfig config) {
        this.stores = stores;
        this.replicator = replicator;
        this.replication = replication;
        this.config = config;
    }

    /** Rounds fail several times a second while PostgreSQL is away: logged once, then once a minute. */
    private final FailureStreak failures = new FailureStreak("replication round", Duration.ofMinutes(1),
            ReplicationWorker.class);

    public void listener(CopyListener l) {
        this.listener = l == null ? SILENT : l;
    }

    void stop(@Observes ShutdownEvent e) {
        looker.shutdownNow();
        copiers.shutdownNow();
    }

    /** The fallback: jobs nobody woke the worker for (planned before a restart, or by another instance). */
    @Scheduled(every = "${gallery.store.poll-interval:1s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (!retrying.get()) { // a failed round's retry is due within the second
            wake();
        }
    }

    /**
     * Looks for pending and deleted jobs now, or right after the look under way (several wakes during one look make one
     * more look). Call after a transaction that planned or deleted jobs has committed, from any thread.
     */
    public void wake() {
        if (!looking.compareAndSet(false, true)) {
            again.set(true);
            return;
        }
        try {
            looker.execute(this::look);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            looking.set(false); // shutting down
        }
    }

    private void look() {
        boolean failed = false;
        try {
            again.set(false);
            // deleted jobs and pending ones each up to a round: purges that keep failing never hide pending jobs
            dispatch(await(() -> Panache.withSession(() -> ReplicaJob.<ReplicaJob>find(
                            "state = ?1 and purged = false order by updatedAt", ReplicaJob.DELETED)
                    .range(0, ROUND - 1).list()
                    .flatMap(deleted -> ReplicaJob.<ReplicaJob>find("state = ?1 and updatedAt <= ?2 order by updatedAt",
                                    ReplicaJob.PENDING, Instant.now())
                            .range(0, ROUND - 1).list()
                            .map(pending -> {
                                List<ReplicaJob> all = new java.util.ArrayList<>(deleted);
                                all.addAll(pending);
                                return all;
                            })))));
            failures.succeeded();
        } catch (RuntimeException | Error e) {
            failures.failed(e);
            failed = true;
            // one retry in a second, not one more per failure: each failed look scheduled a retry of its own and
            // went again at once for any wake that came during it, so a database outage made more looks every
            // second it lasted (286 in 31 s)
            if (retrying.compareAndSet(false, true)) {
                try {
                    looker.schedule(() -> {
                        retrying.set(false);
                        wake();
                    }, 1, TimeUnit.SECONDS);
                } catch (java.util.concurrent.RejectedExecutionException stopped) {
                    retrying.set(false); // shutting down
                }
            }
        } finally {
            looking.set(false);
            if (!failed && again.get()) {
                wake();
            }
        }
    }

    /** Wakes the worker after {@code delay} (a retry that is due then). */
    private void wakeIn(Duration delay) {
        try {
            looker.schedule(this::wake, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            // shutting down
        }
    }

    /** The budget of bytes in flight of copies into {@code region}. */
    private CopyBudget budget(String region) {
        return budgets.computeIfAbsent(region, r -> new CopyBudget(config.maxCopyBytesInFlightPerRegion(),
                config.maxConcurrentCopiesPerRegion()));
    }

    /** What a job's copy may move into each replica: its content's non-zero bytes (its size when unknown). */
    static long bytesOf(ReplicaJob j) {
        if (j.shallow()) {
            return 0; // moves nothing: a small copy, never queued behind a big one
        }
        return j.usedBytes != null ? j.usedBytes : j.sizeBytes != null ? j.sizeBytes : Long.MAX_VALUE;
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
            CopyBudget.Lease lease = budget(j.region).take(bytesOf(j));
            if (lease == null) {
                continue; // the region's budget is taken: the copy that ends first wakes the worker again
            }
            running.add(j.id);
            CopyListener told = listener;
            try {
                copiers.execute(() -> {
                    try {
                        told.started(j.region, j.versionId);
                        run(j.id);
                    } finally {
                        told.finished(j.region, j.versionId); // before the room frees: never seen above the limit
                        lease.close();
                        running.remove(j.id);
                        wake(); // the jobs waiting for this room
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                lease.close();
                running.remove(j.id);
            }
        }
    }

    /** The number of copies running now into {@code region}. */
    public int copying(String region) {
        CopyBudget b = budgets.get(region);
        return b == null ? 0 : b.copies();
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
            if (j.shallow()) {
                // a reference to the source content where it is, checked whole; the same outcome events as a copy
                Manifest m = replicator.reference(own, j.region, j.digest, ReplicationService.versionRef(j.versionId));
                Replicator.Checkpoint done = new Replicator.Checkpoint(1, 0, 0, Map.of(), 0, 100);
                await(EventTracing.within(trace,
                        () -> Panache.withTransaction(() -> replication.completed(id, done, m.uniqueBytes()))));
                OutboxRelay.wakeAll();
                Log.infof("referenced %s's content in %s (Shallow: nothing copied)", j.versionId, j.region);
                return;
            }
            Manifest m = sourceManifest(own, j).orElseThrow(() -> new IOException("the source content sha256:"
                    + j.digest + " is missing in " + j.sourceRegion));
            ProgressReports reports = new ProgressReports(System.nanoTime());
            Replicator.Checkpoint done = replicator.replicate(own, m, j.region, j.replicaCount,
                    ReplicationService.versionRef(j.versionId), ReplicationService.resumeOf(j),
                    c -> {
                        boolean report = reports.report(c.percent(), System.nanoTime());
                        await(EventTracing.within(trace,
                                () -> Panache.withTransaction(() -> replication.checkpoint(id, c, report))));
                        if (report) {
                            OutboxRelay.wakeAll(); // its ReplicaProgress leaves now, not at the relay's next poll
                        }
                    });
            trim(own, j.versionId, j.region, j.replicaCount);
            await(EventTracing.within(trace,
                    () -> Panache.withTransaction(() -> replication.completed(id, done, m.uniqueBytes()))));
            OutboxRelay.wakeAll();
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
            Instant retry = await(EventTracing.within(trace,
                    () -> Panache.withTransaction(() -> replication.failed(id, e))));
            OutboxRelay.wakeAll();
            if (retry != null) {
                wakeIn(Duration.between(Instant.now(), retry)); // the retry starts when it is due, not at a poll
            }
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

    /**
     * Drops the version's refs from the region's replicas past {@code replicaCount} (a count lowered by a PATCH), and
     * collects what nothing references there any more, before the region is reported complete with that count: they
     * kept their copy until the version was deleted, disk the region no longer billed. Idempotent (a copy that
     * crashed after it trims again).
     */
    static void trim(RegionStores own, String versionId, String region, int replicaCount) throws IOException {
        String ref = ReplicationService.versionRef(versionId);
        for (int r = replicaCount; r < own.replicas(region); r++) {
            var store = own.store(region, r);
            if (store.ref(ref).isPresent()) {
                Log.infof("dropped %s from %s (%d replica(s) now): %s", versionId, store, replicaCount,
                        store.release(ref));
            }
        }
    }

    /** Drops a deleted version's refs from the region's stores and collects what nothing references any more. */
    void purge(String id, String tenantId, String versionId, String region) {
        try {
            RegionStores own = tenantId == null ? null : stores.of(tenantId);
            for (int r = 0; own != null && r < own.replicas(region); r++) {
                var store = own.store(region, r);
                Log.infof("purged %s from %s: %s", versionId, store,
                        store.release(ReplicationService.versionRef(versionId)));
            }
            await(() -> Panache.withTransaction(() -> replication.purged(id)));
            running.remove(id);
            wake(); // a job planned again while it was purged (its version published again) copies now
        } catch (Exception e) {
            Log.warnf("purging %s from %s failed (retried): %s", versionId, region, e.toString());
            wakeIn(Duration.ofSeconds(1)); // not at once: a purge that keeps failing is not retried in a loop
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

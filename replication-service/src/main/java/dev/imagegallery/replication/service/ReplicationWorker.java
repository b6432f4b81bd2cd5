package dev.imagegallery.replication.service;

import dev.imagegallery.replication.config.StoreConfig;
import dev.imagegallery.replication.domain.ReplicaJob;
import dev.imagegallery.replication.store.RegionStores;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * Runs pending replication jobs: copies the content into each replica store of the target region (from the source
 * region into the first replica, then locally), verifying every copy, and records the outcome. Jobs live in the
 * database, so a crash resumes them; copies already verified in a store are not made again.
 */
@ApplicationScoped
public class ReplicationWorker {
    private final RegionStores stores;
    private final ReplicationService replication;
    private final StoreConfig config;
    private final Vertx vertx;

    public ReplicationWorker(RegionStores stores, ReplicationService replication, StoreConfig config, Vertx vertx) {
        this.stores = stores;
        this.replication = replication;
        this.config = config;
        this.vertx = vertx;
    }

    @Scheduled(every = "${gallery.store.poll-interval:1s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> tick() {
        return Panache.withSession(() -> ReplicaJob.<ReplicaJob>list("state = ?1 and updatedAt <= ?2 order by updatedAt",
                        ReplicaJob.PENDING, Instant.now()))
                .flatMap(jobs -> Multi.createFrom().iterable(jobs)
                        .onItem().transformToUniAndConcatenate(this::run)
                        .collect().last())
                .replaceWithVoid()
                .onFailure().recoverWithUni(e -> {
                    Log.warnf("replication round failed: %s", e.getMessage());
                    return Uni.createFrom().voidItem();
                });
    }

    private Uni<Void> run(ReplicaJob job) {
        return vertx.executeBlocking(Uni.createFrom().item(() -> copyAll(job)))
                .onItemOrFailure().transformToUni((egress, failure) -> Panache.withTransaction(() ->
                        ReplicaJob.<ReplicaJob>findById(job.id).flatMap(j -> {
                            if (j == null || !ReplicaJob.PENDING.equals(j.state)) {
                                return Uni.createFrom().voidItem();
                            }
                            if (failure != null) {
                                Log.warnf("replicating %s to %s failed: %s", j.versionId, j.region,
                                        failure.getMessage());
                                return replication.failed(j, failure, config.maxAttempts());
                            }
                            Log.infof("replicated %s to %s (%d replicas, %d bytes crossed regions)", j.versionId,
                                    j.region, j.replicaCount, egress);
                            return replication.completed(j, egress);
                        })));
    }

    /** Copies into every replica of the job's region; answers the bytes that crossed between regions. */
    long copyAll(ReplicaJob j) {
        try {
            long egress = 0;
            if (!stores.has(j.region, 0, j.digest)) {
                if (!stores.has(j.sourceRegion, 0, j.digest)) {
                    throw new IOException("the source content sha256:" + j.digest + " is missing in "
                            + j.sourceRegion);
                }
                long moved = stores.copy(j.sourceRegion, 0, j.region, 0, j.digest);
                if (!j.sourceRegion.equals(j.region)) {
                    egress += moved;
                }
            }
            for (int replica = 1; replica < j.replicaCount; replica++) {
                stores.copy(j.region, 0, j.region, replica, j.digest);
            }
            return egress;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.imagegallery.catalog.service;

import dev.imagegallery.catalog.config.CatalogConfig;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;

/**
 * Deletes the long-running operations of version writes once {@code gallery.catalog.operation-retention} (7 days) has
 * passed since they ended: one row per PUT, PATCH or DELETE that replicated, which nothing else ever removed. In
 * batches, each its own short transaction, so a first run over a large table holds no long lock.
 */
@ApplicationScoped
public class OperationPurger {
    static final int BATCH = 10_000;
    private final Operations operations;
    private final CatalogConfig config;

    public OperationPurger(Operations operations, CatalogConfig config) {
        this.operations = operations;
        this.config = config;
    }

    @Scheduled(every = "${gallery.catalog.purge-interval:1h}", delayed = "45s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> purge() {
        return purgeEndedBefore(Instant.now().minus(config.operationRetention()))
                .invoke(n -> {
                    if (n > 0) {
                        Log.infof("purged %d ended operation(s)", n);
                    }
                })
                .replaceWithVoid()
                .onFailure().recoverWithUni(e -> {
                    Log.warnf("purging ended operations failed: %s", e.getMessage());
                    return Uni.createFrom().voidItem();
                });
    }

    /** Deletes every operation that ended before {@code before}, a batch at a time; answers how many. */
    public Uni<Long> purgeEndedBefore(Instant before) {
        return next(before, 0);
    }

    private Uni<Long> next(Instant before, long done) {
        return operations.purgeEnded(before, BATCH).chain(n -> n < BATCH
                ? Uni.createFrom().item(done + n) : next(before, done + n));
    }
}

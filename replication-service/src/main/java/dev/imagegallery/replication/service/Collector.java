package dev.imagegallery.replication.service;

import dev.imagegallery.replication.content.TenantStores;
import dev.imagegallery.replication.store.ChunkStore;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;

/**
 * Collections on a schedule, beside the ones a deletion runs at once:
 * <ul>
 *   <li>every {@code gallery.store.collect-interval} (1 h) an incremental {@link ChunkStore#collect()} of every store,
 *   which reclaims what no deletion triggered (chunks of writer sessions that ended without a manifest: an upload cut
 *   short, a copy that failed) at a cost proportional to what was journalled since;</li>
 *   <li>every {@code gallery.store.full-collection-interval} (7 d) the full mark and sweep {@link ChunkStore#collectAll()}:
 *   the audit and repair path, which reclaims what a crash leaked (a reference count left too high) and counts every
 *   reference again. It reads every live manifest and walks the whole index, so it runs rarely.</li>
 * </ul>
 */
@ApplicationScoped
public class Collector {
    /** What one run over every store freed. */
    public record Totals(int stores, int failed, long chunksDropped, long bytesFreed, int packsDeleted) {
    }

    private final TenantStores tenants;

    public Collector(TenantStores tenants) {
        this.tenants = tenants;
    }

    @Scheduled(every = "${gallery.store.collect-interval:1h}", delayed = "${gallery.store.collect-interval:1h}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void incremental() {
        Log.infof("scheduled collection: %s", run(false));
    }

    @Scheduled(every = "${gallery.store.full-collection-interval:7d}",
            delayed = "${gallery.store.full-collection-interval:7d}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void full() {
        Log.infof("scheduled full collection: %s", run(true));
    }

    /** One collection of every store of every tenant; a store that fails is logged and the others go on. */
    public Totals run(boolean full) {
        long[] t = new long[5]; // stores, failed, chunks, bytes, packs
        tenants.forEachStore((own, store) -> {
            t[0]++;
            try {
                ChunkStore.GcResult gc = full ? store.collectAll() : store.collect();
                t[2] += gc.chunksDropped();
                t[3] += gc.bytesFreed();
                t[4] += gc.packsDeleted();
            } catch (IOException | RuntimeException e) {
                t[1]++;
                Log.warnf("collecting %s failed (the next run tries again): %s", store, e.toString());
            }
        });
        return new Totals((int) t[0], (int) t[1], t[2], t[3], (int) t[4]);
    }
}

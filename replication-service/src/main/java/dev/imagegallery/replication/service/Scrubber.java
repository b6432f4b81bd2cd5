package dev.imagegallery.replication.service;

import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.content.TenantStores;
import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.Manifest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

import dev.imagegallery.replication.config.StoreConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Verifies the replica stores in rolling slices: each scheduled run reads, in every store, what was committed since the
 * last run and {@code scrub-interval / scrub-period} of the rest from where the last run stopped (the store keeps the
 * cursor), so every chunk is read once per {@code gallery.store.scrub-period}; and it checks that the chunks of the
 * manifests stored since, plus the same fraction of the live ones, are there. {@link #scrubAll()} reads everything at
 * once. A corrupt or missing chunk is rewritten from the nearest good copy in another replica or region, announced as
 * {@code ChunkRepaired} and counted in {@code gallery.replication.chunks.repaired}.
 */
@ApplicationScoped
public class Scrubber {
    /** What one scrub found. */
    public record Report(long chunksChecked, int repaired, int unrepairable, long bytesRead) {
    }

    private final TenantStores tenants;
    private final Outbox outbox;
    private final Counter repaired;
    private final Counter unrepairable;

    /** The share of each store a scheduled run reads: interval / period. */
    private final double fraction;

    public Scrubber(TenantStores tenants, Outbox outbox, MeterRegistry registry, StoreConfig config) {
        this.tenants = tenants;
        this.fraction = fraction(DurationConverter.parseDuration(config.scrubInterval()), config.scrubPeriod());
        this.outbox = outbox;
        this.repaired = Counter.builder("gallery.replication.chunks.repaired")
                .description("Corrupt or missing chunks rewritten from another replica or region").register(registry);
        this.unrepairable = Counter.builder("gallery.replication.chunks.unrepairable")
                .description("Corrupt or missing chunks with no good copy anywhere").register(registry);
    }

    @Scheduled(every = "${gallery.store.scrub-interval:6h}", delayed = "${gallery.store.scrub-interval:6h}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        Report r = scrub(fraction);
        Log.infof("scrub (%.4f of each store and what changed): %s", fraction, r);
    }

    /** What a run reads of each store: at least a little, at most all of it. */
    static double fraction(Duration interval, Duration period) {
        if (period.isZero() || period.isNegative() || interval.compareTo(period) >= 0) {
            return 1;
        }
        return Math.max(1e-6, (double) interval.toMillis() / period.toMillis());
    }

    /** Every chunk of every store, at once. */
    public Report scrubAll() {
        return scrub(1);
    }

    /** One run: in each store, what changed since the last run and {@code fraction} of the rest. */
    public synchronized Report scrub(double fraction) {
        Report[] sum = {new Report(0, 0, 0, 0)};
        tenants.forEachStore((stores, store) -> {
            Report r = scrub(stores, store, fraction);
            Report s = sum[0];
            sum[0] = new Report(s.chunksChecked() + r.chunksChecked(), s.repaired() + r.repaired(),
                    s.unrepairable() + r.unrepairable(), s.bytesRead() + r.bytesRead());
        });
        return sum[0];
    }

    /** One replica store of one tenant; repairs come from that tenant's other stores only. */
    private Report scrub(RegionStores stores, ChunkStore store, double fraction) {
        int fixed = 0;
        int lost = 0;
        Map<ChunkId, String> bad = new LinkedHashMap<>();
        ChunkStore.ScrubPass pass;
        try {
            // the heap holds only what is bad (and the names of the manifests to check)
            pass = store.scrub(fraction, bad::putIfAbsent);
        } catch (IOException | RuntimeException e) {
            Log.warnf("scrub: cannot read %s: %s", store, e.toString());
            return new Report(0, 0, 0, 0);
        }
        try {
            for (String hex : pass.manifests()) {
                Manifest m = store.manifest(hex).orElse(null);
                for (int i = 0; m != null && i < m.count(); i++) {
                    if (!m.isZero(i) && !store.has(m.chunk(i))) {
                        bad.putIfAbsent(m.chunk(i), "missing");
                    }
                }
            }
        } catch (IOException e) {
            Log.warnf("scrub: cannot read the manifests of %s: %s", store, e.getMessage());
        }
        for (var e : bad.entrySet()) {
            if (repair(stores, store, e.getKey(), e.getValue())) {
                fixed++;
            } else {
                lost++;
            }
        }
        return new Report(pass.chunksChecked(), fixed, lost, pass.bytesRead());
    }

    private boolean repair(RegionStores stores, ChunkStore store, ChunkId id, String problem) {
        for (ChunkStore src : stores.sourcesFor(store.region(), store.replica())) {
            if (!src.has(id)) {
                continue;
            }
            byte[] b;
            try {
                b = src.get(id);
            } catch (IOException e) {
                continue;
            }
            try (ChunkStore.Session s = store.session()) {
                s.put(id, b, 0, b.length);
                s.commit();
            } catch (IOException e) {
                Log.errorf("scrub: cannot rewrite chunk %s in %s: %s", id, store, e.getMessage());
                return false;
            }
            repaired.increment();
            Log.warnf("scrub: chunk %s was %s in %s; repaired from %s", id, problem, store, src);
            var event = new Payloads.ChunkRepaired(store.region(), store.replica(), "sha256:" + id, problem,
                    src.region(), src.replica(), Instant.now());
            ReplicationWorker.await(() -> Panache.withTransaction(() -> outbox.emit(EventTypes.CHUNK_REPAIRED,
                    "/regions/" + store.region() + "/replicas/" + store.replica(), event)));
            return true;
        }
        unrepairable.increment();
        Log.errorf("scrub: chunk %s is %s in %s and no other store has a good copy", id, problem, store);
        return false;
    }
}

package dev.imagegallery.replication.service;

import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.events.Regions;
import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.content.TenantStores;
import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.CorruptChunkException;
import dev.imagegallery.replication.store.Manifest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Re-reads every chunk of every replica store (and checks every live manifest's chunks are there); a corrupt or
 * missing chunk is rewritten from the nearest good copy in another replica or region, announced as
 * {@code ChunkRepaired} and counted in {@code gallery.replication.chunks.repaired}.
 */
@ApplicationScoped
public class Scrubber {
    /** What one scrub found. */
    public record Report(long chunksChecked, int repaired, int unrepairable) {
    }

    private final TenantStores tenants;
    private final Outbox outbox;
    private final Counter repaired;
    private final Counter unrepairable;

    public Scrubber(TenantStores tenants, Outbox outbox, MeterRegistry registry) {
        this.tenants = tenants;
        this.outbox = outbox;
        this.repaired = Counter.builder("gallery.replication.chunks.repaired")
                .description("Corrupt or missing chunks rewritten from another replica or region").register(registry);
        this.unrepairable = Counter.builder("gallery.replication.chunks.unrepairable")
                .description("Corrupt or missing chunks with no good copy anywhere").register(registry);
    }

    @Scheduled(every = "${gallery.store.scrub-interval:6h}", delayed = "${gallery.store.scrub-interval:6h}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        Report r = scrubAll();
        Log.infof("scrub: %s", r);
    }

    public synchronized Report scrubAll() {
        long checked = 0;
        int fixed = 0;
        int lost = 0;
        for (String namespace : tenants.namespaces()) {
            RegionStores stores = tenants.namespace(namespace);
            for (String region : Regions.names()) {
                for (int replica = 0; replica < stores.replicas(region); replica++) {
                    Report r = scrub(stores, stores.store(region, replica));
                    checked += r.chunksChecked();
                    fixed += r.repaired();
                    lost += r.unrepairable();
                }
            }
        }
        return new Report(checked, fixed, lost);
    }

    /** One replica store of one tenant; repairs come from that tenant's other stores only. */
    private Report scrub(RegionStores stores, ChunkStore store) {
        int fixed = 0;
        int lost = 0;
        Map<ChunkId, String> bad = new LinkedHashMap<>();
        long[] seen = {0};
        // straight off the index (an iterator over the on-disk one): the heap holds only what is bad
        store.forEachChunk(id -> {
            seen[0]++;
            try {
                store.get(id);
            } catch (CorruptChunkException e) {
                if (store.has(id)) { // else collected since the walk began
                    bad.put(id, "corrupt");
                }
            } catch (IOException e) {
                bad.put(id, "unreadable");
            }
        });
        long checked = seen[0];
        try {
            for (String hex : store.refs().values().stream().distinct().toList()) {
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
        return new Report(checked, fixed, lost);
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

package dev.imagegallery.replication.bench;

import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.content.Replicator;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.CountingBackend;
import dev.imagegallery.replication.store.Manifest;
import dev.imagegallery.replication.store.fs.FsBackend;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static dev.imagegallery.replication.bench.ReplicationBench.print;
import static dev.imagegallery.replication.bench.ReplicationBench.secs;

/**
 * Fan-out (issue 16): one image copied from its source region into several regions of several replicas each, every
 * region on its own copier thread at once (as the worker runs them), with durable (fsync'd) stores. Counts the chunk
 * bytes each destination region read, from the source and in all. Prints "key=value" lines for fanout.sh.
 * usage: FanOutBench ROOT IMAGE SOURCE_REGION REPLICAS REGION...
 */
public final class FanOutBench {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        Path image = Path.of(args[1]);
        String source = args[2];
        int replicas = Integer.parseInt(args[3]);
        List<String> regions = List.of(args).subList(4, args.length);
        ReplicationBench.warmUp(root.resolveSibling("warmup"));
        CountingBackend backend = new CountingBackend(new FsBackend(root, true));
        RegionStores stores = new RegionStores(root, backend);
        Replicator replicator = new Replicator(stores);

        long t0 = System.nanoTime();
        Manifest m = ReplicationBench.ingest(stores, source, image, "blob:v1");
        print("ingest_s", secs(t0));
        print("unique_bytes", m.uniqueBytes());
        print("used_bytes", m.usedBytes());

        AtomicLong peak = new AtomicLong();
        Thread sampler = ReplicationBench.sampleHeap(peak);
        ExecutorService pool = Executors.newFixedThreadPool(regions.size());
        List<Future<Replicator.Checkpoint>> copies = new ArrayList<>();
        t0 = System.nanoTime();
        try {
            for (String region : regions) {
                copies.add(pool.submit(() -> CountingBackend.as(region,
                        () -> replicator.replicate(m, region, replicas, "version:v1", null, c -> {
                        }))));
            }
            long written = 0;
            for (Future<Replicator.Checkpoint> c : copies) {
                written += c.get().copiedBytes();
            }
            print("fanout_s", secs(t0));
            print("fanout_written_bytes", written);
        } finally {
            pool.shutdown();
            sampler.interrupt();
        }
        print("fanout_heap_peak_used_bytes", peak.get());
        for (String region : regions) {
            long fromSource = 0;
            for (int r = 0; r < stores.replicas(source); r++) {
                fromSource += backend.read(source, r, region);
            }
            print("read_from_source_bytes." + region, fromSource);
            print("read_total_bytes." + region, backend.readBy(region));
        }
        for (String region : regions) { // every replica holds the version whole (its manifest and ref)
            for (int r = 0; r < replicas; r++) {
                ChunkStore s = stores.store(region, r);
                if (s.manifest(m.contentHex).isEmpty() || !s.ref("version:v1").equals(java.util.Optional.of(
                        m.contentHex))) {
                    throw new IllegalStateException(region + "/replica-" + r + " lacks the version");
                }
            }
        }
        stores.close();
    }
}

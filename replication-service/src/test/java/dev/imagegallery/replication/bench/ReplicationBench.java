package dev.imagegallery.replication.bench;


import dev.imagegallery.replication.content.ContentReader;
import dev.imagegallery.replication.content.Ingest;
import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.content.Replicator;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.Manifest;
import dev.imagegallery.replication.store.fs.FsBackend;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drives the store classes in-process (the same code the service runs behind HTTP and the job table), on a
 * make-image-pair.py pair. Prints one "key=value" line per figure; run.sh sets them beside its baselines.
 * usage: ReplicationBench ingest-replicate-download ROOT v1.img v2.img OUT.img | heap ROOT SIZE_MIB
 *        | ingest ROOT v1.img RUNS (after the warm-up, RUNS ingests of v1, each into a fresh store: the read, the
 *        end commit and the count-up timed apart; for comparing two trees back to back, see the README)
 */
public final class ReplicationBench {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("heap")) {
            heap(Path.of(args[1]), Long.parseLong(args[2]) << 20);
            return;
        }
        if (args[0].equals("ingest")) {
            ingestLoop(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]));
            return;
        }
        Path root = Path.of(args[1]);
        Path v1 = Path.of(args[2]);
        Path v2 = Path.of(args[3]);
        Path out = Path.of(args[4]);
        warmUp(root.resolveSibling("warmup"));
        RegionStores stores = new RegionStores(root, new FsBackend(root, true));
        Replicator replicator = new Replicator(stores);

        long t0 = System.nanoTime();
        Manifest m1 = ingest(stores, "westeurope", v1, "blob:v1");
        print("ingest_v1_s", secs(t0));
        print("v1_used_bytes", m1.usedBytes());

        t0 = System.nanoTime();
        Map<String, Long> full = replicateAll(replicator, m1, "version:v1", "northeurope", "eastus");
        print("replicate_v1_2regions_s", secs(t0));
        print("replicate_v1_egress_bytes", full.values().stream().mapToLong(Long::longValue).sum());

        t0 = System.nanoTime();
        Manifest m2 = ingest(stores, "westeurope", v2, "blob:v2");
        print("ingest_v2_s", secs(t0));

        t0 = System.nanoTime();
        Map<String, Long> delta = replicateAll(replicator, m2, "version:v2", "eastus");
        print("delta_v2_1region_s", secs(t0));
        print("delta_v2_moved_bytes", delta.values().stream().mapToLong(Long::longValue).sum());
        t0 = System.nanoTime();
        replicateAll(replicator, m2, "version:v2", "northeurope");
        print("delta_v2_other_region_s", secs(t0));

        t0 = System.nanoTime();
        ChunkStore north = stores.store("northeurope", 0);
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20)) {
            ContentReader.write(m1, 0, m1.size, List.of(north), List.of(), 0, o, e -> {
                throw new IllegalStateException(e);
            });
        }
        print("download_v1_s", secs(t0));
        stores.close();
    }

    /**
     * A running service is warm: the same paths on synthetic content, in a throwaway store. Each step runs four times
     * on 256 MiB (different content each time, so each writes its chunks): after one, the first ingest and the first
     * two-region copy of v1 still ran 20 to 40% slower than the ones after them while the JIT finished compiling.
     */
    static void warmUp(Path dir) throws Exception {
        RegionStores stores = new RegionStores(dir, new FsBackend(dir, true));
        ChunkStore store = stores.store("westeurope", 0);
        Replicator replicator = new Replicator(stores);
        for (int i = 0; i < 4; i++) {
            Ingest.Result r = Ingest.ingest(new SyntheticImage(256L << 20, 3 + i), store, stores.hashers(), -1);
            try (ChunkStore.Session s = r.session()) {
                s.commit();
                store.putManifest(r.manifest());
                store.setRef("blob:warm" + i, r.digestHex());
            }
            replicateAll(replicator, r.manifest(), "version:warm" + i, "northeurope", "eastus");
            ContentReader.write(r.manifest(), 0, r.manifest().size, List.of(stores.store("eastus", 0)), List.of(), 0,
                    OutputStream.nullOutputStream(), e -> {
                    });
        }
        stores.close();
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The ingest alone, {@code runs} times, each into a fresh store under {@code root} (deleted after). */
    static void ingestLoop(Path root, Path v1, int runs) throws Exception {
        warmUp(root.resolveSibling(root.getFileName() + "-warmup"));
        for (int i = 0; i < runs; i++) {
            Path dir = root.resolve("run" + i);
            RegionStores stores = new RegionStores(dir, new FsBackend(dir, true));
            ChunkStore store = stores.store("westeurope", 0);
            long t0 = System.nanoTime();
            Ingest.Result r;
            try (InputStream in = Files.newInputStream(v1)) {
                r = Ingest.ingest(in, store, stores.hashers(), Files.size(v1));
            }
            long t1 = System.nanoTime();
            try (ChunkStore.Session s = r.session()) {
                s.commit();
                long t2 = System.nanoTime();
                s.keep(r.digestHex());
                store.putManifest(r.manifest());
                store.setRef("blob:v1", r.digestHex());
                long t3 = System.nanoTime();
                System.out.printf("ingest_s=%.3f read_s=%.3f end_commit_s=%.3f count_up_s=%.3f%n", (t3 - t0) / 1e9,
                        (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9);
            }
            stores.close();
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    static Manifest ingest(RegionStores stores, String region, Path file, String ref) throws IOException {
        ChunkStore store = stores.store(region, 0);
        try (InputStream in = Files.newInputStream(file)) {
            Ingest.Result r = Ingest.ingest(in, store, stores.hashers(), Files.size(file));
            try (ChunkStore.Session s = r.session()) {
                s.commit();
                s.keep(r.digestHex());
                store.putManifest(r.manifest());
                store.setRef(ref, r.digestHex());
            }
            return r.manifest();
        }
    }

    /** Replicates into each region in parallel (one copier per region, as the worker does); egress by region. */
    static Map<String, Long> replicateAll(Replicator replicator, Manifest m, String ref, String... regions)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(regions.length);
        try {
            List<Future<Replicator.Checkpoint>> done = new java.util.ArrayList<>();
            for (String r : regions) {
                done.add(pool.submit(() -> replicator.replicate(m, r, 1, ref, null, c -> {
                })));
            }
            Map<String, Long> egress = new java.util.TreeMap<>();
            for (int i = 0; i < regions.length; i++) {
                egress.put(regions[i], done.get(i).get().egressBytes());
            }
            return egress;
        } finally {
            pool.shutdown();
        }
    }

    /** A daemon thread keeping the peak of the used heap in {@code peak} (sampled every 20 ms) until interrupted. */
    static Thread sampleHeap(AtomicLong peak) {
        var mem = ManagementFactory.getMemoryMXBean();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        return sampler;
    }

    /** Ingests and replicates a synthetic SIZE image (60% random 16 MiB extents, as the generator) under -Xmx. */
    static void heap(Path root, long size) throws Exception {
        AtomicLong peak = new AtomicLong();
        Thread sampler = sampleHeap(peak);
        RegionStores stores = new RegionStores(root, new FsBackend(root, true));
        ChunkStore store = stores.store("westeurope", 0);
        long t0 = System.nanoTime();
        Ingest.Result r = Ingest.ingest(new SyntheticImage(size, 7), store, stores.hashers(), size);
        try (ChunkStore.Session s = r.session()) {
            s.commit();
            s.keep(r.digestHex());
            store.putManifest(r.manifest());
            store.setRef("blob:big", r.digestHex());
        }
        print("heap_ingest_s", secs(t0));
        t0 = System.nanoTime();
        new Replicator(stores).replicate(r.manifest(), "northeurope", 2, "version:big", null, c -> {
        });
        print("heap_replicate_2replicas_s", secs(t0));
        sampler.interrupt();
        print("heap_image_bytes", size);
        print("heap_max_bytes", Runtime.getRuntime().maxMemory());
        print("heap_peak_used_bytes", peak.get());
        long live = 0;
        for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getCollectionUsage() != null) {
                live += pool.getPeakUsage().getUsed() == 0 ? 0 : pool.getCollectionUsage().getUsed();
            }
        }
        print("heap_after_gc_bytes", live);
        stores.close();
    }

    /** A deterministic image: 16 MiB extents, about 60% random, the rest zeros; generated as it is read. */
    static final class SyntheticImage extends InputStream {
        private final long size;
        private final Random rnd;
        private final byte[] extent = new byte[16 << 20];
        private long pos;
        private int at = extent.length;

        SyntheticImage(long size, long seed) {
            this.size = size;
            this.rnd = new Random(seed);
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= size) {
                return -1;
            }
            if (at == extent.length) {
                if (rnd.nextInt(10) < 6) {
                    rnd.nextBytes(extent);
                } else {
                    java.util.Arrays.fill(extent, (byte) 0);
                }
                at = 0;
            }
            int n = (int) Math.min(Math.min(len, extent.length - at), size - pos);
            System.arraycopy(extent, at, b, off, n);
            at += n;
            pos += n;
            return n;
        }
    }

    static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static void print(String key, Object value) {
        System.out.println(key + "=" + (value instanceof Double d ? String.format("%.3f", d) : value));
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}

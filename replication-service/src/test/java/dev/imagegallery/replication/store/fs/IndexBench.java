package dev.imagegallery.replication.store.fs;

import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.pack.Loc;
import dev.imagegallery.replication.store.pack.PackStore;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The chunk index at 1M, 10M (and 100M) entries (bench/replication/index.sh): inserts/s, lookups/s of present and of
 * absent digests, heap and disk bytes per entry and the time to open it, for the on-disk {@link RocksIndex} and, at the
 * sizes the heap holds, the former on-heap map loaded from {@code index.bin} (the baseline), in one JVM of the
 * service's size ({@code -Xmx512m}). Keys are synthetic digests; no chunk data is written. Prints {@code key=value}.
 *
 * <p>{@code java ... IndexBench <dir> <entries> [<entries> ...]}
 */
public final class IndexBench {
    private static final int COMMIT = 8192;
    private static final int LOOKUPS = 1_000_000;

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        for (int i = 1; i < args.length; i++) {
            long n = Long.parseLong(args[i]);
            rocks(dir.resolve("rocks-" + n), n);
            heapMap(dir.resolve("map-" + n), n);
        }
    }

    /** Entry {@code i}'s digest: a fixed function of i, so lookups regenerate it. */
    static ChunkId id(long i) {
        return new ChunkId(mix(4 * i), mix(4 * i + 1), mix(4 * i + 2), mix(4 * i + 3));
    }

    private static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static Loc loc(long i) {
        return new Loc((int) (i >> 16), (i & 0xffff) * 4096, 4096);
    }

    private static long heapUsed() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void rocks(Path at, long n) throws Exception {
        String p = "rocks_" + n + "_";
        FsChunkStore.deleteTree(at);
        long heap0 = heapUsed();
        RocksIndex index = RocksIndex.create(at, true);
        long t = System.nanoTime();
        List<Map.Entry<ChunkId, Loc>> batch = new ArrayList<>(COMMIT);
        for (long i = 0; i < n; i++) {
            batch.add(Map.entry(id(i), loc(i)));
            if (batch.size() == COMMIT || i == n - 1) {
                index.put(batch, Map.of((int) (i >> 16), (i + 1) * 48), false); // as a commit writes it
                batch.clear();
            }
        }
        double insert = (System.nanoTime() - t) / 1e9;
        index.complete();
        out(p + "inserts_per_s", n / insert);
        out(p + "heap_bytes_per_entry_filled", (double) (heapUsed() - heap0) / n);
        index.close();
        out(p + "disk_bytes_per_entry", (double) du(at) / n);

        long heap1 = heapUsed();
        t = System.nanoTime();
        index = RocksIndex.open(at, true);
        double open = (System.nanoTime() - t) / 1e9;
        if (index == null) {
            throw new IllegalStateException("the index did not reopen");
        }
        out(p + "open_s", open);
        out(p + "count", index.count());
        lookups(p, index, n);
        out(p + "heap_bytes_per_entry_open", (double) (heapUsed() - heap1) / n);
        index.close();
    }

    private static void lookups(String p, RocksIndex index, long n) throws Exception {
        SplittableRandom r = new SplittableRandom(3);
        long t = System.nanoTime();
        for (int k = 0; k < LOOKUPS; k++) {
            long i = r.nextLong(n);
            if (index.get(id(i)) == null) {
                throw new IllegalStateException("entry " + i + " missing");
            }
        }
        out(p + "lookups_present_per_s", LOOKUPS / ((System.nanoTime() - t) / 1e9));
        t = System.nanoTime();
        for (int k = 0; k < LOOKUPS; k++) {
            if (index.get(id(n + r.nextLong(1L << 40))) != null) {
                throw new IllegalStateException("a phantom entry");
            }
        }
        out(p + "lookups_absent_per_s", LOOKUPS / ((System.nanoTime() - t) / 1e9));
        List<ChunkId> ids = new ArrayList<>(256);
        t = System.nanoTime();
        for (int k = 0; k < LOOKUPS / 256; k++) {
            ids.clear();
            long from = r.nextLong(n - 256); // a manifest's run: digests in no key order
            for (int j = 0; j < 256; j++) {
                ids.add(id(from + j));
            }
            index.getAll(ids);
        }
        out(p + "lookups_batched_per_s", (LOOKUPS / 256 * 256) / ((System.nanoTime() - t) / 1e9));
    }

    /** The former index: a ConcurrentHashMap loaded from index.bin's 48-byte records. */
    private static void heapMap(Path at, long n) throws Exception {
        String p = "map_" + n + "_";
        long need = n * 120; // measured: about 120 bytes an entry
        if (need > Runtime.getRuntime().maxMemory() * 3 / 4) {
            out(p + "fits_heap", 0); // filling it would only thrash the collector until OutOfMemoryError
            out(p + "heap_bytes_needed", need);
            return;
        }
        Files.createDirectories(at);
        Path file = at.resolve("index.bin");
        long t = System.nanoTime();
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            ByteBuffer rec = ByteBuffer.allocate(PackStore.RECORD);
            for (long i = 0; i < n; i++) {
                rec.clear();
                id(i).write(rec);
                Loc l = loc(i);
                rec.putInt(l.pack()).putLong(l.offset()).putInt(l.length());
                o.write(rec.array());
            }
        }
        double write = (System.nanoTime() - t) / 1e9;
        out(p + "disk_bytes_per_entry", (double) Files.size(file) / n);
        long heap0 = heapUsed();
        Map<ChunkId, Loc> map = new ConcurrentHashMap<>();
        try {
            t = System.nanoTime();
            try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
                byte[] rec = new byte[PackStore.RECORD];
                while (in.readNBytes(rec, 0, rec.length) == rec.length) {
                    ByteBuffer bb = ByteBuffer.wrap(rec);
                    map.put(ChunkId.read(bb), new Loc(bb.getInt(), bb.getLong(), bb.getInt()));
                }
            }
            double load = (System.nanoTime() - t) / 1e9;
            out(p + "open_s", load);
            out(p + "inserts_per_s", n / (write + load)); // an insert: a record appended, and a put into the map
            out(p + "heap_bytes_per_entry_open", (double) (heapUsed() - heap0) / n);
            SplittableRandom r = new SplittableRandom(3);
            t = System.nanoTime();
            for (int k = 0; k < LOOKUPS; k++) {
                if (map.get(id(r.nextLong(n))) == null) {
                    throw new IllegalStateException("missing");
                }
            }
            out(p + "lookups_present_per_s", LOOKUPS / ((System.nanoTime() - t) / 1e9));
            t = System.nanoTime();
            for (int k = 0; k < LOOKUPS; k++) {
                if (map.get(id(n + r.nextLong(1L << 40))) != null) {
                    throw new IllegalStateException("phantom");
                }
            }
            out(p + "lookups_absent_per_s", LOOKUPS / ((System.nanoTime() - t) / 1e9));
        } catch (OutOfMemoryError e) {
            map = null;
            out(p + "fits_heap", 0);
            return;
        } finally {
            map = null;
            Files.deleteIfExists(file);
        }
        out(p + "fits_heap", 1);
    }

    private static long du(Path at) throws Exception {
        try (var files = Files.walk(at)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static void out(String key, double value) {
        System.out.println(key + "=" + (value == Math.rint(value) ? String.valueOf((long) value)
                : String.format("%.3f", value)));
        System.out.flush();
    }
}

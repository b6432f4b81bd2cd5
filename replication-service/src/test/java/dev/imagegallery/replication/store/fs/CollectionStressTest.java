package dev.imagegallery.replication.store.fs;

import dev.imagegallery.replication.content.ContentReader;
import dev.imagegallery.replication.content.Ingest;
import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.content.Replicator;
import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.Manifest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Uploads that commit as they go (every MiB here, as a large image does every 256 MiB) and share chunks with each
 * other and with versions being deleted, while collections (incremental, and now and then the full one) run without
 * pause beside them: every version still named reads back whole at every point, and once all is done a full
 * collection leaves exactly the bytes the named versions hold.
 */
class CollectionStressTest {
    static final int WRITERS = 3;
    static final int VERSIONS = 12;
    static final byte[][] POOL = new byte[48][];

    static {
        Random r = new Random(42);
        for (int i = 0; i < POOL.length; i++) {
            POOL[i] = new byte[4096];
            r.nextBytes(POOL[i]);
        }
    }

    @TempDir
    Path root;

    /** 1.5 to 6 MiB: shared chunks from the pool, chunks of its own, zero runs, and a short tail. */
    static byte[] content(long seed) {
        Random r = new Random(seed);
        int chunks = 384 + r.nextInt(1152);
        byte[] b = new byte[chunks * 4096 + r.nextInt(4096)];
        for (int c = 0; c < chunks; c++) {
            int kind = r.nextInt(10);
            if (kind < 5) {
                System.arraycopy(POOL[r.nextInt(POOL.length)], 0, b, c * 4096, 4096);
            } else if (kind < 9) {
                byte[] own = new byte[4096];
                r.nextBytes(own);
                System.arraycopy(own, 0, b, c * 4096, 4096);
            } // else zeros
        }
        for (int i = chunks * 4096; i < b.length; i++) {
            b[i] = (byte) r.nextInt();
        }
        return b;
    }

    static Manifest upload(FsChunkStore store, ExecutorService hasher, byte[] content, String ref) throws IOException {
        Ingest.Result r = Ingest.ingest(new ByteArrayInputStream(content), store, hasher, content.length, 1 << 20);
        try (ChunkStore.Session s = r.session()) {
            s.commit();
            s.keep(r.digestHex());
            store.putManifest(r.manifest());
            store.setRef(ref, r.digestHex());
        }
        return r.manifest();
    }

    @Test
    void uploadsAndDeletionsBesideCollectionsLoseNothingAndLeakNothing() throws Exception {
        FsChunkStore store = new FsChunkStore("westeurope", 0, root.resolve("store"), true);
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 1);
        ExecutorService hasher = Executors.newFixedThreadPool(WRITERS);
        Map<String, Long> live = new ConcurrentHashMap<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger collections = new AtomicInteger();
        try {
            Future<?> collector = pool.submit(() -> {
                Random r = new Random(7);
                while (writing.get()) {
                    if (collections.incrementAndGet() % 5 == 0) {
                        store.collectAll();
                    } else {
                        store.collect();
                    }
                    Thread.sleep(r.nextInt(5));
                }
                return null;
            });
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                writers.add(pool.submit(() -> {
                    Random r = new Random(100 + writer);
                    for (int v = 0; v < VERSIONS; v++) {
                        long seed = writer * 1000L + v;
                        String ref = "blob:w" + writer + "-" + v;
                        upload(store, hasher, content(seed), ref);
                        live.put(ref, seed);
                        IncrementalCollectionTest.readsBack(store, ref, content(seed));
                        if (v >= 2 && r.nextBoolean()) { // an older version goes: its chunks may go with it
                            String old = "blob:w" + writer + "-" + (v - 2);
                            if (live.remove(old) != null) {
                                store.deleteRef(old);
                            }
                        }
                    }
                    return null;
                }));
            }
            try {
                for (Future<?> f : writers) {
                    f.get();
                }
            } finally {
                writing.set(false);
            }
            collector.get();
            assertTrue(collections.get() > 10, "collections ran beside the uploads: " + collections.get());
            for (var e : live.entrySet()) {
                IncrementalCollectionTest.readsBack(store, e.getKey(), content(e.getValue()));
            }
            store.collect();
            var full = store.collectAll();
            assertEquals(0, full.chunksDropped(), "the incremental collections left nothing for the full one");
            List<Manifest> named = new ArrayList<>();
            for (String ref : live.keySet()) {
                named.add(store.manifest(store.ref(ref).orElseThrow()).orElseThrow());
            }
            Map<ChunkId, Integer> chunks = IncrementalCollectionTest.chunks(named);
            assertEquals(IncrementalCollectionTest.bytes(chunks), store.physicalBytes(), "no leak, no loss");
            for (var e : live.entrySet()) {
                IncrementalCollectionTest.readsBack(store, e.getKey(), content(e.getValue()));
            }
        } finally {
            pool.shutdownNow();
            hasher.shutdownNow();
            store.close();
        }
    }

    static void readsBack(ChunkStore store, String ref, byte[] content) throws IOException {
        Manifest m = store.manifest(store.ref(ref).orElseThrow()).orElseThrow();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ContentReader.write(m, 0, m.size, List.of(store), List.of(), 0, out, e -> {
        });
        org.junit.jupiter.api.Assertions.assertArrayEquals(content, out.toByteArray(), ref + " reads back");
    }

    /**
     * The same for copies: versions uploaded into westeurope are copied into northeurope (sessions that look a window
     * of chunks up at once and commit as they go) while older ones are deleted there and northeurope is collected
     * without pause.
     */
    @Test
    void copiesAndDeletionsBesideCollectionsLoseNothingAndLeakNothing() throws Exception {
        RegionStores stores = new RegionStores(root, new FsBackend(root, true));
        ChunkStore source = stores.store("westeurope", 0);
        ChunkStore target = stores.store("northeurope", 0);
        Replicator replicator = new Replicator(stores);
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 1);
        Map<String, Long> live = new ConcurrentHashMap<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger collections = new AtomicInteger();
        try {
            Future<?> collector = pool.submit(() -> {
                Random r = new Random(8);
                while (writing.get()) {
                    if (collections.incrementAndGet() % 5 == 0) {
                        target.collectAll();
                    } else {
                        target.collect();
                    }
                    Thread.sleep(r.nextInt(5));
                }
                return null;
            });
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                writers.add(pool.submit(() -> {
                    Random r = new Random(200 + writer);
                    for (int v = 0; v < VERSIONS; v++) {
                        long seed = 10_000 + writer * 1000L + v;
                        byte[] c = content(seed);
                        Ingest.Result in = Ingest.ingest(new ByteArrayInputStream(c), source, stores.hashers(),
                                c.length);
                        try (ChunkStore.Session s = in.session()) {
                            s.commit();
                            s.keep(in.digestHex());
                            source.putManifest(in.manifest());
                            source.setRef("blob:w" + writer + "-" + v, in.digestHex());
                        }
                        String ref = "version:w" + writer + "-" + v;
                        replicator.replicate(in.manifest(), "northeurope", 1, ref, null, cp -> {
                        });
                        live.put(ref, seed);
                        readsBack(target, ref, c);
                        if (v >= 2 && r.nextBoolean()) {
                            String old = "version:w" + writer + "-" + (v - 2);
                            if (live.remove(old) != null) {
                                target.deleteRef(old);
                            }
                        }
                    }
                    return null;
                }));
            }
            try {
                for (Future<?> f : writers) {
                    f.get();
                }
            } finally {
                writing.set(false);
            }
            collector.get();
            assertTrue(collections.get() > 10, "collections ran beside the copies: " + collections.get());
            target.collect();
            var full = target.collectAll();
            assertEquals(0, full.chunksDropped(), "the incremental collections left nothing for the full one");
            List<Manifest> named = new ArrayList<>();
            for (String ref : live.keySet()) {
                named.add(target.manifest(target.ref(ref).orElseThrow()).orElseThrow());
            }
            assertEquals(IncrementalCollectionTest.bytes(IncrementalCollectionTest.chunks(named)),
                    target.physicalBytes(), "no leak, no loss");
            for (var e : live.entrySet()) {
                readsBack(target, e.getKey(), content(e.getValue()));
            }
        } finally {
            pool.shutdownNow();
            stores.close();
        }
    }
}

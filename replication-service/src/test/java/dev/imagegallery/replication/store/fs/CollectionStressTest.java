package dev.imagegallery.replication.store.fs;

import dev.imagegallery.replication.content.ContentReader;
import dev.imagegallery.replication.content.Ingest;
import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.content.Replicator;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.Manifest;
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

    static void readsBack(ChunkStore store, String ref, byte[] content) throws IOException {
        Manifest m = store.manifest(store.ref(ref).orElseThrow()).orElseThrow();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ContentReader.write(m, 0, m.size, List.of(store), List.of(), 0, out, e -> {
        });
        org.junit.jupiter.api.Assertions.assertArrayEquals(content, out.toByteArray(), ref + " reads back");
    }

    /** Publishes version {@code v} of {@code writer} (its content {@code c}) and answers the ref it has in the store. */
    interface Publish {
        String version(int writer, int v, byte[] c) throws Exception;
    }

    /**
     * {@link #WRITERS} writers publish {@link #VERSIONS} versions each (seeds from {@code seeds}) and delete older
     * ones now and then, while {@code collected} is collected without pause (every fifth time in full); each version
     * reads back when published and at the end, and a last full collection frees nothing and leaves exactly the bytes
     * of the versions still named.
     */
    static void beside(ChunkStore collected, long seeds, Publish publish) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 1);
        Map<String, Long> live = new ConcurrentHashMap<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger collections = new AtomicInteger();
        try {
            Future<?> collector = pool.submit(() -> {
                Random r = new Random(seeds);
                while (writing.get()) {
                    if (collections.incrementAndGet() % 5 == 0) {
                        collected.collectAll();
                    } else {
                        collected.collect();
                    }
                    Thread.sleep(r.nextInt(5));
                }
                return null;
            });
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                writers.add(pool.submit(() -> {
                    Random r = new Random(seeds + 100 + writer);
                    List<String> mine = new ArrayList<>();
                    for (int v = 0; v < VERSIONS; v++) {
                        long seed = seeds + writer * 1000L + v;
                        byte[] c = content(seed);
                        String ref = publish.version(writer, v, c);
                        live.put(ref, seed);
                        mine.add(ref);
                        readsBack(collected, ref, c);
                        if (v >= 2 && r.nextBoolean() && live.remove(mine.get(v - 2)) != null) {
                            collected.deleteRef(mine.get(v - 2)); // its chunks may go with it
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
            assertTrue(collections.get() > 10, "collections ran beside the writers: " + collections.get());
            collected.collect();
            var full = collected.collectAll();
            assertEquals(0, full.chunksDropped(), "the incremental collections left nothing for the full one");
            List<Manifest> named = new ArrayList<>();
            for (String ref : live.keySet()) {
                named.add(collected.manifest(collected.ref(ref).orElseThrow()).orElseThrow());
            }
            assertEquals(IncrementalCollectionTest.bytes(IncrementalCollectionTest.chunks(named)),
                    collected.physicalBytes(), "no leak, no loss");
            for (var e : live.entrySet()) {
                readsBack(collected, e.getKey(), content(e.getValue()));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void uploadsAndDeletionsBesideCollectionsLoseNothingAndLeakNothing() throws Exception {
        FsChunkStore store = new FsChunkStore("westeurope", 0, root.resolve("store"), true);
        ExecutorService hasher = Executors.newFixedThreadPool(WRITERS);
        try {
            beside(store, 0, (writer, v, c) -> {
                String ref = "blob:w" + writer + "-" + v;
                IndexCrashTest.upload(store, hasher, c, ref, 1 << 20); // committing every MiB
                return ref;
            });
        } finally {
            hasher.shutdownNow();
            store.close();
        }
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
        Replicator replicator = new Replicator(stores);
        try {
            beside(stores.store("northeurope", 0), 10_000, (writer, v, c) -> {
                Manifest m = IndexCrashTest.upload(source, stores.hashers(), c, "blob:w" + writer + "-" + v,
                        Ingest.COMMIT_EVERY);
                String ref = "version:w" + writer + "-" + v;
                replicator.replicate(m, "northeurope", 1, ref, null, cp -> {
                });
                return ref;
            });
        } finally {
            stores.close();
        }
    }
}

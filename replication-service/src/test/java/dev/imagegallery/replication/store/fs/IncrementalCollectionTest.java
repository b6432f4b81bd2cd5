package dev.imagegallery.replication.store.fs;

import dev.imagegallery.replication.content.ContentReader;
import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.ChunkStore.GcResult;
import dev.imagegallery.replication.store.Manifest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Collection with reference counts: its work (the chunks it visits) follows what changed since the last one, not the
 * size of the store, and it frees exactly what the full mark and sweep would.
 */
class IncrementalCollectionTest {
    static final int N = 20;
    @TempDir
    Path root;
    FsChunkStore store;
    ExecutorService hasher;

    @BeforeEach
    void open() throws IOException {
        store = new FsChunkStore("westeurope", 0, root.resolve("store"), true);
        hasher = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void close() {
        store.close();
        hasher.shutdownNow();
    }

    /** Version {@code seed}: eight chunks every version shares, then 24 to 31 of its own and a short tail. */
    static byte[] content(int seed) {
        Random r = new Random(seed);
        byte[] b = new byte[(8 + 24 + r.nextInt(8)) * 4096 + 1 + r.nextInt(4095)];
        r.nextBytes(b);
        byte[] shared = new byte[8 * 4096];
        new Random(7).nextBytes(shared);
        System.arraycopy(shared, 0, b, 0, shared.length);
        return b;
    }

    /** Distinct chunks of the manifests and their bytes. */
    static Map<ChunkId, Integer> chunks(List<Manifest> ms) {
        Map<ChunkId, Integer> out = new HashMap<>();
        for (Manifest m : ms) {
            for (int i = 0; i < m.count(); i++) {
                if (!m.isZero(i)) {
                    out.put(m.chunk(i), m.length(i));
                }
            }
        }
        return out;
    }

    static long bytes(Map<ChunkId, Integer> chunks) {
        return chunks.values().stream().mapToLong(Integer::longValue).sum();
    }

    static void readsBack(FsChunkStore store, String ref, byte[] content) throws IOException {
        Manifest m = store.manifest(store.ref(ref).orElseThrow()).orElseThrow();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ContentReader.write(m, 0, m.size, List.of(store), List.of(), 0, out, e -> {
        });
        assertArrayEquals(content, out.toByteArray(), ref + " reads back");
    }

    @Test
    void droppingOneOfNManifestsVisitsOnlyItsChunksAndFreesExactlyWhatOnlyItNamed() throws Exception {
        List<Manifest> all = new ArrayList<>();
        for (int v = 0; v < N; v++) {
            all.add(IndexCrashTest.upload(store, hasher, content(v), "blob:v" + v));
        }
        long entries = store.rocks().count();
        var first = store.collect(); // what the uploads committed: the change since the last collection
        assertEquals(0, first.chunksDropped());
        assertEquals(chunks(all).size(), first.chunksVisited(), "the first collection visits the new chunks");
        assertEquals(0, store.rocks().journalled(), "and leaves nothing journalled");

        Manifest gone = all.get(5);
        store.deleteRef("blob:v5");
        var gc = store.collect();
        Map<ChunkId, Integer> only = chunks(List.of(gone));
        assertEquals(only.size(), gc.chunksVisited(), "visits the dropped manifest's chunks, not the store's "
                + entries);
        List<Manifest> rest = new ArrayList<>(all);
        rest.remove(gone);
        Map<ChunkId, Integer> kept = chunks(rest);
        only.keySet().removeAll(kept.keySet());
        assertEquals(1, gc.manifestsDropped());
        assertEquals(only.size(), gc.chunksDropped());
        assertEquals(bytes(only), gc.bytesFreed(), "freed exactly what only it named");
        assertEquals(bytes(kept), store.physicalBytes());
        assertFalse(store.manifest(gone.contentHex).isPresent());
        for (int v = 0; v < N; v++) {
            if (v != 5) {
                readsBack(store, "blob:v" + v, content(v));
            }
        }
        // nothing changed since: the next collection visits nothing; the full one visits every entry and agrees
        assertEquals(0, store.collect().chunksVisited());
        var full = store.collectAll();
        assertEquals(kept.size(), full.chunksVisited());
        assertEquals(0, full.chunksDropped(), "the incremental collection left nothing for the full one");
        for (ChunkId id : chunks(List.of(all.get(0))).keySet()) {
            assertTrue(store.rocks().references(id) >= 1, "recounted");
        }
    }

    @Test
    void chunksOfADiscardedSessionAreReclaimedOnceItClosesAndNotBefore() throws Exception {
        IndexCrashTest.upload(store, hasher, content(1), "blob:v1");
        store.collect();
        long before = store.physicalBytes();
        byte[] c = content(2);
        List<ChunkId> ids = new ArrayList<>();
        try (ChunkStore.Session s = store.session()) {
            for (int off = 8 * 4096; off < c.length; off += 4096) { // its own chunks, committed, never named
                int len = Math.min(4096, c.length - off);
                ChunkId id = ChunkId.digest(ChunkId.sha256(), c, off, len);
                s.put(id, c, off, len);
                ids.add(id);
            }
            s.commit();
            var held = store.collect();
            assertEquals(0, held.chunksDropped(), "an open session's chunks stay");
            assertTrue(store.has(ids.get(0)));
        }
        var gc = store.collect();
        assertEquals(ids.size(), gc.chunksVisited());
        assertEquals(ids.size(), gc.chunksDropped());
        assertEquals(before, store.physicalBytes());
        assertEquals(1, gc.packsDeleted(), "the session's pack held nothing else");
        readsBack(store, "blob:v1", content(1));
    }

    @Test
    void aRefMovedToOtherContentDropsTheOldManifestAndAStoreWithoutCountsCollectsInFullFirst() throws Exception {
        IndexCrashTest.upload(store, hasher, content(1), "blob:a");
        Manifest old = store.manifest(store.ref("blob:a").orElseThrow()).orElseThrow();
        IndexCrashTest.upload(store, hasher, content(2), "blob:a"); // the same name, new content
        var gc = store.collect();
        assertEquals(1, gc.manifestsDropped());
        assertFalse(store.manifest(old.contentHex).isPresent());
        readsBack(store, "blob:a", content(2));
        // an index rebuilt from the packs has no counts: its first collection is the full one, which counts them
        store.close();
        FsChunkStore.deleteTree(root.resolve("store").resolve("index"));
        store = new FsChunkStore("westeurope", 0, root.resolve("store"), true);
        long entries = store.rocks().count(); // the old content's chunks too: their directory records stay
        var full = store.collect();
        assertEquals(entries, full.chunksVisited(), "full");
        assertEquals(old.uniqueBytes() - 8 * 4096, full.bytesFreed(), "the old content's own chunks go again");
        assertEquals(0, store.collect().chunksVisited(), "then incremental");
        store.deleteRef("blob:a");
        var last = store.collect();
        assertEquals(entries - full.chunksDropped(), last.chunksDropped());
        assertEquals(0, store.physicalBytes());
    }

    /** An index written before the counts (no {@code counts} or {@code journal} family) gains them, empty. */
    @Test
    void anIndexOfBeforeTheCountsIsCollectedInFullOnceThenIncrementally() throws Exception {
        IndexCrashTest.upload(store, hasher, content(1), "blob:a");
        IndexCrashTest.upload(store, hasher, content(2), "blob:b");
        store.close();
        rawIndex((db, families) -> {
            db.dropColumnFamily(families.get("counts"));
            db.dropColumnFamily(families.get("journal"));
            db.delete(families.get("default"), "counted".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        });
        store = new FsChunkStore("westeurope", 0, root.resolve("store"), true);
        long entries = store.rocks().count();
        assertEquals(entries, store.collect().chunksVisited(), "the first collection is the full one");
        store.deleteRef("blob:a");
        var gc = store.collect();
        Manifest a = IndexCrashTest.upload(store, hasher, content(1), "blob:a2"); // (the same content again)
        assertEquals(1, gc.manifestsDropped());
        assertTrue(gc.chunksVisited() < entries, "then only what changed: " + gc.chunksVisited());
        readsBack(store, "blob:b", content(2));
        readsBack(store, "blob:a2", content(1));
        assertTrue(store.rocks().references(a.chunk(0)) >= 2, "counted for both");
    }

    interface RawIndexWork {
        void on(org.rocksdb.RocksDB db, Map<String, org.rocksdb.ColumnFamilyHandle> families) throws Exception;
    }

    /** Opens the (closed) store's index with plain RocksDB, its column families by name, to change it as a test. */
    void rawIndex(RawIndexWork work) throws Exception {
        Path at = root.resolve("store").resolve("index");
        List<org.rocksdb.ColumnFamilyHandle> handles = new ArrayList<>();
        try (var o = new org.rocksdb.Options(); var cfo = new org.rocksdb.ColumnFamilyOptions();
             var dbo = new org.rocksdb.DBOptions()) {
            List<org.rocksdb.ColumnFamilyDescriptor> cfs = new ArrayList<>();
            for (byte[] name : org.rocksdb.RocksDB.listColumnFamilies(o, at.toString())) {
                cfs.add(new org.rocksdb.ColumnFamilyDescriptor(name, cfo));
            }
            try (var db = org.rocksdb.RocksDB.open(dbo, at.toString(), cfs, handles)) {
                Map<String, org.rocksdb.ColumnFamilyHandle> families = new HashMap<>();
                for (int i = 0; i < cfs.size(); i++) {
                    families.put(new String(cfs.get(i).getName(), java.nio.charset.StandardCharsets.UTF_8),
                            handles.get(i));
                }
                work.on(db, families);
            } finally {
                handles.forEach(org.rocksdb.ColumnFamilyHandle::close);
            }
        }
    }

    /** Commits chunks of {@code content(seed)} past the shared ones in a session that names them in no manifest. */
    private List<ChunkId> commitUnnamed(int seed) throws IOException {
        byte[] c = content(seed);
        List<ChunkId> ids = new ArrayList<>();
        try (ChunkStore.Session s = store.session()) {
            for (int off = 8 * 4096; off < c.length; off += 4096) {
                int len = Math.min(4096, c.length - off);
                ChunkId id = ChunkId.digest(ChunkId.sha256(), c, off, len);
                s.put(id, c, off, len);
                ids.add(id);
            }
            s.commit();
        }
        return ids;
    }

    /**
     * A commit journals its chunks as one batch entry under a sequence number: the numbers go on above the journal's
     * after a restart (one starting again at 0 would overwrite an entry not yet collected, and its chunks would leak).
     */
    @Test
    void batchesJournalledBeforeARestartAreCollectedWithTheOnesAfter() throws Exception {
        List<ChunkId> first = commitUnnamed(2);
        store.close();
        store = new FsChunkStore("westeurope", 0, root.resolve("store"), true);
        List<ChunkId> second = commitUnnamed(3);
        assertEquals(first.size() + second.size(), store.rocks().journalled());
        Manifest v1 = IndexCrashTest.upload(store, hasher, content(1), "blob:v1");
        var gc = store.collect();
        assertEquals(first.size() + second.size(), gc.chunksDropped(), "both sessions' chunks");
        assertEquals(v1.uniqueBytes(), store.physicalBytes());
        assertEquals(0, store.rocks().journalled());
        readsBack(store, "blob:v1", content(1));
    }

    /** An index written when the journal had an entry per chunk ({@code 'c'} + digest) is collected as before. */
    @Test
    void aJournalOfSingleChunkEntriesIsStillCollected() throws Exception {
        IndexCrashTest.upload(store, hasher, content(1), "blob:v1");
        store.collect();
        long before = store.physicalBytes();
        List<ChunkId> ids = commitUnnamed(2);
        store.close();
        rawIndex((db, families) -> {
            var journal = families.get("journal");
            List<byte[]> batches = new ArrayList<>();
            try (var it = db.newIterator(journal)) {
                for (it.seek(new byte[] {'b'}); it.isValid() && it.key()[0] == 'b'; it.next()) {
                    batches.add(it.key());
                }
            }
            assertEquals(1, batches.size(), "the commit is one entry");
            db.delete(journal, batches.get(0));
            for (ChunkId id : ids) {
                byte[] k = new byte[33];
                k[0] = 'c';
                System.arraycopy(RocksIndex.key(id), 0, k, 1, 32);
                db.put(journal, k, new byte[0]);
            }
        });
        store = new FsChunkStore("westeurope", 0, root.resolve("store"), true);
        assertEquals(ids.size(), store.rocks().journalled());
        var gc = store.collect();
        assertEquals(ids.size(), gc.chunksVisited());
        assertEquals(ids.size(), gc.chunksDropped());
        assertEquals(before, store.physicalBytes());
        assertEquals(0, store.rocks().journalled());
        readsBack(store, "blob:v1", content(1));
    }

    /**
     * A session that finds a chunk stored relies on it; a collection running at that moment (the chunk's last
     * manifest just dropped) must see that, or the new version names a chunk the collection deleted. The look-up and
     * the session's hold are one step against a collection's test and delete: here a collection is started between
     * them and given two seconds; it may only finish once the session holds the chunk.
     */
    @Test
    void aChunkASessionFindsWhileACollectionRunsIsNotDeletedUnderIt() throws Exception {
        findWhileCollecting(false);
    }

    /** The same with the full mark and sweep. */
    @Test
    void aChunkASessionFindsWhileAFullCollectionRunsIsNotDeletedUnderIt() throws Exception {
        findWhileCollecting(true);
    }

    private void findWhileCollecting(boolean full) throws Exception {
        byte[] c = content(1);
        IndexCrashTest.upload(store, hasher, c, "blob:a");
        store.collect();
        store.deleteRef("blob:a"); // the next collection drops the manifest and then its chunks
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        ExecutorService collector = Executors.newSingleThreadExecutor();
        java.util.concurrent.Future<?>[] gc = new java.util.concurrent.Future<?>[1];
        dev.imagegallery.replication.store.pack.PackStore.afterLookup = () -> {
            if (once.compareAndSet(false, true)) {
                gc[0] = collector.submit(() -> full ? store.collectAll() : store.collect());
                try {
                    gc[0].get(2, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    // it waits for the look-up to finish (as it must)
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        try {
            IndexCrashTest.upload(store, hasher, c, "blob:again");
            assertTrue(once.get(), "the session found a stored chunk");
            assertEquals(1, ((GcResult) gc[0].get()).manifestsDropped());
        } finally {
            dev.imagegallery.replication.store.pack.PackStore.afterLookup = () -> {
            };
            collector.shutdownNow();
        }
        readsBack(store, "blob:again", c);
        store.collect();
        readsBack(store, "blob:again", c);
    }
}

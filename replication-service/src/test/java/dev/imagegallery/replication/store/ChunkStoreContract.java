package dev.imagegallery.replication.store;

import dev.imagegallery.replication.content.Chunking;
import dev.imagegallery.replication.content.ContentReader;
import dev.imagegallery.replication.content.Ingest;
import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.content.Replicator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The contract of a store backend: content round trips, dedup, zero runs, packs, verification, GC, resumable copies.
 * Each backend runs it through a subclass ({@link FsChunkStoreContractTest}, {@link AzureBlobChunkStoreContractTest}).
 */
abstract class ChunkStoreContract {
    RegionStores stores;

    /** Opens the stores of the test; called again after {@code close()} it must reopen the same stores. */
    abstract RegionStores openStores() throws Exception;

    /** Flips a byte of the chunk where the store keeps it (bit rot under the store). */
    abstract void corrupt(ChunkStore store, ChunkId id) throws Exception;

    @BeforeEach
    void open() throws Exception {
        stores = openStores();
    }

    @AfterEach
    void close() {
        stores.close();
    }

    static byte[] image(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        if (size > 16) {
            Arrays.fill(b, size / 4, size / 2, (byte) 0);
        }
        return b;
    }

    Manifest put(String region, byte[] content, String ref) throws IOException {
        return put(region, new ByteArrayInputStream(content), content.length, ref);
    }

    Manifest put(String region, InputStream in, long length, String ref) throws IOException {
        return put(stores.store(region, 0), in, length, ref);
    }

    /** Uploads into {@code store} as a whole version would be (one session, one commit), named by {@code ref}. */
    Manifest put(ChunkStore store, InputStream in, long length, String ref) throws IOException {
        Ingest.Result r = Ingest.ingest(in, store, stores.hashers(), length);
        try (ChunkStore.Session s = r.session()) {
            s.commit();
            s.keep(r.digestHex());
            store.putManifest(r.manifest());
            store.setRef(ref, r.digestHex());
        }
        return store.manifest(r.digestHex()).orElseThrow();
    }

    byte[] read(Manifest m, long from, long to, List<? extends ChunkStore> local, List<? extends ChunkStore> remote)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ContentReader.write(m, from, to, local, remote, 0, out, e -> {
        });
        return out.toByteArray();
    }

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void roundTripsByteForByteWithRangesAtChunkBoundaries() throws Exception {
        int c = Chunking.FIXED;
        for (int size : new int[]{0, 1, c - 1, c, c + 1, 3 * c - 1, 3 * c + 1, 1_000_003}) {
            byte[] img = image(size, size);
            Manifest m = put("westeurope", img, "blob:" + size);
            assertEquals(sha(img), m.contentHex, "digest of " + size);
            assertEquals(size, m.size);
            List<ChunkStore> local = List.of(stores.store("westeurope", 0));
            assertArrayEquals(img, read(m, 0, size, local, List.of()), "whole " + size);
            for (long[] r : new long[][]{{0, 1}, {c - 1, c + 1}, {c, 2L * c}, {size - 1, size}, {size / 2, size}}) {
                long from = Math.max(0, Math.min(r[0], size));
                long to = Math.max(from, Math.min(r[1], size));
                assertArrayEquals(Arrays.copyOfRange(img, (int) from, (int) to), read(m, from, to, local, List.of()),
                        "range " + from + "-" + to + " of " + size);
            }
        }
    }

    @Test
    void identicalChunksAreStoredOnceAndZerosCostNothing() throws Exception {
        byte[] img = image(64 * Chunking.FIXED, 5);
        Manifest m = put("westeurope", img, "blob:a");
        ChunkStore store = stores.store("westeurope", 0);
        long physical = store.physicalBytes();
        assertEquals(m.usedBytes(), physical);
        assertTrue(physical < img.length * 0.8, "the zero quarter costs nothing: " + physical);
        put("westeurope", img, "blob:b");
        byte[] twice = new byte[img.length * 2];
        System.arraycopy(img, 0, twice, 0, img.length);
        System.arraycopy(img, 0, twice, img.length, img.length);
        put("westeurope", twice, "blob:c");
        assertEquals(physical, store.physicalBytes(), "the same chunks again add nothing");
    }

    @Test
    void aSparseFourGibImageRoundTripsInAFewChunks() throws Exception {
        long size = 4L << 30;
        byte[] head = image(10_000, 9);
        byte[] tail = image(5_000, 10);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Manifest m;
        try (InputStream in = sparse(size, head, tail, sha)) {
            m = put("westeurope", in, size, "blob:sparse");
        }
        assertEquals(HexFormat.of().formatHex(sha.digest()), m.contentHex);
        assertEquals(size, m.size);
        List<ChunkStore> local = List.of(stores.store("westeurope", 0));
        assertArrayEquals(head, read(m, 0, head.length, local, List.of()));
        assertArrayEquals(tail, read(m, size - tail.length, size, local, List.of()));
        assertArrayEquals(new byte[100], read(m, size / 2, size / 2 + 100, local, List.of()));
        assertTrue(stores.store("westeurope", 0).physicalBytes() < 64 * 1024);
        // the whole content streams back with the same digest
        MessageDigest back = MessageDigest.getInstance("SHA-256");
        ContentReader.write(m, 0, size, local, List.of(), 0, new OutputStream() {
            @Override
            public void write(int b) {
                back.update((byte) b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                back.update(b, off, len);
            }
        }, e -> {
        });
        assertEquals(m.contentHex, HexFormat.of().formatHex(back.digest()));
    }

    /** head, then zeros, then tail: {@code size} bytes, generated as read (and hashed into {@code sha}). */
    static InputStream sparse(long size, byte[] head, byte[] tail, MessageDigest sha) {
        return new InputStream() {
            long pos;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= size) {
                    return -1;
                }
                int n = (int) Math.min(len, size - pos);
                for (int i = 0; i < n; i++) {
                    long p = pos + i;
                    b[off + i] = p < head.length ? head[(int) p]
                            : p >= size - tail.length ? tail[(int) (p - (size - tail.length))] : 0;
                }
                sha.update(b, off, n);
                pos += n;
                return n;
            }
        };
    }

    @Test
    void aTruncatedUploadLeavesNothingVisible() throws Exception {
        byte[] img = image(100_000, 3);
        ChunkStore store = stores.store("westeurope", 0);
        assertThrows(IOException.class, () -> Ingest.ingest(new ByteArrayInputStream(img), store, stores.hashers(),
                img.length + 10));
        assertEquals(0, store.physicalBytes());
        assertTrue(store.refs().isEmpty());
    }

    @Test
    void aCorruptChunkIsNeverServedAndAnotherReplicaServesIt() throws Exception {
        byte[] img = image(40 * Chunking.FIXED, 11);
        Manifest m = put("westeurope", img, "blob:x");
        new Replicator(stores).replicate(m, "westeurope", 2, "version:x", null, c -> {
        });
        ChunkStore r0 = stores.store("westeurope", 0);
        ChunkId victim = m.chunk(0);
        corrupt(r0, victim);
        assertThrows(CorruptChunkException.class, () -> r0.get(victim));
        assertThrows(CorruptChunkException.class, () -> read(m, 0, img.length, List.of(r0), List.of()));
        List<String> seen = new ArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ContentReader.write(m, 0, img.length, List.of(r0, stores.store("westeurope", 1)), List.of(), 0, out,
                e -> seen.add(e.getMessage()));
        assertArrayEquals(img, out.toByteArray());
        assertEquals(1, seen.size(), "the bad copy was met and skipped: " + seen);
    }

    /**
     * A read asks a store for a window of chunks at once ({@link ContentReader#WINDOW}: one batched index lookup), not
     * for each chunk twice ({@code has}, then {@code get}): with the index on disk, a lookup per chunk halved
     * downloads.
     */
    @Test
    void aReadAsksTheStoreForWindowsOfChunks() throws Exception {
        int chunks = 2 * ContentReader.WINDOW + 10;
        byte[] img = image(chunks * Chunking.FIXED, 14);
        Manifest m = put("westeurope", img, "blob:windows");
        ChunkStore real = stores.store("westeurope", 0);
        Map<String, Integer> calls = new java.util.TreeMap<>();
        ChunkStore counted = (ChunkStore) java.lang.reflect.Proxy.newProxyInstance(ChunkStore.class.getClassLoader(),
                new Class<?>[] {ChunkStore.class}, (proxy, method, args) -> {
                    calls.merge(method.getName(), 1, Integer::sum);
                    try {
                        return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ContentReader.write(m, 0, img.length, List.of(counted), List.of(), 0, out, e -> fail(e.getMessage()));
        assertArrayEquals(img, out.toByteArray());
        assertEquals(java.util.Set.of("getAll"), calls.keySet(), "nothing asked chunk by chunk: " + calls);
        assertTrue(calls.get("getAll") <= (m.count() + ContentReader.WINDOW - 1) / ContentReader.WINDOW,
                "one call per window: " + calls);
    }

    /** Replica 1 never had the blob: reading spread over both replicas takes it from replica 0 and reports nothing. */
    @Test
    void aReplicaThatNeverHadAChunkIsNoCorruption() throws Exception {
        byte[] img = image(24 * Chunking.FIXED, 12);
        Manifest m = put("westeurope", img, "blob:only-in-replica-0");
        ChunkStore empty = stores.store("westeurope", 1);
        List<String> seen = new ArrayList<>();
        for (int start = 0; start < 2; start++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ContentReader.write(m, 0, img.length, List.of(stores.store("westeurope", 0), empty), List.of(), start,
                    out, e -> seen.add(e.getMessage()));
            assertArrayEquals(img, out.toByteArray());
        }
        assertEquals(List.of(), seen, "a chunk a replica never had is not a fault");
    }

    /** Chunks are read from a source in runs; a bad one inside a run comes from the next nearest copy, alone. */
    @Test
    void aCorruptChunkInTheNearestSourceIsCopiedFromTheNextOne() throws Exception {
        byte[] img = image(300 * Chunking.FIXED, 13);
        Manifest m = put("westeurope", img, "blob:src");
        Replicator rep = new Replicator(stores);
        rep.replicate(m, "westeurope", 2, "version:src", null, c -> {
        });
        ChunkStore nearest = stores.store("westeurope", 0);
        ChunkId victim = m.chunk(5);
        corrupt(nearest, victim);
        List<ChunkId> from = new ArrayList<>();
        rep.hook((region, replica, id) -> from.add(id));
        var done = rep.replicate(m, "northeurope", 1, "version:src", null, c -> {
        });
        assertArrayEquals(img, read(m, 0, img.length, List.of(stores.store("northeurope", 0)), List.of()));
        assertEquals(Map.of("westeurope", m.uniqueBytes()), done.egressBySource());
        assertEquals(m.uniqueBytes() / Chunking.FIXED, from.size(), "every chunk copied once");
        assertThrows(CorruptChunkException.class, () -> nearest.get(victim));
    }

    @Test
    void deltaReplicationMovesOnlyMissingChunksFromTheNearestRegion() throws Exception {
        byte[] v1 = image(200 * Chunking.FIXED, 21);
        Manifest m1 = put("westeurope", v1, "blob:v1");
        Replicator rep = new Replicator(stores);
        var full = rep.replicate(m1, "northeurope", 1, "version:v1", null, c -> {
        });
        assertEquals(Map.of("westeurope", m1.uniqueBytes()), full.egressBySource());
        byte[] v2 = v1.clone();
        new Random(1).nextBytes(new byte[0]);
        for (int i = 0; i < 5; i++) {
            v2[i * 37 * Chunking.FIXED + 100] ^= 1; // five chunks change
        }
        Manifest m2 = put("westeurope", v2, "blob:v2");
        var delta = rep.replicate(m2, "northeurope", 1, "version:v2", null, c -> {
        });
        assertEquals(Map.of("westeurope", 5L * Chunking.FIXED), delta.egressBySource());
        // eastus has neither: v1's chunks come from the same geography first, never across it twice
        var east = rep.replicate(m2, "eastus", 1, "version:v2", null, c -> {
        });
        assertEquals(m2.uniqueBytes(), east.egressBySource().values().stream().mapToLong(Long::longValue).sum());
        assertArrayEquals(v2, read(m2, 0, v2.length, List.of(stores.store("eastus", 0)), List.of()));
    }

    @Test
    void aCrashMidCopyResumesWithoutRecopyingAndCountsEgressOnce() throws Exception {
        byte[] img = image(400 * Chunking.FIXED, 31);
        Manifest m = put("westeurope", img, "blob:v");
        // checkpoints every 256 KiB (the default floor, 4 MiB, would save the first one at the end of this copy)
        Replicator rep = new Replicator(stores, 0, 256 << 10);
        AtomicInteger copied = new AtomicInteger();
        rep.hook((region, replica, id) -> {
            if (copied.incrementAndGet() == 300) { // both replicas are fed together: about 150 entries in
                throw new IOException("killed");
            }
        });
        Replicator.Checkpoint[] saved = {null};
        assertThrows(IOException.class, () -> rep.replicate(m, "eastus", 2, "version:v", null, c -> saved[0] = c));
        assertTrue(saved[0] != null && saved[0].verified() > 0, "progress was saved: " + saved[0]);
        int before = copied.get();
        var done = rep.replicate(m, "eastus", 2, "version:v", saved[0], c -> saved[0] = c);
        int chunks = (int) (m.uniqueBytes() / Chunking.FIXED);
        // replica 0 once, replica 1 once; at most the uncommitted batch at the crash is copied again into each: 5
        // percent of the entries, or the 256 KiB a step moves at least (the floor this replicator was given)
        int batch = Math.max(chunks / 20, (256 << 10) / Chunking.FIXED);
        assertTrue(copied.get() - before + (before - 1) <= 2 * chunks + 2 * batch + 1,
                "copied " + copied.get() + " for " + chunks + " chunks x 2 replicas");
        assertEquals(m.uniqueBytes(), done.egressBytes(), "egress counted once");
        for (int r = 0; r < 2; r++) {
            assertArrayEquals(img, read(m, 0, img.length, List.of(stores.store("eastus", r)), List.of()));
        }
    }

    @Test
    void aSmallCopySavesOneCheckpointAtItsEnd() throws Exception {
        // a burst of small versions: each checkpoint is a transaction on the job row and a commit (an fsync and an
        // index write) in every replica; a copy of 1.6 MiB into two replicas, done within 2 s, saves only its last
        byte[] img = image(400 * Chunking.FIXED, 33);
        Manifest m = put("westeurope", img, "blob:small");
        List<Replicator.Checkpoint> saved = new ArrayList<>();
        long started = System.nanoTime();
        var done = new Replicator(stores).replicate(m, "eastus", 2, "version:small", null, saved::add);
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        assertTrue(saved.size() >= 1 && saved.size() <= 1 + seconds / 2, "checkpoints: " + saved);
        Replicator.Checkpoint last = saved.get(saved.size() - 1);
        assertEquals(m.count(), last.counted(), "the last names every entry counted: " + last);
        assertEquals(m.uniqueBytes(), done.egressBytes());
        for (int r = 0; r < 2; r++) {
            assertArrayEquals(img, read(m, 0, img.length, List.of(stores.store("eastus", r)), List.of()));
        }
    }

    @Test
    void collectingFreesWhatNoRefNamesButKeepsWhatAnOpenSessionUses() throws Exception {
        byte[] a = image(30 * Chunking.FIXED, 41);
        byte[] b = image(30 * Chunking.FIXED, 42);
        Manifest ma = put("westeurope", a, "blob:a");
        put("westeurope", b, "blob:b");
        ChunkStore store = stores.store("westeurope", 0);
        long both = store.physicalBytes();
        try (ChunkStore.Session inflight = store.session()) {
            assertTrue(inflight.has(ma.chunk(0)));
            store.deleteRef("blob:a");
            var gc = store.collect();
            assertEquals(1, gc.manifestsDropped());
            assertTrue(store.has(ma.chunk(0)), "an in-flight copy's chunk survives");
            assertEquals(ma.usedBytes() - ma.length(0), gc.bytesFreed());
        }
        store.collect();
        assertFalse(store.has(ma.chunk(0)));
        assertEquals(both - ma.usedBytes(), store.physicalBytes());
        // reopening reads the rewritten index
        stores.close();
        stores = openStores();
        assertEquals(both - ma.usedBytes(), stores.store("westeurope", 0).physicalBytes());
    }
}

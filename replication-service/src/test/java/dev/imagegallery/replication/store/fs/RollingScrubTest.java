package dev.imagegallery.replication.store.fs;

import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.Manifest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scrubbing in rolling slices: a pass reads what was committed since the last one and its slice of the rest (a chunk
 * more at most), and the passes of a period read every chunk once, so a corrupt chunk is found within a period wherever it lies.
 */
class RollingScrubTest {
    static final int N = 12;
    static final double QUARTER = 0.25;
    @TempDir
    Path root;
    FsChunkStore store;
    ExecutorService hasher;
    List<Manifest> versions = new ArrayList<>();

    @BeforeEach
    void open() throws IOException {
        System.setProperty("gallery.store.buffered-io", "true"); // packs hold the chunks end to end: bytes compare
        store = new FsChunkStore("westeurope", 0, root.resolve("store"), true);
        hasher = Executors.newSingleThreadExecutor();
        for (int v = 0; v < N; v++) {
            versions.add(IndexCrashTest.upload(store, hasher, IncrementalCollectionTest.content(v), "blob:v" + v));
        }
    }

    @AfterEach
    void close() {
        store.close();
        hasher.shutdownNow();
        System.clearProperty("gallery.store.buffered-io");
    }

    long packBytes() throws IOException {
        try (Stream<Path> files = Files.list(store.dir().resolve("packs"))) {
            return files.filter(p -> p.toString().endsWith(".pack")).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    void corrupt(ChunkId id) throws IOException {
        long[] off = new long[1];
        Path pack = store.packOf(id, off).orElseThrow();
        try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
            f.seek(off[0] + 7);
            int b = f.read();
            f.seek(off[0] + 7);
            f.write(b ^ 0xff);
        }
    }

    @Test
    void aPassReadsAtMostItsSliceAndWhatIsNewAndAPeriodReadsEveryChunkOnce() throws Exception {
        var first = store.scrub(QUARTER, (id, problem) -> {
        });
        long slice = (long) Math.ceil(packBytes() * QUARTER);
        assertTrue(first.bytesRead() >= store.physicalBytes(), "everything is new to the first pass");
        assertTrue(first.bytesRead() <= store.physicalBytes() + slice + 4096, "and its slice besides");
        long chunks = 0;
        long bytes = 0;
        boolean wrapped = false;
        for (int pass = 0; pass < 4; pass++) {
            var p = store.scrub(QUARTER, (id, problem) -> {
            });
            assertTrue(p.bytesRead() <= slice + 4096, "pass " + pass + " read " + p.bytesRead() + " of a slice of "
                    + slice);
            assertTrue(p.bytesRead() > 0);
            assertEquals((long) Math.ceil(N * QUARTER), p.manifests().size(), "a quarter of the manifests");
            chunks += p.chunksChecked();
            bytes += p.bytesRead();
            wrapped |= p.wrapped();
        }
        // four quarters read every chunk once, and at most the one chunk each pass reads past its budget again
        assertTrue(chunks >= store.rocks().count() && chunks <= store.rocks().count() + 4, chunks + " chunks");
        assertTrue(bytes >= store.physicalBytes() && bytes <= store.physicalBytes() + 4 * 4096, bytes + " bytes");
        assertTrue(wrapped);

        // new content: read by the next pass beside its slice, and its manifest checked
        Manifest fresh = IndexCrashTest.upload(store, hasher, IncrementalCollectionTest.content(99), "blob:new");
        long newBytes = fresh.uniqueBytes() - 8 * 4096; // its first eight chunks every version shares
        ChunkId last = fresh.chunk(fresh.count() - 2);
        corrupt(last);
        Map<ChunkId, String> bad = new LinkedHashMap<>();
        var p = store.scrub(QUARTER, bad::put);
        assertEquals(Map.of(last, "corrupt"), bad, "the new chunk's rot is found at once");
        slice = (long) Math.ceil(packBytes() * QUARTER); // of the store as it is now
        assertTrue(p.bytesRead() <= slice + newBytes + 4096, p.bytesRead() + " > slice + new " + newBytes);
        assertTrue(p.manifests().contains(fresh.contentHex));
    }

    @Test
    void aCorruptChunkAnywhereIsFoundWithinOnePeriod() throws Exception {
        store.scrub(QUARTER, (id, problem) -> {
        });
        for (int v : new int[] {0, 5, 11}) { // early, middle and late in the packs
            Manifest m = versions.get(v);
            ChunkId id = m.chunk(m.count() / 2);
            corrupt(id);
            Map<ChunkId, String> found = new LinkedHashMap<>();
            for (int pass = 0; pass < 4; pass++) {
                store.scrub(QUARTER, (c, problem) -> found.merge(c, problem, (a, b) -> a + "," + b));
            }
            assertEquals(Map.of(id, "corrupt"), found, "found once in a period");
            // repaired as the scrubber does: a fresh copy committed
            byte[] good = IncrementalCollectionTest.content(v);
            int off = m.count() / 2 * 4096;
            try (ChunkStore.Session s = store.session()) {
                s.put(id, good, off, 4096);
                s.commit();
            }
            store.get(id);
        }
        Map<ChunkId, String> none = new LinkedHashMap<>();
        for (int pass = 0; pass < 5; pass++) {
            store.scrub(QUARTER, none::put);
        }
        assertFalse(none.containsKey(null));
        assertTrue(none.isEmpty(), "the replaced copies are passed over, the new ones verify: " + none);
    }
}

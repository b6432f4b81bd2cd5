package dev.imagegallery.replication.store;

import dev.imagegallery.replication.content.Chunking;
import dev.imagegallery.replication.content.ContentReader;
import dev.imagegallery.replication.content.Ingest;
import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.content.Replicator;
import dev.imagegallery.replication.store.fs.FsBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fan-out (issue 16): a copy into a region reads its source once, whatever the region's replica count, and feeds
 * every replica from that one read; a replica that fails leaves the others whole. Real filesystem stores in a
 * temporary folder, each store's reads counted by {@link CountingBackend}.
 */
class FanOutTest {
    @TempDir
    Path root;
    CountingBackend backend;
    RegionStores stores;

    @BeforeEach
    void open() {
        backend = new CountingBackend(new FsBackend(root, true));
        stores = new RegionStores(root, backend);
    }

    @AfterEach
    void close() {
        stores.close();
    }

    /** 600 chunks: a quarter of them zeros, and a few repeated (each stored and read once). */
    static byte[] image() {
        int c = Chunking.FIXED;
        byte[] img = ChunkStoreContract.image(600 * c, 16);
        System.arraycopy(img, 0, img, 400 * c, 4 * c);
        return img;
    }

    Manifest put(byte[] img) throws IOException {
        ChunkStore store = stores.store("westeurope", 0);
        Ingest.Result r = Ingest.ingest(new ByteArrayInputStream(img), store, stores.hashers(), img.length);
        try (ChunkStore.Session s = r.session()) {
            s.commit();
            s.keep(r.digestHex());
            store.putManifest(r.manifest());
            store.setRef("blob:v", r.digestHex());
        }
        return store.manifest(r.digestHex()).orElseThrow();
    }

    /** The replica holds the version whole: its manifest, its ref, and every byte read from it alone. */
    void assertWhole(byte[] img, Manifest m, String region, int replica) throws IOException {
        ChunkStore s = stores.store(region, replica);
        String at = region + "/replica-" + replica;
        assertEquals(Optional.of(m.contentHex), s.ref("version:v"), at);
        assertTrue(s.manifest(m.contentHex).isPresent(), at);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ContentReader.write(m, 0, m.size, List.of(s), List.of(), 0, out, e -> {
            throw new AssertionError(at + ": " + e);
        });
        assertArrayEquals(img, out.toByteArray(), at);
    }

    /**
     * A replica that holds the manifest but not every chunk it names (a manifest left by an earlier copy whose chunks
     * a repair or an operator removed since) is made whole by the copy, not taken as done: before, the copy wrote the
     * ref alone and the version read back broken there.
     */
    @Test
    void aReplicaHoldingTheManifestButNotItsChunksGetsTheChunks() throws Exception {
        byte[] img = image();
        Manifest m = put(img);
        ChunkStore target = stores.store("northeurope", 0);
        target.putManifest(m); // the manifest alone
        assertFalse(target.has(m.chunk(0)));
        Replicator.Checkpoint done = new Replicator(stores).replicate(m, "northeurope", 1, "version:v", null, c -> {
        });
        assertEquals(m.uniqueBytes(), done.copiedBytes(), "the chunks it lacked were written");
        assertWhole(img, m, "northeurope", 0);
        Replicator.Checkpoint again = new Replicator(stores).replicate(m, "northeurope", 1, "version:v", null, c -> {
        });
        assertEquals(0, again.copiedBytes(), "a whole replica is only looked at");
    }

    @Test
    void aRegionReadsItsSourceOnceHoweverManyReplicasItHas() throws Exception {
        byte[] img = image();
        Manifest m = put(img);
        Replicator rep = new Replicator(stores);
        List<String> regions = List.of("northeurope", "eastus", "westus2");
        ExecutorService pool = Executors.newFixedThreadPool(regions.size()); // one copier per region, as the worker
        List<Future<Replicator.Checkpoint>> copies = new ArrayList<>();
        try {
            for (String region : regions) {
                copies.add(pool.submit(() -> CountingBackend.as(region,
                        () -> rep.replicate(m, region, 3, "version:v", null, c -> {
                        }))));
            }
            for (int i = 0; i < regions.size(); i++) {
                String region = regions.get(i);
                Replicator.Checkpoint done = copies.get(i).get();
                assertTrue(backend.read("westeurope", 0, region) <= m.uniqueBytes(),
                        "the source read at most once for " + region + ": " + backend.read("westeurope", 0, region));
                assertEquals(m.uniqueBytes(), backend.readBy(region),
                        "one read of the content for the three replicas of " + region + ", from whichever store");
                assertEquals(m.uniqueBytes(), done.egressBytes(), "egress into " + region + " counted once");
                assertEquals(3 * m.uniqueBytes(), done.copiedBytes(), "written into each replica of " + region);
            }
        } finally {
            pool.shutdownNow();
        }
        for (String region : regions) {
            for (int r = 0; r < 3; r++) {
                assertWhole(img, m, region, r);
            }
        }
    }

    @Test
    void aReplicaThatFailsLeavesTheOthersWholeAndItsRetryReadsAgain() throws Exception {
        byte[] img = image();
        Manifest m = put(img);
        // checkpoints (and commits) every 256 KiB: replica 1 has committed some of the copy when it fails (at the
        // default 4 MiB floor a copy this small commits only at its end, and its retry would read it all)
        Replicator rep = new Replicator(stores, 0, 256 << 10);
        backend.failWrites("eastus", 1, 100); // its disk fills up after 100 chunks
        Replicator.Checkpoint[] saved = {null};
        IOException failed = assertThrows(IOException.class, () -> CountingBackend.as("first",
                () -> rep.replicate(m, "eastus", 3, "version:v", null, c -> saved[0] = c)));
        assertTrue(failed.getMessage().contains("replica(s) [1]"), failed.getMessage());
        assertEquals(m.uniqueBytes(), backend.readBy("first"), "one read fed the three replicas");
        assertWhole(img, m, "eastus", 0);
        assertWhole(img, m, "eastus", 2);
        ChunkStore broken = stores.store("eastus", 1);
        assertEquals(Optional.empty(), broken.manifest(m.contentHex));
        assertEquals(Optional.empty(), broken.ref("version:v"));
        assertEquals(1, saved[0].replica(), "the retry starts at the failed replica: " + saved[0]);
        assertTrue(saved[0].percent() >= 66, "two replicas of three are done: " + saved[0]);

        backend.failWrites("eastus", 1, -1); // space is back
        Replicator.Checkpoint done = CountingBackend.as("retry",
                () -> rep.replicate(m, "eastus", 3, "version:v", saved[0], c -> saved[0] = c));
        long again = backend.readBy("retry");
        assertTrue(again > 0 && again < m.uniqueBytes(), "the retry reads what replica 1 lacks: " + again);
        assertEquals(0, backend.read("westeurope", 0, "retry"), "from the region's own replicas, not the source");
        assertEquals(Map.of("westeurope", m.uniqueBytes()), done.egressBySource(), "egress counted once");
        for (int r = 0; r < 3; r++) {
            assertWhole(img, m, "eastus", r);
        }
    }
}

package dev.imagegallery.replication.store;

import dev.imagegallery.replication.content.Ingest;
import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.content.Replicator;
import dev.imagegallery.replication.store.fs.FsBackend;
import dev.imagegallery.replication.store.fs.FsChunkStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store contract on the filesystem backend (packs and index on local disk). */
class FsChunkStoreContractTest extends ChunkStoreContract {
    @TempDir
    Path root;

    @Override
    RegionStores openStores() {
        return new RegionStores(root, new FsBackend(root, true));
    }

    @Override
    void corrupt(ChunkStore store, ChunkId id) throws Exception {
        long[] off = new long[1];
        Path pack = ((FsChunkStore) store).packOf(id, off).orElseThrow();
        try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
            f.seek(off[0] + 7);
            int b = f.read();
            f.seek(off[0] + 7);
            f.write(b ^ 0xff);
        }
    }

    /** With direct I/O every chunk takes whole blocks of its pack; buffered, the pack holds the chunks end to end. */
    @Test
    void packsAreWrittenInWholeBlocksWithDirectIo() throws Exception {
        RegionStores stores = openStores();
        try {
            FsChunkStore store = (FsChunkStore) stores.store("westeurope", 0);
            byte[] shortChunk = new byte[100];
            Arrays.fill(shortChunk, (byte) 7);
            byte[] fullChunk = new byte[FsChunkStore.BLOCK];
            Arrays.fill(fullChunk, (byte) 9);
            ChunkId a = ChunkId.digest(ChunkId.sha256(), shortChunk, 0, shortChunk.length);
            ChunkId b = ChunkId.digest(ChunkId.sha256(), fullChunk, 0, fullChunk.length);
            try (ChunkStore.Session s = store.session()) {
                s.put(a, shortChunk, 0, shortChunk.length);
                s.put(b, fullChunk, 0, fullChunk.length);
                s.commit();
            }
            boolean direct = FsChunkStore.directIoWorks(Files.createTempDirectory(root, "probe"));
            long[] off = new long[1];
            Path pack = store.packOf(b, off).orElseThrow();
            assertEquals(direct ? FsChunkStore.BLOCK : shortChunk.length, off[0]);
            assertEquals(direct ? 2L * FsChunkStore.BLOCK : shortChunk.length + fullChunk.length, Files.size(pack));
            assertArrayEquals(shortChunk, store.get(a));
            assertArrayEquals(fullChunk, store.get(b));
        } finally {
            stores.close();
        }
    }

    /**
     * A session that fills several packs seals each one on a writer thread as it goes: commit makes every pack durable
     * and indexed (the content reads back after a restart), and a session closed without commit leaves no pack behind.
     */
    @Test
    void aSessionFillingSeveralPacksCommitsThemAllAndAnAbandonedOneLeavesNone() throws Exception {
        stores.close();
        System.setProperty("gallery.store.pack-max-bytes", String.valueOf(64 * FsChunkStore.BLOCK));
        try {
            stores = openStores();
            stores.store("westeurope", 0);
        } finally {
            System.clearProperty("gallery.store.pack-max-bytes");
        }
        Path packs = root.resolve("westeurope/replica-0/packs");
        byte[] img = image(2 << 20, 11);
        Manifest m = put("westeurope", img, "blob:packs");
        long written;
        try (var files = Files.list(packs)) {
            written = files.filter(p -> p.toString().endsWith(".pack")).count();
        }
        assertTrue(written >= 6, "1.5 MiB of chunks in packs of 256 KiB: " + written + " packs");

        ChunkStore store = stores.store("westeurope", 0);
        Ingest.Result abandoned = Ingest.ingest(new java.io.ByteArrayInputStream(image(2 << 20, 12)), store,
                stores.hashers(), -1);
        abandoned.session().close();
        try (var files = Files.list(packs)) {
            assertEquals(written, files.filter(p -> p.toString().endsWith(".pack")).count());
        }

        stores.close();
        stores = openStores();
        assertArrayEquals(img, read(m, 0, img.length, List.of(stores.store("westeurope", 0)), List.of()));
    }

    /** gallery.store.max-copy-bytes-per-second: a copy is held to the rate on average (1 MiB reads at a time). */
    @Test
    void aCopyIsHeldToItsRate() throws Exception {
        byte[] img = image(8 << 20, 14); // 6 MiB of chunks
        Manifest m = put("westeurope", img, "blob:paced");
        long t0 = System.nanoTime();
        new Replicator(stores, 16 << 20).replicate(m, "eastus", 1, "version:paced", null, c -> {
        });
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds >= 0.3, "6 MiB at 16 MiB/s take at least 5/16 s: " + seconds);
        assertArrayEquals(img, read(m, 0, img.length, List.of(stores.store("eastus", 0)), List.of()));
    }
}

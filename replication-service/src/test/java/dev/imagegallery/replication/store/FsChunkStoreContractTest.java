package dev.imagegallery.replication.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The store contract on the filesystem backend (packs and index on local disk). */
class FsChunkStoreContractTest extends ChunkStoreContract {
    @TempDir
    Path root;

    @Override
    RegionStores openStores() {
        return new RegionStores(root, true);
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
            ChunkId a = ChunkId.digest(RegionStores.sha256(), shortChunk, 0, shortChunk.length);
            ChunkId b = ChunkId.digest(RegionStores.sha256(), fullChunk, 0, fullChunk.length);
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
}

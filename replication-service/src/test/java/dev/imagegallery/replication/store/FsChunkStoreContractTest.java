package dev.imagegallery.replication.store;

import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Path;

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
}

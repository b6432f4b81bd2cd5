package dev.imagegallery.replication.store;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobClient;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.UUID;

/**
 * The store contract on the Azure Blob backend, against Azurite (one account per region). Each test uses its own
 * containers (a fresh prefix), so tests do not see each other's chunks.
 */
@ExtendWith(Azurite.class)
class AzureBlobChunkStoreContractTest extends ChunkStoreContract {
    @TempDir
    Path root;
    final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8) + "-replica-";

    @Override
    RegionStores openStores() {
        return new RegionStores(root, new AzureBlobBackend(Azurite.connectionStrings(), prefix, 512 << 10));
    }

    @Override
    void corrupt(ChunkStore store, ChunkId id) {
        AzureBlobChunkStore s = (AzureBlobChunkStore) store;
        long[] off = new long[1];
        BlobClient pack = s.container().getBlobClient(s.packOf(id, off).orElseThrow());
        byte[] b = pack.downloadContent().toBytes();
        b[(int) off[0] + 7] ^= (byte) 0xff;
        pack.upload(BinaryData.fromBytes(b), true);
        s.dropCache();
    }
}

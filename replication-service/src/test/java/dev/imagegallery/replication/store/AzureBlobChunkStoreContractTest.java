package dev.imagegallery.replication.store;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobClient;
import dev.imagegallery.replication.content.Chunking;
import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.store.azure.AzureBlobBackend;
import dev.imagegallery.replication.store.azure.AzureBlobChunkStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store contract on the Azure Blob backend, against Azurite (one account per region). Each test uses its own
 * containers (a fresh prefix), so tests do not see each other's chunks.
 */
@ExtendWith(Azurite.class)
class AzureBlobChunkStoreContractTest extends ChunkStoreContract {
    @TempDir
    Path root;
    final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8) + "-replica-";

    /** A tenant's stores, as the service opens them: blob names under {@code tenants/contract/}. */
    @Override
    RegionStores openStores() {
        return new RegionStores(root, new AzureBlobBackend(Azurite.connectionStrings(), prefix, 512 << 10)
                .namespace("contract"));
    }

    /** Two tenants share the region's containers: neither sees the other's chunks, nor collects them. */
    @Test
    void namespacesInOneContainerNeitherSeeNorCollectEachOther() throws Exception {
        AzureBlobBackend accounts = new AzureBlobBackend(Azurite.connectionStrings(), prefix, 512 << 10);
        RegionStores other = new RegionStores(root, accounts.namespace("other"));
        try {
            byte[] img = image(20 * Chunking.FIXED, 21);
            Manifest m = put("westeurope", img, "blob:mine");
            ChunkStore theirs = other.store("westeurope", 0);
            assertFalse(theirs.has(m.chunk(0)));
            assertTrue(theirs.manifest(m.contentHex).isEmpty());
            assertTrue(theirs.refs().isEmpty());
            theirs.collect();
            stores.close();
            stores = openStores(); // read back from the account: the other tenant's collection took nothing
            assertArrayEquals(img, read(m, 0, img.length, List.of(stores.store("westeurope", 0)), List.of()));
            assertTrue(accounts.namespaces().containsAll(Set.of("contract", "other")), "" + accounts.namespaces());
        } finally {
            other.close();
        }
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

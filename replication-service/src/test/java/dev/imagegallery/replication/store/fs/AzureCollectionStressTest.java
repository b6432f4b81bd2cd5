package dev.imagegallery.replication.store.fs;

import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.store.Azurite;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.azure.AzureBlobBackend;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CollectionStressTest} on the Azure Blob backend, against Azurite: its index's local copy keeps reference
 * counts, so its collections are incremental as on the filesystem (every fifth the full one), and each that frees
 * something rewrites the index blob. The incremental collections leaked 457 chunks here until the Azure store
 * journalled a ref's old manifest when the ref was deleted or replaced, as the filesystem store does.
 */
@ExtendWith(Azurite.class)
class AzureCollectionStressTest {
    @TempDir
    Path root;

    @Test
    void uploadsAndDeletionsBesideCollectionsLoseNothingAndLeakNothing() throws Exception {
        String prefix = "t" + UUID.randomUUID().toString().substring(0, 8) + "-replica-";
        RegionStores stores = new RegionStores(root, new AzureBlobBackend(Azurite.connectionStrings(), prefix,
                512 << 10, root.resolve("azure-index")).namespace("stress"));
        ChunkStore store = stores.store("westeurope", 0);
        try {
            CollectionStressTest.beside(store, 20_000, (writer, v, c) -> {
                String ref = "blob:w" + writer + "-" + v;
                IndexCrashTest.upload(store, stores.hashers(), c, ref, 1 << 20);
                return ref;
            });
        } finally {
            stores.close();
        }
    }
}

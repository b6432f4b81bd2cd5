package dev.imagegallery.replication.store;

import com.azure.storage.blob.models.ListBlobsOptions;
import dev.imagegallery.replication.content.Chunking;
import dev.imagegallery.replication.content.ContentReader;
import dev.imagegallery.replication.content.Ingest;
import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.content.Replicator;
import dev.imagegallery.replication.store.azure.AzureBlobBackend;
import dev.imagegallery.replication.store.azure.AzureBlobChunkStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replication between regions whose stores are separate Azure storage accounts (Azurite): the chunks move through
 * the service (read from one account, verified, written to the other), only the ones the target lacks, into packs.
 */
@ExtendWith(Azurite.class)
class AzureReplicationTest {
    @TempDir
    Path root;
    final String prefix = "r" + UUID.randomUUID().toString().substring(0, 8) + "-replica-";
    RegionStores stores;

    @BeforeEach
    void open() {
        stores = new RegionStores(root, new AzureBlobBackend(Azurite.connectionStrings(), prefix, 512 << 10,
                root.resolve("azure-index")));
    }

    @AfterEach
    void close() {
        stores.close();
    }

    Manifest upload(String region, byte[] content, String ref) throws Exception {
        ChunkStore store = stores.store(region, 0);
        Ingest.Result r = Ingest.ingest(new ByteArrayInputStream(content), store, stores.hashers(), content.length);
        try (ChunkStore.Session s = r.session()) {
            s.commit();
            s.keep(r.digestHex());
            store.putManifest(r.manifest());
            store.setRef(ref, r.digestHex());
        }
        return r.manifest();
    }

    @Test
    void aNewVersionMovesOnlyTheChunksTheOtherAccountLacks() throws Exception {
        int chunk = Chunking.FIXED;
        byte[] v1 = new byte[16 << 20]; // 16 MiB, a quarter of it zeros
        new Random(7).nextBytes(v1);
        java.util.Arrays.fill(v1, 4 << 20, 8 << 20, (byte) 0);
        Manifest m1 = upload("westeurope", v1, "blob:v1");
        Replicator rep = new Replicator(stores);
        AtomicLong copied = new AtomicLong();
        rep.hook((region, replica, id) -> copied.incrementAndGet());

        var full = rep.replicate(m1, "northeurope", 2, "version:v1", null, c -> {
        });
        assertEquals(Map.of("westeurope", m1.uniqueBytes()), full.egressBySource(),
                "replica 0 took every distinct non-zero chunk from westeurope once");
        assertEquals(2 * m1.uniqueBytes() / chunk, copied.get(), "replica 1 was filled from replica 0");
        ChunkStore n0 = stores.store("northeurope", 0);
        ChunkStore n1 = stores.store("northeurope", 1);
        assertEquals(m1.uniqueBytes(), n0.physicalBytes());
        assertEquals(m1.uniqueBytes(), n1.physicalBytes());

        byte[] v2 = v1.clone();
        for (int i = 0; i < 7; i++) {
            v2[(i * 131 + 5) * chunk + 9] ^= 1; // seven chunks change, none in the zeros (chunks 1024..2047)
        }
        Manifest m2 = upload("westeurope", v2, "blob:v2");
        copied.set(0);
        var delta = rep.replicate(m2, "northeurope", 2, "version:v2", null, c -> {
        });
        assertEquals(Map.of("westeurope", 7L * chunk), delta.egressBySource(), "only the seven new chunks crossed");
        assertEquals(14, copied.get(), "seven chunks into each of two replicas");
        assertEquals(m1.uniqueBytes() + 7L * chunk, n1.physicalBytes());

        for (ChunkStore s : List.of(n0, n1)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ContentReader.write(m2, 0, m2.size, List.of(s), List.of(), 0, out, e -> {
            });
            assertArrayEquals(v2, out.toByteArray(), "byte for byte from " + s);
            assertEquals(m2.contentHex, s.ref("version:v2").orElseThrow());
            long blobs = ((AzureBlobChunkStore) s).container()
                    .listBlobs(new ListBlobsOptions().setPrefix("packs/"), null).stream().count();
            assertTrue(blobs <= 3, "chunks live in packs, not a blob each: " + blobs + " pack blobs in " + s);
        }

        // a reopened store reads the index back from its account
        stores.close();
        open();
        assertEquals(m1.uniqueBytes() + 7L * chunk, stores.store("northeurope", 1).physicalBytes());
        assertEquals(2, stores.replicas("northeurope"));
        assertTrue(stores.replicas("westus2") == 0, "no replica store was made where nothing was copied");
    }
}

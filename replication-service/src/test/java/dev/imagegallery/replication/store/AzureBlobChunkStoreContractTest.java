package dev.imagegallery.replication.store;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.ListBlobsOptions;
import dev.imagegallery.replication.content.Chunking;
import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.store.azure.AzureBlobBackend;
import dev.imagegallery.replication.store.azure.AzureBlobChunkStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
        return new RegionStores(root, new AzureBlobBackend(Azurite.connectionStrings(), prefix, 512 << 10, root.resolve("azure-index"))
                .namespace("contract"));
    }

    /** Two tenants share the region's containers: neither sees the other's chunks, nor collects them. */
    @Test
    void namespacesInOneContainerNeitherSeeNorCollectEachOther() throws Exception {
        AzureBlobBackend accounts = new AzureBlobBackend(Azurite.connectionStrings(), prefix, 512 << 10, root.resolve("azure-index"));
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
    void corrupt(ChunkStore store, ChunkId id) throws IOException {
        AzureBlobChunkStore s = (AzureBlobChunkStore) store;
        long[] off = new long[1];
        BlobClient pack = s.container().getBlobClient(s.packOf(id, off).orElseThrow());
        byte[] b = pack.downloadContent().toBytes();
        b[(int) off[0] + 7] ^= (byte) 0xff;
        pack.upload(BinaryData.fromBytes(b), true);
        s.dropCache();
    }

    /** A container of its own for a store opened by hand (not through the backend). */
    private BlobContainerClient container(String name) {
        return new BlobServiceClientBuilder().connectionString(Azurite.connectionStrings().get("westeurope"))
                .addPolicy((context, next) -> {
                    if (context.getHttpRequest().getUrl().getPath().contains("pack-")
                            && context.getHttpRequest().getHttpMethod() == com.azure.core.http.HttpMethod.GET) {
                        packReads.incrementAndGet();
                    }
                    return next.process();
                })
                .buildClient().getBlobContainerClient(prefix + name);
    }

    /** GET requests on packs (chunk reads) made through {@link #container}'s clients. */
    final java.util.concurrent.atomic.AtomicInteger packReads = new java.util.concurrent.atomic.AtomicInteger();

    private Manifest upload(AzureBlobChunkStore store, byte[] content, String ref) throws Exception {
        return put(store, new ByteArrayInputStream(content), content.length, ref);
    }

    /** The committed blocks of each index generation in the container. */
    private static List<Integer> indexBlocks(BlobContainerClient c) {
        List<Integer> out = new ArrayList<>();
        for (BlobItem b : c.listBlobs(new ListBlobsOptions().setPrefix("index/"), null)) {
            out.add(c.getBlobClient(b.getName()).getAppendBlobClient().getProperties().getCommittedBlockCount());
        }
        return out;
    }

    /**
     * Each commit appends a block to the index's append blob, and an append blob takes 50,000 blocks at most: a store
     * that only grew (nothing collected, so the index was never rewritten) refused every write after its 50,000th
     * commit. The index now rolls to its next generation before its limit (here 4 blocks), whether or not anything
     * was collected, and a reopened store finds every chunk.
     */
    @Test
    void theIndexRollsToItsNextGenerationBeforeTheAppendBlobIsFull() throws Exception {
        BlobContainerClient c = container("roll");
        List<byte[]> images = new ArrayList<>();
        List<Manifest> manifests = new ArrayList<>();
        AzureBlobChunkStore store = new AzureBlobChunkStore("westeurope", 0, c, "", 512 << 10, root.resolve("roll"), 4);
        try {
            for (int i = 0; i < 10; i++) {
                byte[] img = image(3 * Chunking.FIXED, 100 + i);
                images.add(img);
                manifests.add(upload(store, img, "blob:roll-" + i));
                for (int blocks : indexBlocks(c)) {
                    assertTrue(blocks <= 4, "an index generation holds " + blocks + " blocks after commit " + i);
                }
            }
            assertTrue(store.indexGeneration() >= 3, "generation " + store.indexGeneration());
        } finally {
            store.close();
        }
        assertEquals(1, indexBlocks(c).size(), "the older generations are deleted");
        AzureBlobChunkStore reopened = new AzureBlobChunkStore("westeurope", 0, c, "", 512 << 10, root.resolve("roll"), 4);
        try {
            assertFalse(reopened.indexRebuilt(), "the local copy noted the newest generation");
            for (int i = 0; i < images.size(); i++) {
                assertArrayEquals(images.get(i), read(manifests.get(i), 0, images.get(i).length, List.of(reopened),
                        List.of()), "image " + i + " after reopening");
            }
        } finally {
            reopened.close();
        }
    }

    private AzureBlobChunkStore open(BlobContainerClient c, String local) throws Exception {
        return new AzureBlobChunkStore("westeurope", 0, c, "", 512 << 10, root.resolve(local));
    }

    /**
     * The index is looked up in a copy on local disk (RocksDB), which notes how much of the remote generation it
     * holds: a copy that fell behind (here: another copy's store appended meanwhile) reads only what was appended
     * since; a copy of nothing is rebuilt from the whole generation; either finds every chunk.
     */
    @Test
    void theIndexsLocalCopyCatchesUpWithWhatWasAppendedSince() throws Exception {
        BlobContainerClient c = container("copy");
        byte[] one = image(3 * Chunking.FIXED, 31);
        byte[] two = image(3 * Chunking.FIXED, 32);
        AzureBlobChunkStore a = open(c, "copy-a");
        Manifest m1;
        try {
            assertFalse(a.indexRebuilt(), "a new store has nothing to rebuild");
            m1 = upload(a, one, "blob:one");
        } finally {
            a.close();
        }
        AzureBlobChunkStore b = open(c, "copy-b");
        Manifest m2;
        try {
            assertTrue(b.indexRebuilt(), "a copy of nothing is rebuilt");
            assertArrayEquals(one, read(m1, 0, one.length, List.of(b), List.of()));
            m2 = upload(b, two, "blob:two");
        } finally {
            b.close();
        }
        AzureBlobChunkStore again = open(c, "copy-a");
        try {
            assertFalse(again.indexRebuilt(), "a copy behind the same generation reads the tail only");
            assertTrue(again.has(m2.chunk(0)), "the chunk appended by the other copy's store");
            assertArrayEquals(one, read(m1, 0, one.length, List.of(again), List.of()));
            assertArrayEquals(two, read(m2, 0, two.length, List.of(again), List.of()));
        } finally {
            again.close();
        }
    }

    /**
     * A copy rebuilt from a generation that names a pack no longer there (written before a collection deleted the
     * pack, the copy that knew it being lost) leaves those records out: taken as stored, an upload of the same bytes
     * would have been deduplicated onto a missing pack and read back as lost.
     */
    @Test
    void aRebuiltCopyLeavesOutRecordsOfPacksThatAreGone() throws Exception {
        BlobContainerClient c = container("gone");
        byte[] img = image(3 * Chunking.FIXED, 41);
        AzureBlobChunkStore s = open(c, "gone-a");
        Manifest m;
        String pack;
        try {
            m = upload(s, img, "blob:gone");
            pack = s.packOf(m.chunk(0), new long[1]).orElseThrow();
        } finally {
            s.close();
        }
        c.getBlobClient(pack).delete();
        AzureBlobChunkStore rebuilt = open(c, "gone-b");
        try {
            assertTrue(rebuilt.indexRebuilt());
            assertFalse(rebuilt.has(m.chunk(0)), "a chunk of a deleted pack is not taken as stored");
            Manifest again = upload(rebuilt, img, "blob:gone-again");
            assertArrayEquals(img, read(again, 0, img.length, List.of(rebuilt), List.of()));
        } finally {
            rebuilt.close();
        }
    }

    /**
     * A damaged local copy (RocksDB's checks fail, or it is gone) is found at open and rebuilt from the index blob:
     * every chunk found again, and the rebuilt copy takes new commits.
     */
    @Test
    void aDamagedLocalCopyIsRebuiltFromTheBlob() throws Exception {
        BlobContainerClient c = container("damaged");
        byte[] img = image(3 * Chunking.FIXED, 51);
        AzureBlobChunkStore s = open(c, "damaged");
        Manifest m;
        try {
            m = upload(s, img, "blob:damaged");
        } finally {
            s.close();
        }
        Path copy = root.resolve("damaged");
        int n = 0;
        for (String damage : List.of("CURRENT deleted", "garbage in the MANIFEST", "the whole copy deleted")) {
            switch (damage) {
                case "CURRENT deleted" -> java.nio.file.Files.delete(copy.resolve("CURRENT"));
                case "garbage in the MANIFEST" -> {
                    try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(copy);
                         java.io.RandomAccessFile f = new java.io.RandomAccessFile(files.filter(p -> p.getFileName()
                                 .toString().startsWith("MANIFEST-")).findFirst().orElseThrow().toFile(), "rw")) {
                        f.seek(Math.min(20, f.length() / 2));
                        f.write(new byte[64]);
                    }
                }
                default -> {
                    try (java.util.stream.Stream<Path> all = java.nio.file.Files.walk(copy)) {
                        all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
            }
            AzureBlobChunkStore reopened = open(c, "damaged");
            try {
                assertTrue(reopened.indexRebuilt(), damage);
                assertArrayEquals(img, read(m, 0, img.length, List.of(reopened), List.of()), damage);
                byte[] more = image(2 * Chunking.FIXED, 60 + n++);
                Manifest mm = upload(reopened, more, "blob:more-" + n);
                assertArrayEquals(more, read(mm, 0, more.length, List.of(reopened), List.of()), damage);
            } finally {
                reopened.close();
            }
        }
    }

    /**
     * The Azure store scrubs in rolling slices over its index's local copy, as the filesystem store does: a pass reads
     * what was committed since the last one and its slice of the rest (a chunk past its budget at most), four quarter
     * passes read every chunk, and rot anywhere (old content, or content committed since the last pass) is found
     * within them, once. Before, every pass read every chunk of the store. A slice walks the chunks in pack order,
     * neighbours fetched together: a few requests a pass, not one a chunk (as a walk in digest order would).
     */
    @Test
    void aScrubPassReadsWhatIsNewAndItsSliceAndAPeriodFindsRotAnywhere() throws Exception {
        AzureBlobChunkStore store = open(container("scrub"), "scrub");
        try {
            List<Manifest> versions = new ArrayList<>();
            for (int v = 0; v < 12; v++) {
                versions.add(upload(store, image(40 * Chunking.FIXED, 300 + v), "blob:v" + v));
            }
            long[] count = {0};
            store.forEachChunk(id -> count[0]++);
            long total = store.physicalBytes();
            long slice = (long) Math.ceil(total * 0.25);
            Map<ChunkId, String> bad = new LinkedHashMap<>();
            var first = store.scrub(0.25, bad::put);
            assertTrue(first.bytesRead() >= total, "everything is new to the first pass: " + first);
            assertTrue(first.bytesRead() <= total + slice + 4096, "and its slice besides: " + first);
            long chunks = 0;
            long bytes = 0;
            boolean wrapped = false;
            for (int pass = 0; pass < 4; pass++) {
                packReads.set(0);
                var p = store.scrub(0.25, bad::put);
                assertTrue(p.bytesRead() > 0 && p.bytesRead() <= slice + 4096, "pass " + pass + ": " + p);
                assertTrue(packReads.get() <= 6, "pass " + pass + " read " + p.chunksChecked() + " chunks with "
                        + packReads.get() + " requests");
                assertEquals(3, p.manifests().size(), "a quarter of the manifests");
                chunks += p.chunksChecked();
                bytes += p.bytesRead();
                wrapped |= p.wrapped();
            }
            assertTrue(bad.isEmpty(), "" + bad);
            assertTrue(chunks >= count[0] && chunks <= count[0] + 4, chunks + " of " + count[0] + " chunks");
            assertTrue(bytes >= total && bytes <= total + 4 * 4096, bytes + " of " + total + " bytes");
            assertTrue(wrapped, "a period came round");
            for (int pass = 0; pass < 5; pass++) { // thin slices (6 h of 7 d is 1/28): still neighbours, few requests
                packReads.set(0);
                var p = store.scrub(0.04, bad::put);
                assertTrue(packReads.get() <= 3, "a 1/25 slice read " + p.chunksChecked() + " chunks with "
                        + packReads.get() + " requests");
            }

            byte[] content = image(40 * Chunking.FIXED, 399);
            Manifest fresh = upload(store, content, "blob:new");
            ChunkId young = fresh.chunk(fresh.count() - 2);
            corrupt(store, young);
            var p = store.scrub(0.25, bad::put);
            assertEquals(Map.of(young, "corrupt"), bad, "the new chunk's rot is found at once");
            assertTrue(p.bytesRead() <= (long) Math.ceil(store.physicalBytes() * 0.25) + 40 * Chunking.FIXED + 4096,
                    "its slice and what is new: " + p);
            assertTrue(p.manifests().contains(fresh.contentHex));
            bad.clear();
            try (ChunkStore.Session s = store.session()) { // repaired as the scrubber does: a good copy committed
                s.put(young, content, (int) fresh.offset(fresh.count() - 2), Chunking.FIXED);
                s.commit();
            }
            store.get(young);

            for (int v : new int[] {0, 5, 11}) {
                Manifest m = versions.get(v);
                corrupt(store, m.chunk(m.count() / 2));
            }
            for (int pass = 0; pass < 4; pass++) {
                store.scrub(0.25, (id, problem) -> bad.merge(id, problem, (a, b) -> a + "," + b));
            }
            Map<ChunkId, String> expected = new LinkedHashMap<>();
            for (int v : new int[] {0, 5, 11}) {
                expected.put(versions.get(v).chunk(versions.get(v).count() / 2), "corrupt");
            }
            assertEquals(expected, bad, "each found once within a period");
        } finally {
            store.close();
        }
    }

    /**
     * A store has one writer: a second process opening the same container and prefix (its own local copy, as a second
     * pod has) waits for the writer lease and then fails, where it used to open, number its packs as the first did and
     * delete the first one's packs as garbage at its next collection. Once the first closes, the second opens and
     * reads what the first wrote.
     */
    @Test
    void aStoreHasOneWriterAndTheNextOpensOnceTheFirstCloses() throws Exception {
        BlobContainerClient c = container("writer");
        byte[] img = image(6 * Chunking.FIXED, 41);
        AzureBlobChunkStore first = open(c, "writer-a");
        Manifest m;
        try {
            m = upload(first, img, "blob:first");
            long t = System.nanoTime();
            IOException refused = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                    () -> new AzureBlobChunkStore("westeurope", 0, c, "", 512 << 10, root.resolve("writer-b"),
                            AzureBlobChunkStore.INDEX_BLOCKS, java.time.Duration.ofSeconds(2)));
            assertTrue(refused.getMessage().contains("written by another replication-service"), refused.getMessage());
            assertTrue(System.nanoTime() - t >= 2_000_000_000L, "it waited for the lease first");
            assertArrayEquals(img, read(m, 0, img.length, List.of(first), List.of()), "the first writes and reads on");
        } finally {
            first.close();
        }
        AzureBlobChunkStore second = new AzureBlobChunkStore("westeurope", 0, c, "", 512 << 10,
                root.resolve("writer-b"), AzureBlobChunkStore.INDEX_BLOCKS, java.time.Duration.ofSeconds(2));
        try {
            assertArrayEquals(img, read(m, 0, img.length, List.of(second), List.of()));
            upload(second, image(6 * Chunking.FIXED, 42), "blob:second");
        } finally {
            second.close();
        }
    }

    /**
     * A writer cut off for longer than its lease, whose lease another process then took, stops writing at its next
     * renewal: its uploads fail (the service answers 503) instead of numbering packs beside the new writer's.
     */
    @Test
    void aWriterWhoseLeaseWasTakenWritesNoMore() throws Exception {
        BlobContainerClient c = container("fenced");
        AzureBlobChunkStore store = open(c, "fenced");
        try {
            upload(store, image(4 * Chunking.FIXED, 51), "blob:before");
            var other = new com.azure.storage.blob.specialized.BlobLeaseClientBuilder()
                    .blobClient(c.getBlobClient("writer")).buildClient();
            other.breakLeaseWithResponse(new com.azure.storage.blob.options.BlobBreakLeaseOptions()
                    .setBreakPeriod(java.time.Duration.ZERO), null, com.azure.core.util.Context.NONE); // an expiry, at once
            other.acquireLease(60);
            store.renewWriterLease();
            IOException refused = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                    () -> upload(store, image(4 * Chunking.FIXED, 52), "blob:after"));
            assertTrue(refused.getMessage().contains("no longer holds the store's writer lease"),
                    refused.getMessage());
            assertFalse(store.usable(), "to be opened again");
            other.releaseLease();
            store.renewWriterLease(); // free again, but another process was the writer: fenced for good
            assertFalse(store.usable());
        } finally {
            store.close();
        }
    }

    /**
     * The service's stores open a fenced store again: the new instance takes the lease, reads the store as the other
     * writer left it (fresh pack numbers, its index copy caught up) and writes on. Reopened in place, the fenced one
     * would have numbered packs beside the other writer's and appended to an index generation it may have replaced.
     */
    @Test
    void aStoreFencedByAnotherWriterIsOpenedAgainWithFreshState() throws Exception {
        byte[] img = image(5 * Chunking.FIXED, 61);
        Manifest m = put("westeurope", img, "blob:fenced");
        AzureBlobChunkStore fenced = (AzureBlobChunkStore) stores.store("westeurope", 0);
        var other = new com.azure.storage.blob.specialized.BlobLeaseClientBuilder()
                .blobClient(fenced.container().getBlobClient("tenants/contract/writer")).buildClient();
        other.breakLeaseWithResponse(new com.azure.storage.blob.options.BlobBreakLeaseOptions()
                .setBreakPeriod(java.time.Duration.ZERO), null, com.azure.core.util.Context.NONE);
        other.acquireLease(15);
        fenced.renewWriterLease();
        assertFalse(fenced.usable());
        other.releaseLease();
        AzureBlobChunkStore again = (AzureBlobChunkStore) stores.store("westeurope", 0);
        assertTrue(again != fenced && again.usable(), "a new instance");
        assertArrayEquals(img, read(m, 0, img.length, List.of(again), List.of()));
        byte[] more = image(5 * Chunking.FIXED, 62);
        Manifest m2 = put("westeurope", more, "blob:after");
        assertArrayEquals(more, read(m2, 0, more.length, List.of(stores.store("westeurope", 0)), List.of()));
    }
}

package dev.imagegallery.replication.store;

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
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Shallow replica (issue 17) over the store contract: a reference to the source content where it is, checked whole,
 * that writes no chunk and no manifest, and keeps the content alive once the source blob is gone. Real filesystem
 * stores in a temporary folder, their writes counted by {@link CountingBackend}.
 */
class ShallowReferenceTest {
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

    /** An uploaded blob {@code blob:b} in westeurope's replica 0, as the data plane stores one. */
    Manifest upload(byte[] img) throws IOException {
        ChunkStore store = stores.store("westeurope", 0);
        Ingest.Result r = Ingest.ingest(new ByteArrayInputStream(img), store, stores.hashers(), img.length);
        try (ChunkStore.Session s = r.session()) {
            s.commit();
            s.keep(r.digestHex());
            store.putManifest(r.manifest());
            store.setRef("blob:b", r.digestHex());
        }
        return store.manifest(r.digestHex()).orElseThrow();
    }

    byte[] read(Manifest m, ChunkStore s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ContentReader.write(m, 0, m.size, List.of(s), List.of(), 0, out, e -> {
            throw new AssertionError(s + ": " + e);
        });
        return out.toByteArray();
    }

    @Test
    void aShallowReplicaWritesNothingButItsRefAndOutlivesItsSourceBlob() throws Exception {
        byte[] img = FanOutTest.image();
        Manifest m = upload(img);
        long chunks = backend.chunksPut();
        long manifests = backend.manifestsPut();
        ChunkStore store = stores.store("westeurope", 0);
        long physical = store.physicalBytes();

        Manifest referenced = new Replicator(stores).reference(stores, "westeurope", m.contentHex, "version:s");

        assertEquals(m.contentHex, referenced.contentHex);
        assertEquals(chunks, backend.chunksPut(), "no chunk written");
        assertEquals(manifests, backend.manifestsPut(), "no manifest written");
        assertEquals(physical, store.physicalBytes());
        assertEquals(Optional.of(m.contentHex), store.ref("version:s"));
        assertArrayEquals(img, read(referenced, store));

        // the source blob deleted, and what nothing references collected: the version's content stays whole
        store.deleteRef("blob:b");
        var gc = store.collect();
        assertEquals(0, gc.chunksDropped(), "the shallow reference keeps every chunk: " + gc);
        assertArrayEquals(img, read(store.manifest(m.contentHex).orElseThrow(), store));
        // and once the version goes too, the content is freed as any other
        store.deleteRef("version:s");
        assertTrue(store.collect().chunksDropped() > 0);
        assertEquals(Optional.empty(), store.manifest(m.contentHex));
    }

    @Test
    void contentThatIsNotWholeInTheRegionIsNotReferenced() throws Exception {
        byte[] img = FanOutTest.image();
        Manifest m = upload(img);
        long uploaded = backend.chunksPut();
        // a manifest in the store that names one chunk the store never held
        Manifest.Builder b = new Manifest.Builder();
        byte[] other = new byte[m.length(0)];
        other[0] = 42;
        for (int i = 0; i < m.count(); i++) {
            b.add(m.offset(i), m.length(i), i == 0 ? ChunkId.digest(ChunkId.sha256(), other, 0, other.length)
                    : m.isZero(i) ? null : m.chunk(i));
        }
        String broken = "ab".repeat(32);
        stores.store("westeurope", 0).putManifest(b.build(broken, m.size, m.format));
        Replicator rep = new Replicator(stores);

        IOException e = assertThrows(IOException.class,
                () -> rep.reference(stores, "westeurope", broken, "version:s"));
        assertTrue(e.getMessage().contains("1 chunk(s) of the content are missing"), e.getMessage());
        assertEquals(Optional.empty(), stores.store("westeurope", 0).ref("version:s"), "nothing referenced");
        // content that is in another region only is not copied by a shallow replica
        e = assertThrows(IOException.class, () -> rep.reference(stores, "northeurope", m.contentHex, "version:s"));
        assertTrue(e.getMessage().contains("no manifest of it there"), e.getMessage());
        assertEquals(uploaded, backend.chunksPut(), "nothing copied");
    }
}

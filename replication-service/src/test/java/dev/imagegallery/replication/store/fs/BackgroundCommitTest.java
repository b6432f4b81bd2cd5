package dev.imagegallery.replication.store.fs;

import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.ChunkStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Session.commitSoon()} on the filesystem store: an upload goes on while what it put is forced and indexed on
 * another thread (the ingest of a 1 GiB image waited 0.3 s on two such commits before).
 */
class BackgroundCommitTest {
    @TempDir
    Path root;
    RegionStores stores;

    @BeforeEach
    void open() {
        stores = new RegionStores(root, new FsBackend(root, true));
    }

    @AfterEach
    void close() {
        FsChunkStore.beforeIndexWrite = () -> {
        };
        stores.close();
    }

    /**
     * Meanwhile the chunks are the session's (it finds them, the store does not show them yet); the next commit waits
     * for that one, and everything reads back after a restart.
     */
    @Test
    void aCommitInTheBackgroundStaysTheSessionsUntilIndexedAndTheNextCommitWaitsForIt() throws Exception {
        ChunkStore store = stores.store("westeurope", 0);
        byte[][] chunks = chunks(8, 51);
        ChunkId[] ids = ids(chunks);
        CountDownLatch indexing = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        FsChunkStore.beforeIndexWrite = () -> {
            indexing.countDown();
            try {
                go.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (ChunkStore.Session s = store.session()) {
            for (int i = 0; i < 4; i++) {
                s.put(ids[i], chunks[i], 0, chunks[i].length);
            }
            s.commitSoon();
            assertTrue(indexing.await(30, TimeUnit.SECONDS), "the commit runs on its own");
            for (int i = 0; i < 4; i++) {
                assertTrue(s.has(ids[i]), "the session's while it is being indexed");
                assertFalse(store.has(ids[i]), "not the store's yet");
            }
            for (int i = 4; i < 8; i++) {
                s.put(ids[i], chunks[i], 0, chunks[i].length);
            }
            go.countDown();
            s.commit();
            for (int i = 0; i < 8; i++) {
                assertTrue(store.has(ids[i]));
            }
        } finally {
            go.countDown();
        }
        stores.close();
        stores = new RegionStores(root, new FsBackend(root, true));
        for (int i = 0; i < 8; i++) {
            assertArrayEquals(chunks[i], stores.store("westeurope", 0).get(ids[i]));
        }
    }

    /**
     * A commit that fails in the background fails the session: its next commit throws that failure, and so does every
     * one after (a later commit must not make a manifest visible whose earlier chunks were never indexed); closed, the
     * session leaves no chunk and no pack, and the store takes the next session.
     */
    @Test
    void aCommitThatFailsInTheBackgroundFailsEveryCommitAfterItAndLeavesNothing() throws Exception {
        ChunkStore store = stores.store("westeurope", 0);
        Path packs = root.resolve("westeurope/replica-0/packs");
        byte[][] chunks = chunks(8, 52);
        ChunkId[] ids = ids(chunks);
        AtomicBoolean failedOnce = new AtomicBoolean();
        FsChunkStore.beforeIndexWrite = () -> {
            if (failedOnce.compareAndSet(false, true)) {
                throw new IllegalStateException("the index's disk is gone");
            }
        };
        try (ChunkStore.Session s = store.session()) {
            for (int i = 0; i < 4; i++) {
                s.put(ids[i], chunks[i], 0, chunks[i].length);
            }
            s.commitSoon();
            for (int i = 4; i < 8; i++) {
                s.put(ids[i], chunks[i], 0, chunks[i].length);
            }
            Exception first = assertThrows(Exception.class, s::commit);
            assertTrue(String.valueOf(first).contains("disk is gone")
                    || String.valueOf(first.getCause()).contains("disk is gone"), String.valueOf(first));
            assertThrows(Exception.class, s::commit, "and again");
            assertThrows(Exception.class, s::commitSoon, "and in the background");
        }
        for (ChunkId id : ids) {
            assertFalse(store.has(id));
        }
        try (var files = Files.list(packs)) {
            assertEquals(0, files.filter(p -> p.toString().endsWith(".pack")).count(), "no pack left");
        }
        try (ChunkStore.Session s = store.session()) {
            s.put(ids[0], chunks[0], 0, chunks[0].length);
            s.commitSoon();
            s.commit();
        }
        assertArrayEquals(chunks[0], store.get(ids[0]));
    }

    private static byte[][] chunks(int n, long seed) {
        byte[][] c = new byte[n][];
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) {
            c[i] = new byte[FsChunkStore.BLOCK];
            r.nextBytes(c[i]);
        }
        return c;
    }

    private static ChunkId[] ids(byte[][] chunks) {
        ChunkId[] ids = new ChunkId[chunks.length];
        for (int i = 0; i < chunks.length; i++) {
            ids[i] = ChunkId.digest(ChunkId.sha256(), chunks[i], 0, chunks[i].length);
        }
        return ids;
    }
}

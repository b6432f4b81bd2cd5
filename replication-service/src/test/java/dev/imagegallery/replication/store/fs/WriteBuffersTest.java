package dev.imagegallery.replication.store.fs;

import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.ChunkStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sessions' 4 MiB direct write buffers: a session takes one when it first writes and a second only when that one
 * is full, and closed sessions hand them back to a pool every store shares. A burst of small versions (8 copies at
 * once into each of two regions) allocated and zeroed two new buffers for every other session before: each store kept
 * 8 of its own and every session took 2 when it opened.
 */
class WriteBuffersTest {
    @TempDir
    Path root;

    @Test
    void smallSessionsInTwoRegionsReuseTheirBuffersRoundAfterRound() throws Exception {
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();
        RegionStores stores = new RegionStores(root, new FsBackend(root, true));
        try {
            List<ChunkStore> regions = List.of(stores.store("westeurope", 0), stores.store("northeurope", 0));
            Random random = new Random(7);
            long before = direct.getTotalCapacity();
            for (int round = 0; round < 5; round++) {
                List<ChunkStore.Session> open = new ArrayList<>();
                List<byte[]> written = new ArrayList<>();
                for (int i = 0; i < 16; i++) { // 8 copies at once into each region, 1 MiB each
                    ChunkStore store = regions.get(i % 2);
                    ChunkStore.Session s = store.session();
                    open.add(s);
                    for (int c = 0; c < 256; c++) {
                        byte[] chunk = new byte[FsChunkStore.BLOCK];
                        random.nextBytes(chunk);
                        s.put(ChunkId.digest(ChunkId.sha256(), chunk, 0, chunk.length), chunk, 0, chunk.length);
                        if (c == 0) {
                            written.add(chunk);
                        }
                    }
                }
                for (ChunkStore.Session s : open) {
                    s.commit();
                    s.close();
                }
                for (int i = 0; i < 16; i++) {
                    byte[] chunk = written.get(i);
                    assertArrayEquals(chunk, regions.get(i % 2).get(ChunkId.digest(ChunkId.sha256(), chunk, 0,
                            chunk.length)));
                }
            }
            long grew = direct.getTotalCapacity() - before;
            // one buffer for each of the 16 sessions at once, kept and taken again: 64 MiB and the JDK's own (reads);
            // before, 32 the first round and 16 more every round after (192 MiB measured: a collection freed some)
            assertTrue(grew <= (16L << 22) + (16 << 20), "direct buffers allocated: " + (grew >> 20) + " MiB");
        } finally {
            stores.close();
        }
    }
}

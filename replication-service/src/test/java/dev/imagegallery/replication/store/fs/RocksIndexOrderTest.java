package dev.imagegallery.replication.store.fs;

import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.pack.Loc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A commit's entries are written to the index in key order (RocksDB's skip list inserts a key beside the last one
 * cheaply): each digest must still name its own place, the later of two entries for one digest must still win, and
 * the scrubber's journal and the locations must keep pack order.
 */
class RocksIndexOrderTest {
    @TempDir
    Path dir;

    @Test
    void entriesWrittenInKeyOrderKeepTheirPlacesTheLaterWinsAndTheJournalsStayInPackOrder() throws Exception {
        Random r = new Random(3);
        List<Map.Entry<ChunkId, Loc>> entries = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) { // more than a write batch (8,192): parts in key order too
            entries.add(Map.entry(new ChunkId(r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong()),
                    new Loc(1 + i / 10_000, (i % 10_000) * 4096L, 4096)));
        }
        ChunkId twice = entries.get(17).getKey();
        entries.add(Map.entry(twice, new Loc(9, 0, 100))); // the same chunk again, later in the commit
        RocksIndex index = RocksIndex.create(dir, true, true);
        try {
            index.journalFresh(true);
            index.put(entries, false, null);
            for (int i = 0; i < 20_000; i++) {
                var e = entries.get(i);
                Loc want = e.getKey().equals(twice) ? new Loc(9, 0, 100) : e.getValue();
                assertEquals(want, index.get(e.getKey()), "entry " + i);
            }
            List<Map.Entry<ChunkId, Loc>> journalled = new ArrayList<>();
            for (RocksIndex.Fresh f = index.fresh(-1); f != null; f = index.fresh(f.seq())) {
                assertInPackOrder(f.entries());
                journalled.addAll(f.entries());
            }
            assertEquals(entries.size(), journalled.size());
            List<Map.Entry<ChunkId, Loc>> located = index.locatedAfter(null, 30_000);
            assertInPackOrder(located);
        } finally {
            index.close();
        }
    }

    private static void assertInPackOrder(List<Map.Entry<ChunkId, Loc>> entries) {
        for (int i = 1; i < entries.size(); i++) {
            assertTrue(Loc.ORDER.compare(entries.get(i - 1).getValue(), entries.get(i).getValue()) <= 0,
                    "in pack order at " + i + ": " + entries.get(i - 1).getValue() + ", " + entries.get(i).getValue());
        }
    }
}

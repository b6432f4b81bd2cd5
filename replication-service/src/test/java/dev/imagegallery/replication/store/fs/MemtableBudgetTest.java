package dev.imagegallery.replication.store.fs;

import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.pack.Loc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every index of the process shares one budget for its memtables (RocksDB's write buffer manager), which flushes a
 * memtable of whichever index writes when the budget is nearly spent, even when another, idle, holds it: a store
 * that took a large upload and then rested made every small commit of the store copying beside it a flush of its own
 * (3,344 table files of a few hundred entries in one burst of 1,000 small versions). The largest holder is flushed
 * instead, and a few entries in each family no longer cost a Bloom filter of 1.6 MiB each.
 */
class MemtableBudgetTest {
    @TempDir
    Path dir;

    @Test
    void smallCommitsBesideAnIdleIndexHoldingTheBudgetDoNotEachFlush() throws Exception {
        Random r = new Random(5);
        RocksIndex idle = RocksIndex.create(dir.resolve("a"), true);
        RocksIndex busy = RocksIndex.create(dir.resolve("b"), true);
        idle.complete(); // empty, as a new store's
        busy.complete();
        List<Map.Entry<ChunkId, Loc>> last = List.of();
        try {
            for (int batch = 0; batch < 60; batch++) { // a large upload's commits: 300,000 chunks
                idle.put(entries(r, 5_000, 1 + batch), false, null);
            }
            for (int commit = 0; commit < 300; commit++) { // small copies' commits: 1 MiB each
                last = entries(r, 256, 1000 + commit);
                busy.put(last, false, null);
                long both = idle.memtableBytes() + busy.memtableBytes();
                assertTrue(both <= RocksIndex.FLUSH_LARGEST_AT, both + " bytes of memtables after commit " + commit);
            }
            assertTrue(idle.memtableBytes() < 1 << 20, "the idle index was flushed: " + idle.memtableBytes());
            for (var e : last) {
                assertEquals(e.getValue(), busy.get(e.getKey()));
            }
        } finally {
            idle.close();
            busy.close();
        }
        // RocksDB's log records every flush: the busy index's at its completion and close (one a family), none between
        long flushes = flushes(dir.resolve("b"));
        assertTrue(flushes <= 6, flushes + " flushes of the busy index (before: one every other commit)");
        RocksIndex again = RocksIndex.open(dir.resolve("a"), true);
        try {
            assertEquals(300_000, again.count());
        } finally {
            again.close();
        }
    }

    private static List<Map.Entry<ChunkId, Loc>> entries(Random r, int n, int pack) {
        List<Map.Entry<ChunkId, Loc>> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            entries.add(Map.entry(new ChunkId(r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong()),
                    new Loc(pack, i * 4096L, 4096)));
        }
        return entries;
    }

    private static long flushes(Path index) throws Exception {
        try (var lines = Files.lines(index.resolve("LOG"))) {
            return lines.filter(l -> l.contains("\"event\": \"flush_started\"")).count();
        }
    }
}

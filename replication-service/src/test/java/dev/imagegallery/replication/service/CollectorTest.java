package dev.imagegallery.replication.service;

import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.content.TenantStores;
import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.fs.FsBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scheduled collections visit every store of every tenant: chunks a session committed and then left without a
 * manifest (an upload cut short, a failed copy) are reclaimed by the hourly incremental run, with no deletion to
 * trigger it; the weekly full run sweeps as well.
 */
class CollectorTest {
    @TempDir
    Path root;

    private static ChunkId orphan(ChunkStore store, int seed) throws Exception {
        byte[] b = new byte[4096];
        new Random(seed).nextBytes(b);
        ChunkId id = ChunkId.digest(ChunkId.sha256(), b, 0, b.length);
        try (ChunkStore.Session s = store.session()) {
            s.put(id, b, 0, b.length);
            s.commit();
        }
        return id;
    }

    @Test
    void scheduledRunsReclaimWhatSessionsLeftBehindInEveryStore() throws Exception {
        TenantStores tenants = new TenantStores(root, FsBackend.namespaces(root, false));
        try {
            RegionStores alice = tenants.of("contoso");
            RegionStores bob = tenants.of("fabrikam");
            ChunkStore a = alice.store("westeurope", 0);
            ChunkStore b = bob.store("northeurope", 0);
            ChunkId x = orphan(a, 1);
            ChunkId y = orphan(b, 2);
            assertTrue(a.has(x) && b.has(y));
            a.collectAll(); // the counts are whole (a new index's first collection is a full one)
            b.collectAll();
            ChunkId z = orphan(b, 3);

            Collector.Totals t = new Collector(tenants).run(false);
            assertEquals(0, t.failed());
            assertEquals(1, t.chunksDropped(), "the incremental run reclaims what was journalled since");
            assertFalse(b.has(z));

            ChunkId w = orphan(a, 4);
            Collector.Totals full = new Collector(tenants).run(true);
            assertTrue(full.stores() >= 2, "every store of both tenants: " + full);
            assertEquals(1, full.chunksDropped());
            assertFalse(a.has(w));
        } finally {
            tenants.close();
        }
    }
}

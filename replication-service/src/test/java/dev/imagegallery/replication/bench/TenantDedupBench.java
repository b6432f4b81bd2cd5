package dev.imagegallery.replication.bench;

import dev.imagegallery.events.Regions;
import dev.imagegallery.replication.content.Ingest;
import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.content.Replicator;
import dev.imagegallery.replication.content.TenantStores;
import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.Manifest;
import dev.imagegallery.replication.store.fs.FsBackend;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static dev.imagegallery.replication.bench.ReplicationBench.print;
import static dev.imagegallery.replication.bench.ReplicationBench.secs;

/**
 * What confining deduplication to a tenant costs (issue 12, defect 8), beside what it replaces. Tenant A holds an image
 * in westeurope and has replicated it to northeurope; tenant B uploads the same bytes and replicates them to
 * northeurope. Measured with stores shared by every tenant (as before: B's upload writes nothing and his copy moves
 * nothing, which is the leak) and with one namespace per tenant (TenantStores, what the service does now); then what
 * the other remedy, shared stores with B's egress computed "as if alone", would have to compute per copy: the set of
 * chunks B holds in the target region (read from his manifests there) to count the bytes he lacks.
 * usage: TenantDedupBench ROOT SIZE_MIB
 */
public final class TenantDedupBench {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        long size = Long.parseLong(args[1]) << 20;
        ReplicationBench.warmUp(root.resolve("warmup"));

        RegionStores shared = new RegionStores(root.resolve("shared"), new FsBackend(root.resolve("shared"), true));
        run("shared", shared, shared, size);
        asIfAlone(shared, size);
        shared.close();

        TenantStores tenants = new TenantStores(root.resolve("ns"), FsBackend.namespaces(root.resolve("ns"), true));
        run("namespaced", tenants.of("tenant-a"), tenants.of("tenant-b"), size);
        tenants.close();
    }

    static void run(String mode, RegionStores a, RegionStores b, long size) throws Exception {
        Manifest ma = ingest(a, size, "blob:a");
        new Replicator(a).replicate(ma, "northeurope", 1, "version:a", null, c -> {
        });
        long before = physical(a) + (a == b ? 0 : physical(b));
        long t0 = System.nanoTime();
        Manifest mb = ingest(b, size, "blob:b");
        print(mode + "_b_ingest_s", secs(t0));
        t0 = System.nanoTime();
        Replicator.Checkpoint done = new Replicator(b).replicate(mb, "northeurope", 1, "version:b", null, c -> {
        });
        print(mode + "_b_replicate_s", secs(t0));
        print(mode + "_b_egress_bytes", done.egressBytes());
        print(mode + "_b_copied_bytes", done.copiedBytes());
        long after = physical(a) + (a == b ? 0 : physical(b));
        print(mode + "_stored_bytes_added_by_b", after - before);
        print(mode + "_used_bytes", mb.usedBytes());
    }

    /** B's chunks in northeurope, from the manifests his refs name there (here his one version), as a set. */
    static void asIfAlone(RegionStores stores, long size) throws Exception {
        ChunkStore north = stores.store("northeurope", 0);
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long heap0 = rt.totalMemory() - rt.freeMemory();
        long t0 = System.nanoTime();
        Set<ChunkId> held = new HashSet<>();
        long entries = 0;
        for (var e : north.refs().entrySet()) {
            if (!e.getKey().equals("version:b")) {
                continue;
            }
            Manifest m = north.manifest(e.getValue()).orElseThrow();
            for (int i = 0; i < m.count(); i++) {
                if (!m.isZero(i)) {
                    held.add(m.chunk(i));
                    entries++;
                }
            }
        }
        double s = secs(t0);
        System.gc();
        long heap1 = rt.totalMemory() - rt.freeMemory();
        print("as_if_alone_chunks", held.size());
        print("as_if_alone_entries", entries);
        print("as_if_alone_set_s", s);
        print("as_if_alone_set_heap_bytes", heap1 - heap0);
        print("as_if_alone_image_bytes", size);
    }

    static Manifest ingest(RegionStores stores, long size, String ref) throws Exception {
        ChunkStore store = stores.store("westeurope", 0);
        Ingest.Result r = Ingest.ingest(new ReplicationBench.SyntheticImage(size, 42), store, stores.hashers(), size);
        try (ChunkStore.Session s = r.session()) {
            s.commit();
            s.keep(r.digestHex());
            store.putManifest(r.manifest());
            store.setRef(ref, r.digestHex());
        }
        return r.manifest();
    }

    static long physical(RegionStores stores) {
        long n = 0;
        for (String region : Regions.names()) {
            for (int r = 0; r < stores.replicas(region); r++) {
                n += stores.store(region, r).physicalBytes();
            }
        }
        return n;
    }
}

package dev.imagegallery.replication.store;

import dev.imagegallery.replication.content.Ingest;
import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.content.Replicator;
import dev.imagegallery.replication.content.TenantStores;
import dev.imagegallery.replication.store.fs.FsBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Deduplication stops at the tenant: the same bytes in two tenants are two copies, each moved and counted. */
class TenantStoresTest {
    @TempDir
    Path root;

    static Manifest put(RegionStores stores, byte[] content, String ref) throws Exception {
        ChunkStore store = stores.store("westeurope", 0);
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
    void theSameBytesInTwoTenantsAreStoredMovedAndCountedForEach() throws Exception {
        TenantStores tenants = new TenantStores(root, FsBackend.namespaces(root, false));
        try {
            byte[] secret = new byte[64 * 1024];
            new Random(8).nextBytes(secret);
            RegionStores alice = tenants.of("contoso");
            RegionStores bob = tenants.of("fabrikam");
            Manifest ma = put(alice, secret, "blob:secret");
            long aliceEgress = new Replicator(alice).replicate(ma, "northeurope", 1, "version:a", null, c -> {
            }).egressBytes();
            assertFalse(bob.store("westeurope", 0).has(ma.chunk(0)), "bob's store holds none of alice's chunks");

            Manifest mb = put(bob, secret, "blob:guess");
            Replicator.Checkpoint done = new Replicator(bob).replicate(mb, "northeurope", 1, "version:b", null, c -> {
            });
            assertEquals(secret.length, aliceEgress);
            assertEquals(aliceEgress, done.egressBytes(), "bob moves and is counted what alice was");
            assertEquals(secret.length, done.copiedBytes());
            assertEquals(secret.length, bob.store("northeurope", 0).physicalBytes());
            assertEquals(Set.of("contoso", "fabrikam"), tenants.namespaces());
            assertTrue(Files.isDirectory(root.resolve("tenants/fabrikam/northeurope/replica-0")));
        } finally {
            tenants.close();
        }
    }

    @Test
    void aTenantIdThatIsNoPlainNameGetsAHashedNamespace() {
        assertEquals("contoso", TenantStores.namespaceOf("contoso"));
        assertEquals("c0de0000-0000-4000-8000-00000000c001",
                TenantStores.namespaceOf("c0de0000-0000-4000-8000-00000000c001"));
        for (String odd : new String[]{"Contoso", "../x", "a/b", "~x", "x".repeat(64), "caf\u00e9"}) {
            String ns = TenantStores.namespaceOf(odd);
            assertTrue(ns.matches("~[0-9a-f]{64}"), odd + " -> " + ns);
        }
        assertFalse(TenantStores.namespaceOf("Contoso").equals(TenantStores.namespaceOf("contoso")));
        assertThrows(IllegalArgumentException.class, () -> TenantStores.namespaceOf(null));
        assertThrows(IllegalArgumentException.class, () -> TenantStores.namespaceOf(""));
    }

    /**
     * A store root has one writer: a second process on the same root (two pods on one volume) stops at once with a
     * message naming the holder, where it used to open and then fail request after request on the stores' indexes
     * (or, with Azure stores, write beside the first). The lock goes with the holder, however it ends.
     */
    @Test
    void aSecondProcessOnTheSameStoreRootIsRefusedUntilTheFirstEnds() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process holder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                Hold.class.getName(), root.toString()).redirectErrorStream(true).start();
        try {
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream()));
            assertEquals("held", out.readLine(), "the other process opened the stores");
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> new TenantStores(root, FsBackend.namespaces(root, false)));
            assertTrue(refused.getMessage().contains("another replication-service (process " + holder.pid() + ")"),
                    refused.getMessage());
        } finally {
            holder.destroyForcibly().waitFor(); // ended as a crash ends it: no close
        }
        TenantStores mine = new TenantStores(root, FsBackend.namespaces(root, false));
        try {
            byte[] b = new byte[8192];
            new Random(3).nextBytes(b);
            put(mine.of("contoso"), b, "blob:after");
        } finally {
            mine.close();
        }
    }

    /** The other process: opens the stores of the root it is given, says so, and waits to be killed. */
    public static final class Hold {
        public static void main(String[] args) throws Exception {
            TenantStores stores = new TenantStores(Path.of(args[0]), FsBackend.namespaces(Path.of(args[0]), false));
            stores.of("contoso");
            System.out.println("held");
            System.out.flush();
            Thread.sleep(600_000);
        }
    }
}

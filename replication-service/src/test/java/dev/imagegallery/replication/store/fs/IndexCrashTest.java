package dev.imagegallery.replication.store.fs;

import dev.imagegallery.replication.content.ContentReader;
import dev.imagegallery.replication.content.Ingest;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.Manifest;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A store process ({@link IndexCrashChild}) killed with SIGKILL ({@code destroyForcibly}) while it writes its index:
 * reopened, the index agrees with the packs: every version whose ref was set reads back byte for byte, every index
 * entry names a chunk that reads back verified, and every record in the packs' directories is indexed.
 */
class IndexCrashTest {
    @TempDir
    Path root;

    /** Version {@code seed}'s content: 64 to 511 random chunks and a short tail, the first eight shared by all. */
    static byte[] content(int seed) {
        Random r = new Random(seed);
        byte[] b = new byte[(64 + r.nextInt(448)) * 4096 + 1 + r.nextInt(4095)];
        r.nextBytes(b);
        byte[] shared = new byte[8 * 4096];
        new Random(7).nextBytes(shared);
        System.arraycopy(shared, 0, b, 0, shared.length);
        return b;
    }

    /** Uploads {@code content} as the store's blob {@code ref}, as BlobService does; answers its content digest. */
    static Manifest upload(FsChunkStore store, java.util.concurrent.ExecutorService hasher, byte[] content, String ref)
            throws IOException {
        return upload(store, hasher, content, ref, Ingest.COMMIT_EVERY);
    }

    /** An upload as the service makes one (ingest, commit, manifest, ref), committing every {@code commitEvery}. */
    static Manifest upload(ChunkStore store, java.util.concurrent.ExecutorService hasher, byte[] content, String ref,
                           long commitEvery) throws IOException {
        Ingest.Result r = Ingest.ingest(new java.io.ByteArrayInputStream(content), store, hasher, content.length,
                commitEvery);
        try (ChunkStore.Session s = r.session()) {
            s.commit();
            s.keep(r.digestHex());
            store.putManifest(r.manifest());
            store.setRef(ref, r.digestHex());
        }
        return r.manifest();
    }

    /** Killed between a commit's directory write and its index write: opening indexes that commit's chunks. */
    @Test
    void aCommitKilledBetweenItsDirectoryAndIndexWritesIsIndexedAtOpen() throws Exception {
        Path dir = root.resolve("store");
        Child child = Child.start(dir, "hang", "3", "0");
        child.await("INDEXING");
        child.kill();
        assertEquals(3, child.committed.size(), "three versions committed before the hung one: " + child.committed);
        FsChunkStore store = open(dir);
        try {
            agree(store, child.committed);
            byte[] hung = content(3);
            MessageDigest sha = ChunkId.sha256();
            for (int off = 0; off < hung.length; off += 4096) {
                ChunkId id = ChunkId.digest(sha, hung, off, Math.min(4096, hung.length - off));
                assertTrue(store.has(id), "the hung commit's chunk at " + off + " is indexed");
            }
        } finally {
            store.close();
        }
    }

    /** Killed at arbitrary moments of a stream of commits, three times over the same store. */
    @Test
    void aStoreKilledWhileItCommitsReopensWithAnIndexThatAgreesWithItsPacks() throws Exception {
        Path dir = root.resolve("store");
        List<String> committed = new ArrayList<>();
        Random when = new Random(5);
        for (int round = 0; round < 3; round++) {
            Child child = Child.start(dir, "run", "0", String.valueOf(1000 * (round + 1)));
            child.await("OPEN");
            child.awaitCommitted(2);
            Thread.sleep(when.nextInt(200)); // not a wait: where in the next commits the kill falls
            child.kill();
            committed.addAll(child.committed);
            FsChunkStore store = open(dir);
            try {
                agree(store, committed);
            } finally {
                store.close();
            }
        }
    }

    /**
     * Killed between a manifest's count-up and its write: every version committed before reads back, the counts
     * left too high keep the chunks of the manifest never written (a leak, no loss), and the full collection reclaims
     * exactly them.
     */
    @Test
    void aStoreKilledBetweenCountUpAndManifestWriteLosesNothingAndTheFullCollectionReclaimsTheLeak() throws Exception {
        Path dir = root.resolve("store");
        Child child = Child.start(dir, "countup", "3", "0");
        child.await("COUNTED");
        child.kill();
        assertEquals(3, child.committed.size(), child.committed.toString());
        FsChunkStore store = open(dir);
        try {
            agree(store, child.committed);
            long expected = distinctBytes(store, child.committed);
            store.collect(); // incremental: the counted chunks stay, nothing live goes
            readBack(store, child.committed);
            assertTrue(store.physicalBytes() > expected, "the unwritten manifest's chunks leak until a full collection");
            var full = store.collectAll();
            assertTrue(full.chunksDropped() > 0);
            assertEquals(expected, store.physicalBytes(), "the full collection reclaims exactly the leak");
            readBack(store, child.committed);
        } finally {
            store.close();
        }
    }

    /**
     * Killed between a dropped manifest's delete and its count-down: the versions still named read back, the dropped
     * one's chunks stay (counts too high), and the full collection reclaims exactly them.
     */
    @Test
    void aStoreKilledBetweenManifestDeleteAndCountDownLosesNothingAndTheFullCollectionReclaimsTheLeak()
            throws Exception {
        Path dir = root.resolve("store");
        Child child = Child.start(dir, "countdown", "4", "0");
        child.await("DROPPED");
        child.kill();
        assertEquals(4, child.committed.size(), child.committed.toString());
        List<String> live = child.committed.subList(1, 4);
        FsChunkStore store = open(dir);
        try {
            assertTrue(store.ref("blob:v0").isEmpty());
            agree(store, live);
            long expected = distinctBytes(store, live);
            store.collect();
            readBack(store, live);
            assertTrue(store.physicalBytes() > expected, "the dropped manifest's own chunks leak");
            store.collectAll();
            assertEquals(expected, store.physicalBytes(), "the full collection reclaims exactly the leak");
            readBack(store, live);
        } finally {
            store.close();
        }
    }

    /** Bytes of the distinct chunks the versions' manifests name. */
    private static long distinctBytes(FsChunkStore store, List<String> committed) throws IOException {
        java.util.Map<ChunkId, Integer> all = new java.util.HashMap<>();
        for (String line : committed) {
            Manifest m = store.manifest(line.split(" ")[2]).orElseThrow();
            for (int i = 0; i < m.count(); i++) {
                if (!m.isZero(i)) {
                    all.put(m.chunk(i), m.length(i));
                }
            }
        }
        return all.values().stream().mapToLong(Integer::longValue).sum();
    }

    private static FsChunkStore open(Path dir) throws IOException {
        return new FsChunkStore("westeurope", 0, dir, true);
    }

    /** Refs read back whole, index entries read back verified, directory records are indexed. */
    private static void agree(FsChunkStore store, List<String> committed) throws IOException {
        readBack(store, committed);
        long[] entries = {0};
        List<ChunkId> all = new ArrayList<>();
        store.forEachChunk(all::add);
        for (ChunkId id : all) {
            assertNotNull(store.get(id));
            entries[0]++;
        }
        Set<ChunkId> inDirectories = new HashSet<>();
        try (Stream<Path> files = Files.list(store.dir().resolve("packs"))) {
            for (Path d : files.filter(p -> p.toString().endsWith(".dir")).toList()) {
                ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(d));
                assertEquals(0, b.remaining() % FsChunkStore.DIR_RECORD, d + " holds whole records");
                while (b.remaining() >= FsChunkStore.DIR_RECORD) {
                    ChunkId id = ChunkId.read(b);
                    b.position(b.position() + FsChunkStore.DIR_RECORD - 32);
                    inDirectories.add(id);
                    assertTrue(store.has(id), "directory record " + id + " of " + d + " is indexed");
                }
            }
        }
        assertEquals(inDirectories.size(), entries[0], "the index holds exactly what the directories name");
        assertEquals(entries[0], store.rocks().count(), "the index's count");
    }

    /** Refs read back whole. */
    private static void readBack(FsChunkStore store, List<String> committed) throws IOException {
        for (String line : committed) {
            String[] f = line.split(" ");
            int seed = Integer.parseInt(f[1].substring("blob:v".length()));
            assertEquals(f[2], store.ref(f[1]).orElseThrow());
            Manifest m = store.manifest(f[2]).orElseThrow();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ContentReader.write(m, 0, m.size, List.of(store), List.of(), 0, out, e -> {
            });
            assertArrayEquals(content(seed), out.toByteArray(), f[1] + " reads back");
        }
    }

    /** The child JVM and what it printed. */
    private record Child(Process process, BlockingQueue<String> lines, List<String> committed) {
        static Child start(Path dir, String... args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx64m", "-cp", System.getProperty("java.class.path"), IndexCrashChild.class.getName(),
                    dir.toString()));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            Child c = new Child(p, new LinkedBlockingQueue<>(), new java.util.concurrent.CopyOnWriteArrayList<>());
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String l; (l = in.readLine()) != null; ) {
                        if (l.startsWith("COMMITTED ")) {
                            c.committed.add(l);
                        }
                        c.lines.add(l);
                    }
                } catch (IOException e) {
                    // the process is gone
                }
            });
            reader.setDaemon(true);
            reader.start();
            return c;
        }

        void await(String line) throws InterruptedException {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            List<String> seen = new ArrayList<>();
            while (System.nanoTime() < until) {
                String l = lines.poll(1, TimeUnit.SECONDS);
                if (l != null) {
                    seen.add(l);
                    if (l.equals(line)) {
                        return;
                    }
                }
            }
            kill();
            fail("the child never printed " + line + ": " + seen);
        }

        void awaitCommitted(int n) throws InterruptedException {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (committed.size() < n && System.nanoTime() < until && process.isAlive()) {
                lines.poll(1, TimeUnit.SECONDS);
            }
            assertTrue(committed.size() >= n, "the child committed " + committed.size());
        }

        /** SIGKILL: nothing is flushed or closed. Then what it printed last is read. */
        void kill() throws InterruptedException {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            Thread.sleep(100); // the reader thread drains the pipe's last lines
        }
    }
}

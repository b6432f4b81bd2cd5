package dev.imagegallery.replication.store.fs;

import dev.imagegallery.replication.store.Manifest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The disk fills up at the moment the index is written (the packs and their directories are written, the index's
 * write-ahead log is not): the commit fails with an IOException (which the service answers 507), and once space
 * returns the same store commits again without a restart, and reopened it agrees with its packs. RocksDB stops
 * writing after such an error until it is resumed (before the fix every later commit failed the same way until the
 * service restarted). On a tmpfs of 16 MiB of its own; skipped where mounting one needs a root this run lacks.
 */
class IndexDiskFullTest {
    private Path dir;
    private boolean mounted;
    private final ExecutorService hasher = Executors.newSingleThreadExecutor();

    @BeforeEach
    void mount() throws Exception {
        dir = Files.createTempDirectory("gallery-index-full");
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        mounted = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        assumeTrue(mounted, "skipped: mounting a tmpfs needs root (CI runs as root)");
    }

    @AfterEach
    void unmount() throws Exception {
        FsChunkStore.beforeIndexWrite = () -> {
        };
        hasher.shutdown();
        if (mounted) {
            new ProcessBuilder("umount", "-l", dir.toString()).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static byte[] content(int seed, int chunks) {
        byte[] b = new byte[chunks * 4096];
        new Random(seed).nextBytes(b);
        return b;
    }

    private Manifest upload(FsChunkStore store, byte[] content, String ref) throws IOException {
        return IndexCrashTest.upload(store, hasher, content, ref);
    }

    private static byte[] read(FsChunkStore store, Manifest m) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < m.count(); i++) {
            out.write(m.isZero(i) ? new byte[m.length(i)] : store.get(m.chunk(i)));
        }
        return out.toByteArray();
    }

    /** Fills the disk to its last byte; deleting the file gives the space back. */
    private Path fill() {
        Path filler = dir.resolve("filler");
        byte[] kib = new byte[1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(kib);
                out.flush();
            }
        } catch (IOException full) {
            return filler;
        }
    }

    @Test
    void anIndexWriteIntoAFullDiskFailsAndTheStoreCommitsAgainOnceSpaceReturns() throws Exception {
        Path storeDir = dir.resolve("store");
        FsChunkStore store = new FsChunkStore("westeurope", 0, storeDir, true);
        byte[] first = content(1, 64);
        Manifest m1 = upload(store, first, "blob:first");
        Path[] filler = new Path[1];
        FsChunkStore.beforeIndexWrite = () -> filler[0] = fill();
        byte[] second = content(2, 64);
        Exception e = assertThrows(Exception.class, () -> upload(store, second, "blob:second"));
        assertTrue(e instanceof IOException || e instanceof UncheckedIOException, e.toString());
        FsChunkStore.beforeIndexWrite = () -> {
        };
        Files.delete(filler[0]);

        Manifest m2 = upload(store, second, "blob:second"); // the index reopened itself: no restart
        byte[] third = content(3, 64);
        Manifest m3 = upload(store, third, "blob:third");
        assertArrayEquals(first, read(store, m1));
        assertArrayEquals(second, read(store, m2));
        assertArrayEquals(third, read(store, m3));
        store.collect();
        store.close();

        FsChunkStore reopened = new FsChunkStore("westeurope", 0, storeDir, true);
        try {
            for (var pair : List.of(List.of(first, m1), List.of(second, m2), List.of(third, m3))) {
                Manifest m = reopened.manifest(((Manifest) pair.get(1)).contentHex).orElseThrow();
                assertArrayEquals((byte[]) pair.get(0), read(reopened, m));
            }
        } finally {
            reopened.close();
        }
    }
}

package dev.imagegallery.replication.store.fs;

import dev.imagegallery.replication.content.Ingest;
import dev.imagegallery.replication.store.ChunkStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An image's size does not decide the heap its upload takes (issue 16: a 16 GiB image answered 500 OutOfMemoryError
 * under the service's 512 MiB heap). Scaled down: 2 GiB of distinct chunks (524,288 of them) ingested in a JVM of
 * 96 MiB, which before the change ran out of heap: it held every pending index entry (some 68 MB) and the manifest in
 * doubling arrays on the heap, beside the 32 MiB of ingest buffers. Now the session commits every 256 MiB and the
 * manifest's records go to a spill file past 64k entries.
 */
class BigIngestTest {
    @TempDir
    Path root;

    @Test
    void twoGibibytesIngestInNinetySixMebibytesOfHeap() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m", "-XX:MaxDirectMemorySize=64m", "-cp", System.getProperty("java.class.path"),
                BigIngestChild.class.getName(), root.resolve("store").toString(), "2048")
                .redirectErrorStream(true).start();
        String out;
        try {
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the child did not finish within 5 minutes");
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("OK 524288 true"), out);
    }

    /** A large upload commits as it goes; cut short, what it committed is collected again. */
    @Test
    void aLargeIngestCutShortLeavesNothingIndexed() throws IOException {
        long size = Ingest.COMMIT_EVERY + (64 << 20);
        ExecutorService hasher = Executors.newSingleThreadExecutor();
        FsChunkStore store = new FsChunkStore("westeurope", 0, root.resolve("cut"), false);
        try {
            IOException e = assertThrows(IOException.class, () -> Ingest.ingest(new BigIngestChild.Blocks(size),
                    store, hasher, size + 1));
            assertTrue(e.getMessage().contains("received"), e.getMessage());
            assertEquals(0, store.physicalBytes(), "chunks of the cut-short upload are still indexed");
            assertEquals(0, store.collectAll().chunksDropped());
        } finally {
            store.close();
            hasher.shutdown();
        }
    }
}

package dev.imagegallery.replication.bench;


import dev.imagegallery.replication.content.Chunking;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.Set;

/**
 * Measures chunkings on a make-image-pair.py pair: the bytes a delta replication of v2 moves given v1 (non-zero
 * chunks of v2 whose digest v1 lacks, each once) and the chunk+hash throughput.
 * usage: ChunkingBench v1.img v2.img changed_bytes
 */
public final class ChunkingBench {
    public static void main(String[] args) throws Exception {
        Path v1 = Path.of(args[0]);
        Path v2 = Path.of(args[1]);
        long changed = Long.parseLong(args[2]);
        Chunking[] all = {Chunking.FIXED_4K, Chunking.fastCdc(2 << 10, 8 << 10, 32 << 10),
                Chunking.fastCdc(16 << 10, 64 << 10, 256 << 10)};
        System.out.printf("%-26s %12s %8s %10s %12s %10s%n", "chunking", "moved MiB", "x ideal", "chunks v1",
                "avg KiB", "MB/s");
        for (Chunking c : all) {
            Set<String> base = new HashSet<>();
            long t0 = System.nanoTime();
            long[] stats = scan(v1, c, base, null);
            double secs = (System.nanoTime() - t0) / 1e9;
            long[] moved = new long[1];
            scan(v2, c, base, moved);
            System.out.printf("%-26s %12.1f %8.2f %10d %12.1f %10.0f%n", c, moved[0] / 1048576.0,
                    moved[0] / (double) changed, stats[0], stats[1] / (double) Math.max(1, stats[0]) / 1024,
                    Files.size(v1) / 1e6 / secs);
        }
    }

    /** Chunks a file; adds its non-zero chunk digests to {@code seen}; with {@code moved}, counts bytes of new ones. */
    static long[] scan(Path f, Chunking c, Set<String> seen, long[] moved) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[8 << 20];
        int start = 0;
        int end = 0;
        long chunks = 0;
        long bytes = 0;
        boolean eof = false;
        try (InputStream in = Files.newInputStream(f)) {
            while (true) {
                if (!eof && end - start < c.maxChunk()) {
                    System.arraycopy(buf, start, buf, 0, end - start);
                    end -= start;
                    start = 0;
                    while (end < buf.length) {
                        int n = in.read(buf, end, buf.length - end);
                        if (n < 0) {
                            eof = true;
                            break;
                        }
                        end += n;
                    }
                }
                if (start == end) {
                    break;
                }
                int n = c.next(buf, start, end - start, eof);
                boolean zero = true;
                for (int i = start; i < start + n && zero; i++) {
                    zero = buf[i] == 0;
                }
                if (!zero) {
                    sha.update(buf, start, n);
                    String d = java.util.HexFormat.of().formatHex(sha.digest());
                    if (seen.add(d) && moved != null) {
                        moved[0] += n;
                    }
                    chunks++;
                    bytes += n;
                }
                start += n;
            }
        }
        return new long[]{chunks, bytes};
    }
}

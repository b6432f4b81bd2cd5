package dev.imagegallery.replication.content;

import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.Manifest;
import dev.imagegallery.replication.store.StoreFailure;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Streams content into a store session: cuts 4 KiB-aligned chunks, drops all-zero ones (zero runs in the manifest),
 * stores each distinct chunk once, and hashes the whole content on a second thread. Holds {@link #RING} buffers of
 * 4 MiB, whatever the size. Nothing is visible until the caller commits the session and stores the manifest.
 */
public final class Ingest {
    static final int BUFFER = 4 << 20;
    /**
     * Buffers between the read and the whole-content hash (32 MiB, allocated as the content needs them). Chunking is
     * quick over zeros and slow over data while the hash costs the same everywhere: with three buffers (12 MiB) each
     * side waited for the other across the generator's 16 MiB extents, and ingest took 5 to 10% longer.
     */
    static final int RING = 8;
    private static final byte[] ZERO = new byte[Chunking.FIXED];
    /**
     * New chunk bytes after which the session commits (their index entries written, the session still holding them
     * alive), in the background while the upload goes on: what it holds uncommitted stays bounded (some 8 MiB of heap,
     * and as much again being committed) whatever the image's size. A 16 GiB image committed once at its end held 2.4
     * million pending entries, some 300 MB.
     */
    public static final long COMMIT_EVERY = 256L << 20;

    /** What was read: the manifest (not yet stored) and the session holding its new chunks (not yet committed). */
    public record Result(Manifest manifest, long usedBytes, ChunkStore.Session session) {
        public String digestHex() {
            return manifest.contentHex;
        }
    }

    private Ingest() {
    }

    /**
     * Reads {@code in} to its end. {@code expectedLength} (the request's Content-Length, or -1) must match what
     * arrived, else the upload was truncated: the session is discarded and an IOException thrown.
     */
    public static Result ingest(InputStream in, ChunkStore store, ExecutorService hasher, long expectedLength)
            throws IOException {
        return ingest(in, store, hasher, expectedLength, COMMIT_EVERY);
    }

    /** {@link #ingest(InputStream, ChunkStore, ExecutorService, long)}, committing every {@code commitEvery} bytes. */
    public static Result ingest(InputStream in, ChunkStore store, ExecutorService hasher, long expectedLength,
                                long commitEvery) throws IOException {
        ChunkStore.Session session;
        try {
            session = store.session();
        } catch (IOException e) {
            throw new StoreFailure(store, e);
        }
        boolean[] committed = {false};
        try {
            Result r = read(in, store, session, hasher, committed, commitEvery);
            if (expectedLength >= 0 && r.manifest.size != expectedLength) {
                throw new IOException("received " + r.manifest.size + " of " + expectedLength + " bytes");
            }
            return r;
        } catch (IOException | RuntimeException e) {
            session.close();
            if (committed[0]) {
                collectQuietly(store);
            }
            throw e;
        }
    }

    /**
     * After an ingest that failed or was refused: what it committed before (a large image commits as it goes) is
     * referenced by no manifest, and an incremental collection (proportional to what was journalled) reclaims it.
     */
    public static void collectQuietly(ChunkStore store) {
        try {
            store.collect();
        } catch (IOException | RuntimeException e) {
            // the next collection does it
        }
    }

    private static Result read(InputStream in, ChunkStore store, ChunkStore.Session session, ExecutorService hasher,
                               boolean[] committed, long commitEvery) throws IOException {
        MessageDigest whole = ChunkId.sha256();
        MessageDigest chunkSha = ChunkId.sha256();
        byte[][] ring = new byte[RING][];
        Future<?>[] hashed = new Future<?>[ring.length];
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        Manifest.Builder manifest = new Manifest.Builder();
        byte[] head = new byte[8];
        byte[] tail = new byte[512];
        long size = 0;
        long used = 0;
        long uncommitted = 0;
        for (int k = 0; ; k++) {
            int slot = k % ring.length;
            await(hashed[slot]);
            if (ring[slot] == null) {
                ring[slot] = new byte[BUFFER];
            }
            byte[] buf = ring[slot];
            int filled = 0;
            int n = 0;
            while (filled < buf.length && (n = in.read(buf, filled, buf.length - filled)) >= 0) {
                filled += n;
            }
            if (filled == 0) {
                break;
            }
            int len = filled;
            chain = chain.thenRunAsync(() -> whole.update(buf, 0, len), hasher); // in order, beside the chunking
            hashed[slot] = chain;
            if (size == 0) {
                System.arraycopy(buf, 0, head, 0, Math.min(8, len));
            }
            keepTail(tail, buf, len);
            for (int off = 0; off < len; off += Chunking.FIXED) {
                int c = Math.min(Chunking.FIXED, len - off);
                if (Arrays.equals(buf, off, off + c, ZERO, 0, c)) {
                    manifest.add(size + off, c, null);
                    continue;
                }
                ChunkId id = ChunkId.digest(chunkSha, buf, off, c);
                try {
                    if (!session.has(id)) {
                        session.put(id, buf, off, c);
                        uncommitted += c;
                    }
                } catch (IOException e) {
                    throw new StoreFailure(store, e);
                } catch (UncheckedIOException e) { // has(): the index could not be read
                    throw new StoreFailure(store, e.getCause());
                }
                manifest.add(size + off, c, id);
                used += c;
            }
            size += len;
            if (uncommitted >= commitEvery) {
                try {
                    session.commitSoon(); // goes on reading while it is forced and indexed
                } catch (IOException e) {
                    throw new StoreFailure(store, e);
                }
                committed[0] = true;
                uncommitted = 0;
            }
            if (n < 0) {
                break;
            }
        }
        for (Future<?> f : hashed) {
            await(f);
        }
        String hex = HexFormat.of().formatHex(whole.digest());
        return new Result(manifest.build(hex, size, format(head, tail, size)), used, session);
    }

    private static void await(Future<?> f) throws IOException {
        if (f == null) {
            return;
        }
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    /** Keeps the last 512 bytes seen (the VHD footer, when there is one). */
    private static void keepTail(byte[] tail, byte[] buf, int len) {
        if (len >= tail.length) {
            System.arraycopy(buf, len - tail.length, tail, 0, tail.length);
        } else {
            System.arraycopy(tail, len, tail, 0, tail.length - len);
            System.arraycopy(buf, 0, tail, tail.length - len, len);
        }
    }

    /** raw, vhd (a fixed VHD ends in a "conectix" footer) or qcow2 (starts "QFI\xfb"); stored as they are. */
    static String format(byte[] head, byte[] tail, long size) {
        if (size >= 4 && head[0] == 'Q' && head[1] == 'F' && head[2] == 'I' && (head[3] & 0xff) == 0xfb) {
            return "qcow2";
        }
        if (size >= 512 && new String(tail, 0, 8, StandardCharsets.US_ASCII).equals("conectix")) {
            return "vhd";
        }
        return "raw";
    }
}

package dev.imagegallery.replication.store.fs;

import dev.imagegallery.replication.content.Ingest;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.Manifest;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Run by {@link BigIngestTest} in a JVM of its own with a small heap: ingests {@code args[1]} MiB of distinct chunks
 * into a store at {@code args[0]} as BlobService does (commit, manifest, ref), reads the manifest back, and prints
 * {@code OK <entries> <offHeap>}; an OutOfMemoryError ends it with another status.
 */
public final class BigIngestChild {
    private BigIngestChild() {
    }

    public static void main(String[] args) throws Exception {
        long size = Long.parseLong(args[1]) << 20;
        ExecutorService hasher = Executors.newSingleThreadExecutor();
        FsChunkStore store = new FsChunkStore("westeurope", 0, Path.of(args[0]), false);
        try {
            Manifest.spillTo(Path.of(args[0]).resolve(".spill"));
            Ingest.Result r = Ingest.ingest(new Blocks(size), store, hasher, size);
            try (ChunkStore.Session s = r.session()) {
                s.commit();
                s.keep(r.digestHex());
                store.putManifest(r.manifest());
                store.setRef("blob", r.digestHex());
            }
            Manifest m = store.manifest(r.digestHex()).orElseThrow();
            for (int i = 0; i < m.count(); i += 997) {
                ByteBuffer b = ByteBuffer.wrap(store.get(m.chunk(i)));
                if (b.getLong() != i || m.offset(i) != (long) i * 4096 || m.length(i) != 4096) {
                    throw new IllegalStateException("entry " + i + " reads back wrong");
                }
            }
            if (m.uniqueBytes() != size || m.usedBytes() != size) {
                throw new IllegalStateException("unique " + m.uniqueBytes() + ", used " + m.usedBytes());
            }
            System.out.println("OK " + m.count() + " " + m.offHeap());
        } finally {
            store.close();
            hasher.shutdown();
        }
    }

    /** {@code size} bytes of 4 KiB blocks, each distinct: its number, then a constant fill. */
    static final class Blocks extends InputStream {
        private final long size;
        private long pos;

        Blocks(long size) {
            this.size = size;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= size) {
                return -1;
            }
            int n = (int) Math.min(len, size - pos);
            for (int i = 0; i < n; i++) {
                long at = pos + i;
                int in = (int) (at & 4095);
                b[off + i] = in < 8 ? (byte) ((at >>> 12) >>> (8 * (7 - in))) : (byte) (in | 1);
            }
            pos += n;
            return n;
        }
    }
}

package dev.imagegallery.replication.store;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A backend around another that counts the chunk bytes each store hands out, by reader (a label the calling thread
 * runs under, such as the region it copies into), and can make one store's writes fail (a full disk under one
 * replica), and counts the chunks and manifests written. For the fan-out test and bench: how often a copy reads its
 * source; for the Shallow test: that a shallow replica writes none.
 */
public final class CountingBackend implements Backend {
    private static final ThreadLocal<String> READER = ThreadLocal.withInitial(() -> "");

    private final Backend inner;
    /** "{region}/{replica} <- {reader}" to bytes read. */
    private final Map<String, AtomicLong> read = new ConcurrentHashMap<>();
    private final Map<String, Long> failWritesAfter = new ConcurrentHashMap<>();

    public CountingBackend(Backend inner) {
        this.inner = inner;
    }

    /** Runs {@code work} with its reads counted for {@code reader}. */
    public static <T> T as(String reader, Callable<T> work) throws Exception {
        String before = READER.get();
        READER.set(reader);
        try {
            return work.call();
        } finally {
            READER.set(before);
        }
    }

    /** Chunk bytes store {@code region}/{@code replica} handed to {@code reader}. */
    public long read(String region, int replica, String reader) {
        AtomicLong n = read.get(region + "/" + replica + " <- " + reader);
        return n == null ? 0 : n.get();
    }

    /** Chunk bytes every store handed to {@code reader}. */
    public long readBy(String reader) {
        return read.entrySet().stream().filter(e -> e.getKey().endsWith(" <- " + reader))
                .mapToLong(e -> e.getValue().get()).sum();
    }

    /** Puts into {@code region}/{@code replica} fail after {@code puts} more succeed ({@code -1}: never again). */
    public void failWrites(String region, int replica, long puts) {
        if (puts < 0) {
            failWritesAfter.remove(region + "/" + replica);
        } else {
            failWritesAfter.put(region + "/" + replica, puts);
        }
    }

    private void count(ChunkStore s, long bytes) {
        read.computeIfAbsent(s.region() + "/" + s.replica() + " <- " + READER.get(), k -> new AtomicLong())
                .addAndGet(bytes);
    }

    /** Chunks put into a store and manifests written, by "{region}/{replica}". */
    private final Map<String, AtomicLong> chunksPut = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> manifestsPut = new ConcurrentHashMap<>();

    /** Chunks put into any store (through a session), since the backend was made. */
    public long chunksPut() {
        return chunksPut.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** Manifests written into any store. */
    public long manifestsPut() {
        return manifestsPut.values().stream().mapToLong(AtomicLong::get).sum();
    }

    private void write(ChunkStore s) throws IOException {
        String k = s.region() + "/" + s.replica();
        chunksPut.computeIfAbsent(k, x -> new AtomicLong()).incrementAndGet();
        Long left = failWritesAfter.computeIfPresent(k, (x, n) -> n - 1);
        if (left != null && left < 0) {
            throw new IOException("No space left on device (" + k + ", a test fault)");
        }
    }

    @Override
    public ChunkStore open(String region, int replica) throws IOException {
        return new Counted(inner.open(region, replica));
    }

    @Override
    public int replicas(String region) {
        return inner.replicas(region);
    }

    @Override
    public void close() {
        inner.close();
    }

    private final class Counted implements ChunkStore {
        private final ChunkStore s;

        Counted(ChunkStore s) {
            this.s = s;
        }

        @Override
        public String region() {
            return s.region();
        }

        @Override
        public int replica() {
            return s.replica();
        }

        @Override
        public boolean has(ChunkId id) {
            return s.has(id);
        }

        @Override
        public byte[] get(ChunkId id) throws IOException {
            byte[] b = s.get(id);
            count(s, b.length);
            return b;
        }

        @Override
        public byte[][] getAll(List<ChunkId> ids) throws IOException {
            byte[][] out = s.getAll(ids);
            long n = 0;
            for (byte[] b : out) {
                n += b == null ? 0 : b.length;
            }
            count(s, n);
            return out;
        }

        @Override
        public Session session() throws IOException {
            Session w = s.session();
            return new Session() {
                @Override
                public boolean has(ChunkId id) {
                    return w.has(id);
                }

                @Override
                public boolean[] hasAll(List<ChunkId> ids) {
                    return w.hasAll(ids);
                }

                @Override
                public void put(ChunkId id, byte[] b, int off, int len) throws IOException {
                    write(s);
                    w.put(id, b, off, len);
                }

                @Override
                public void keep(String contentHex) {
                    w.keep(contentHex);
                }

                @Override
                public void commit() throws IOException {
                    w.commit();
                }

                @Override
                public void close() {
                    w.close();
                }
            };
        }

        @Override
        public Optional<Manifest> manifest(String contentHex) throws IOException {
            return s.manifest(contentHex);
        }

        @Override
        public void putManifest(Manifest m) throws IOException {
            manifestsPut.computeIfAbsent(s.region() + "/" + s.replica(), x -> new AtomicLong()).incrementAndGet();
            s.putManifest(m);
        }

        @Override
        public void setRef(String ref, String contentHex) throws IOException {
            s.setRef(ref, contentHex);
        }

        @Override
        public Optional<String> ref(String ref) throws IOException {
            return s.ref(ref);
        }

        @Override
        public void deleteRef(String ref) throws IOException {
            s.deleteRef(ref);
        }

        @Override
        public Map<String, String> refs() throws IOException {
            return s.refs();
        }

        @Override
        public void forEachChunk(Consumer<ChunkId> each) {
            s.forEachChunk(each);
        }

        @Override
        public long physicalBytes() {
            return s.physicalBytes();
        }

        @Override
        public GcResult collect() throws IOException {
            return s.collect();
        }

        @Override
        public GcResult collectAll() throws IOException {
            return s.collectAll();
        }

        @Override
        public void close() {
            s.close();
        }

        @Override
        public String toString() {
            return s.toString();
        }
    }
}

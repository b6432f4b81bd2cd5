package dev.imagegallery.replication.store.fs;


import com.sun.nio.file.ExtendedOpenOption;
import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.Manifest;
import dev.imagegallery.replication.store.pack.Loc;
import dev.imagegallery.replication.store.pack.PackStore;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A replica store on local disk (a {@link PackStore}). Chunks are appended to pack files
 * ({@code packs/pack-N.pack}, at most {@link #PACK_MAX} each, one writer per pack) and found through an append-only
 * index ({@code index.bin}: the pack store's 48-byte records, loaded into memory at start). A session's chunks reach
 * the index only at commit, after the pack is forced to disk, so a crash leaves at most unindexed bytes at a pack's
 * end. Manifests are files under {@code manifests/}, refs under {@code refs/}.
 */
public final class FsChunkStore extends PackStore {
    /** {@link #PACK_MAX}, unless {@code -Dgallery.store.pack-max-bytes} (read when a store opens) says otherwise. */
    private final long packMax = Long.getLong("gallery.store.pack-max-bytes", PACK_MAX);

    private final Path dir;
    private final boolean durable;
    private final Map<Integer, FileChannel> readers = new ConcurrentHashMap<>();
    /**
     * Direct write buffers of closed sessions, reused: writing from a heap buffer makes the JDK copy it into a
     * temporary direct one first, an extra pass over every byte stored.
     */
    private final BlockingQueue<ByteBuffer> buffers = new ArrayBlockingQueue<>(8);
    /**
     * With direct I/O, every chunk starts a {@value} B block of its pack (a chunk shorter than that, only ever a
     * blob's last one, is padded with zeros).
     */
    public static final int BLOCK = 4096;
    /** {@link #getAll} reads at most this much in one {@code pread}, skipping gaps of at most {@link #GAP}. */
    static final int SPAN = 1 << 20;
    static final int GAP = 64 << 10;
    private static final ThreadLocal<ByteBuffer> SPANS = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(SPAN));
    private static final byte[] PAD = new byte[BLOCK];
    /**
     * Packs are written with direct I/O where the file system allows it: the device reads the session's buffer
     * itself, where a buffered write has the kernel copy every byte into freshly allocated page-cache pages (slower
     * than hashing the chunks on this box, measured in the README) and the final fsync then writes them all out.
     */
    private final boolean directIo;
    /**
     * Writes each session's full buffers while the session fills its other one: the write system calls
     * overlap the hashing of the next chunks. Daemon threads, idle ones gone after a minute.
     */
    private static final ExecutorService WRITERS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "pack-writer");
                t.setDaemon(true);
                return t;
            });
    private FileChannel indexOut;

    public FsChunkStore(String region, int replica, Path dir, boolean durable) throws IOException {
        super(region, replica);
        this.dir = dir;
        this.durable = durable;
        Files.createDirectories(dir.resolve("packs"));
        Files.createDirectories(dir.resolve("manifests"));
        Files.createDirectories(dir.resolve("refs"));
        this.directIo = directIoWorks(dir.resolve("packs"));
        packsExist(packs());
        Path idx = dir.resolve("index.bin");
        long valid = 0;
        if (Files.exists(idx)) {
            try (InputStream in = new BufferedInputStream(Files.newInputStream(idx), 1 << 20)) {
                valid = loadIndex(in);
            }
        }
        indexOut = FileChannel.open(idx, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        indexOut.truncate(valid); // a torn last record from a crash
        indexOut.position(valid);
    }

    public Path dir() {
        return dir;
    }

    @Override
    protected byte[] read(ChunkId id, Loc loc) throws IOException {
        byte[] b = new byte[loc.length()];
        try {
            FileChannel ch = reader(loc.pack());
            ByteBuffer bb = ByteBuffer.wrap(b);
            long pos = loc.offset();
            while (bb.hasRemaining()) {
                if (ch.read(bb, pos + bb.position()) < 0) {
                    return null;
                }
            }
        } catch (NoSuchFileException e) {
            throw packMissing(id);
        }
        return b;
    }

    /**
     * Reads runs of chunks with one {@code pread} each: chunks of one pack in the order asked (a manifest's order,
     * which is mostly the order ingest wrote them in), each starting at most {@link #GAP} after the previous one ends,
     * up to {@link #SPAN} a run. One {@code pread} per 4 KiB chunk cost replication more CPU than hashing did.
     */
    @Override
    public byte[][] getAll(List<ChunkId> ids) throws IOException {
        int n = ids.size();
        byte[][] out = new byte[n][];
        Loc[] locs = new Loc[n];
        for (int i = 0; i < n; i++) {
            locs[i] = index.get(ids.get(i));
        }
        for (int i = 0; i < n; ) {
            Loc first = locs[i];
            if (first == null) {
                i++;
                continue;
            }
            long end = first.offset() + first.length();
            int j = i + 1;
            for (; j < n && locs[j] != null && locs[j].pack() == first.pack() && locs[j].offset() >= end
                    && locs[j].offset() - end <= GAP && locs[j].offset() + locs[j].length() - first.offset() <= SPAN;
                    j++) {
                end = locs[j].offset() + locs[j].length();
            }
            readRun(ids, locs, i, j, end, out);
            i = j;
        }
        return out;
    }

    /** Chunks {@code [i, j)} of one pack, from {@code locs[i]}'s offset to {@code end}; a bad one is left null. */
    private void readRun(List<ChunkId> ids, Loc[] locs, int i, int j, long end, byte[][] out) throws IOException {
        long start = locs[i].offset();
        ByteBuffer span = SPANS.get().clear().limit((int) (end - start));
        try {
            FileChannel ch = reader(locs[i].pack());
            while (span.hasRemaining()) {
                if (ch.read(span, start + span.position()) < 0) {
                    break; // a truncated pack: the chunks past its end stay null
                }
            }
        } catch (NoSuchFileException e) {
            return;
        }
        int got = span.position();
        MessageDigest sha = SHA.get();
        for (int k = i; k < j; k++) {
            int at = (int) (locs[k].offset() - start);
            if (at + locs[k].length() > got) {
                continue;
            }
            byte[] b = new byte[locs[k].length()];
            span.get(at, b);
            if (ChunkId.digest(sha, b, 0, b.length).equals(ids.get(k))) {
                out[k] = b;
            }
        }
    }

    private FileChannel reader(int pack) throws IOException {
        FileChannel ch = readers.get(pack);
        if (ch == null) {
            ch = FileChannel.open(packPath(pack), StandardOpenOption.READ);
            FileChannel prev = readers.putIfAbsent(pack, ch);
            if (prev != null) {
                ch.close();
                ch = prev;
            }
        }
        return ch;
    }

    private Path packPath(int pack) {
        return dir.resolve("packs").resolve("pack-" + pack + ".pack");
    }

    /** Where a chunk lives (tests corrupt it there). */
    public Optional<Path> packOf(ChunkId id, long[] offset) {
        Loc loc = index.get(id);
        if (loc == null) {
            return Optional.empty();
        }
        offset[0] = loc.offset();
        return Optional.of(packPath(loc.pack()));
    }

    @Override
    protected PackSession newSession() {
        return new FsSession();
    }

    @Override
    public Optional<Manifest> manifest(String contentHex) throws IOException {
        Path p = dir.resolve("manifests").resolve(contentHex);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(p), 1 << 16)) {
            return Optional.of(Manifest.readFrom(in));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public void putManifest(Manifest m) throws IOException {
        Path target = dir.resolve("manifests").resolve(m.contentHex);
        Path tmp = target.resolveSibling(m.contentHex + "." + Thread.currentThread().getId() + ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            m.writeTo(out);
        }
        force(tmp);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public synchronized void setRef(String ref, String contentHex) throws IOException {
        Path target = refPath(ref);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, contentHex + "\n" + ref);
        force(tmp);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public Optional<String> ref(String ref) throws IOException {
        try {
            return Optional.of(Files.readString(refPath(ref)).lines().findFirst().orElseThrow());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public synchronized void deleteRef(String ref) throws IOException {
        Files.deleteIfExists(refPath(ref));
    }

    @Override
    public Map<String, String> refs() throws IOException {
        Map<String, String> all = new HashMap<>();
        try (Stream<Path> files = Files.list(dir.resolve("refs"))) {
            for (Path p : files.filter(f -> !f.toString().endsWith(".tmp")).toList()) {
                try {
                    List<String> lines = Files.readAllLines(p);
                    all.put(lines.get(1), lines.get(0));
                } catch (NoSuchFileException ignored) {
                    // deleted meanwhile
                }
            }
        }
        return all;
    }

    private Path refPath(String ref) {
        return dir.resolve("refs").resolve(refKey(ref));
    }

    @Override
    protected List<String> manifestNames() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("manifests"))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".tmp")).toList();
        }
    }

    @Override
    protected void deleteManifest(String contentHex) throws IOException {
        Files.deleteIfExists(dir.resolve("manifests").resolve(contentHex));
    }

    @Override
    protected List<Integer> packs() throws IOException {
        try (Stream<Path> packs = Files.list(dir.resolve("packs"))) {
            return packs.map(p -> p.getFileName().toString()).filter(n -> n.matches("pack-\\d+\\.pack"))
                    .map(n -> Integer.parseInt(n.substring(5, n.length() - 5))).toList();
        }
    }

    @Override
    protected void deletePack(int pack) throws IOException {
        FileChannel r = readers.remove(pack);
        if (r != null) {
            r.close();
        }
        Files.deleteIfExists(packPath(pack));
    }

    @Override
    protected void rewriteIndex() throws IOException {
        Path tmp = dir.resolve("index.bin.tmp");
        List<Map.Entry<ChunkId, Loc>> entries = List.copyOf(index.entrySet());
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int from = 0; from < entries.size(); from += 4096) {
                writeFully(out, records(entries, from, Math.min(entries.size(), from + 4096)));
            }
            out.force(true);
        }
        indexOut.close();
        Files.move(tmp, dir.resolve("index.bin"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        indexOut = FileChannel.open(dir.resolve("index.bin"), StandardOpenOption.WRITE);
        indexOut.position(indexOut.size());
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private void force(Path p) throws IOException {
        if (durable) {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }
    }

    @Override
    protected void appendToIndex(List<Map.Entry<ChunkId, Loc>> entries) throws IOException {
        for (int from = 0; from < entries.size(); from += 8192) {
            writeFully(indexOut, records(entries, from, Math.min(entries.size(), from + 8192)));
        }
        if (durable) {
            indexOut.force(false);
        }
    }

    @Override
    public void close() {
        readers.values().forEach(ch -> {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing
            }
        });
        readers.clear();
        try {
            indexOut.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public String toString() {
        Path tenant = dir.getParent() == null ? null : dir.getParent().getParent();
        return (tenant == null ? "" : tenant.getFileName() + ":") + region() + "/replica-" + replica();
    }

    /** A 4 MiB direct buffer whose address is block-aligned (as direct I/O requires). */
    private ByteBuffer buffer() {
        ByteBuffer b = buffers.poll();
        return b != null ? b : ByteBuffer.allocateDirect((4 << 20) + BLOCK).alignedSlice(BLOCK).limit(4 << 20).slice();
    }

    /**
     * Whether packs in {@code packs} can be written with direct I/O ({@code O_DIRECT}) in {@link #BLOCK}-sized
     * blocks: tried once on a scratch file, since file systems without it (tmpfs) refuse at open or first write.
     */
    public static boolean directIoWorks(Path packs) {
        if (Boolean.getBoolean("gallery.store.buffered-io")) {
            return false;
        }
        Path probe = packs.resolve("direct-io.probe");
        try {
            long bs = Files.getFileStore(packs).getBlockSize();
            if (bs <= 0 || bs > BLOCK || BLOCK % bs != 0) {
                return false;
            }
            ByteBuffer b = ByteBuffer.allocateDirect(2 * BLOCK).alignedSlice(BLOCK).limit(BLOCK);
            try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING, ExtendedOpenOption.DIRECT)) {
                ch.write(b, 0);
            }
            return true;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // a leftover probe file is harmless
            }
        }
    }

    final class FsSession extends PackSession {
        /** The buffer being filled. */
        private ByteBuffer buf = buffer();
        /** The buffer being written (while {@link #writing}), else empty and next to fill. */
        private ByteBuffer spare = buffer();
        private Future<?> writing;
        private final List<Future<?>> sealing = new ArrayList<>();
        private FileChannel out;
        private int pack;
        /** Where the next buffer handed to the writer goes in the pack (bytes before it are written or being so). */
        private long written;

        @Override
        protected Loc write(byte[] b, int off, int len) throws IOException {
            int slot = directIo ? (len + BLOCK - 1) & -BLOCK : len;
            if (out == null || written + buf.position() + slot > packMax) {
                roll();
            }
            if (buf.remaining() < slot) {
                startWrite();
            }
            Loc loc = new Loc(pack, written + buf.position(), len);
            buf.put(b, off, len);
            if (slot > len) {
                buf.put(PAD, 0, slot - len);
            }
            return loc;
        }

        private void roll() throws IOException {
            if (out != null) {
                seal();
            }
            pack = startPack();
            out = directIo
                    ? FileChannel.open(packPath(pack), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                            ExtendedOpenOption.DIRECT)
                    : FileChannel.open(packPath(pack), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            written = 0;
        }

        /**
         * Finishes the current pack on a writer thread (its last buffer, fsync and close) while the session goes on
         * filling the next one: a synchronous fsync here stalled ingest at every pack. Commit and close await it.
         */
        private void seal() throws IOException {
            if (buf.position() > 0) {
                startWrite();
            }
            Future<?> last = writing;
            FileChannel full = out;
            sealing.add(WRITERS.submit(() -> {
                try (full) {
                    if (last != null) {
                        last.get();
                    }
                    if (durable) {
                        full.force(false);
                    }
                }
                return null;
            }));
        }

        /** The packs this session filled before the current one are written, forced and closed. */
        private void awaitSealed() throws IOException {
            try {
                for (Future<?> f : sealing) {
                    await(f);
                }
            } finally {
                sealing.clear();
            }
        }

        /** Hands the filled buffer to a writer thread and goes on with the other (once its own write is done). */
        private void startWrite() throws IOException {
            awaitWrite();
            ByteBuffer full = buf.flip();
            FileChannel ch = out;
            long at = written;
            written += full.remaining();
            buf = spare;
            spare = full;
            writing = WRITERS.submit(() -> {
                while (full.hasRemaining()) {
                    ch.write(full, at + full.position());
                }
                return null;
            });
        }

        private void awaitWrite() throws IOException {
            if (writing == null) {
                return;
            }
            try {
                await(writing);
            } finally {
                writing = null;
                spare.clear();
            }
        }

        private static void await(Future<?> f) throws IOException {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while writing a pack");
            } catch (ExecutionException e) {
                Throwable c = e.getCause() instanceof ExecutionException inner ? inner.getCause() : e.getCause();
                throw c instanceof IOException io ? io : new IOException(c);
            }
        }

        /** Everything put so far is in the pack file (not forced). */
        private void flush() throws IOException {
            if (buf.position() > 0) {
                startWrite();
            }
            awaitWrite();
        }

        @Override
        protected void writeOut() throws IOException {
            flush();
            if (durable) {
                out.force(false);
            }
            awaitSealed();
        }

        @Override
        protected void release() {
            try {
                awaitWrite();
            } catch (IOException e) {
                // the session is being discarded: what it wrote goes with it
            }
            try {
                awaitSealed();
            } catch (IOException e) {
                // the same
            }
            try {
                if (out != null) {
                    out.close();
                }
            } catch (IOException e) {
                // the same
            } finally {
                buffers.offer(buf.clear());
                buffers.offer(spare.clear());
            }
        }
    }
}

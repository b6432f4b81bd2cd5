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
 * ({@code packs/pack-N.pack}, at most {@link #PACK_MAX} each, one writer per pack); each pack has a directory
 * ({@code packs/pack-N.dir}: a {@value #DIR_RECORD}-byte record per chunk committed into it: digest, offset, length,
 * CRC-32C), and chunks are found through the on-disk {@link RocksIndex} ({@code index/}). A commit forces the packs,
 * then appends and forces their directories, then writes the index entries together with how far each directory is
 * now indexed. So the packs with their directories are the source of truth: a crash at any point leaves the index
 * naming only durable chunks, and opening replays just the directory records past the indexed point (a commit cut
 * off between its directory and its index write); an index that fails RocksDB's checks at open, or is missing, is
 * rebuilt from the directories. Manifests are files under {@code manifests/}, refs under {@code refs/}.
 */
public final class FsChunkStore extends PackStore {
    /** {@link #PACK_MAX}, unless {@code -Dgallery.store.pack-max-bytes} (read when a store opens) says otherwise. */
    private final long packMax = Long.getLong("gallery.store.pack-max-bytes", PACK_MAX);

    private final Path dir;
    private final boolean durable;
    private final Map<Integer, FileChannel> readers = new ConcurrentHashMap<>();
    /**
     * Direct write buffers of closed sessions, reused by every store's sessions (at most 64 MiB kept): writing from a
     * heap buffer makes the JDK copy it into a temporary direct one first, an extra pass over every byte stored. Each
     * store kept 8 of its own, while a region's 8 copies at once take up to 16: during a burst of small versions a
     * session in two allocated and zeroed 8 MiB (2 % of the machine's CPU, with the page faults of touching it).
     */
    private static final BlockingQueue<ByteBuffer> BUFFERS = new ArrayBlockingQueue<>(16);
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
    /** One record of a pack's directory: digest (32 bytes), offset (8), length (4), CRC-32C of those (4). */
    public static final int DIR_RECORD = 48;
    private static final System.Logger LOG = System.getLogger(FsChunkStore.class.getName());
    private final RocksIndex rocks;

    public FsChunkStore(String region, int replica, Path dir, boolean durable) throws IOException {
        this(region, replica, dir, durable, openIndex(dir, durable));
    }

    private FsChunkStore(String region, int replica, Path dir, boolean durable, RocksIndex rocks) throws IOException {
        super(region, replica, rocks);
        this.rocks = rocks;
        this.dir = dir;
        this.durable = durable;
        try {
            this.directIo = directIoWorks(dir.resolve("packs"));
            packsExist(packs());
            replayDirectories();
        } catch (IOException | RuntimeException e) {
            rocks.close();
            throw e;
        }
    }

    /**
     * The store's index: opened as it is when RocksDB's checks pass and it is complete (no entry is read); else
     * rebuilt from the packs' directories (or imported from a store's former {@code index.bin}).
     */
    private static RocksIndex openIndex(Path dir, boolean durable) throws IOException {
        Files.createDirectories(dir.resolve("packs"));
        Files.createDirectories(dir.resolve("manifests"));
        Files.createDirectories(dir.resolve("refs"));
        Path at = dir.resolve("index");
        RocksIndex index = RocksIndex.open(at, durable);
        if (index != null) {
            return index;
        }
        Path legacy = dir.resolve("index.bin");
        if (Files.exists(at)) {
            LOG.log(System.Logger.Level.WARNING, "the chunk index " + at + " is damaged or incomplete: rebuilding it "
                    + "from the packs");
        }
        index = RocksIndex.create(at, durable);
        try {
            boolean empty = listPacks(dir).isEmpty() && !Files.exists(legacy);
            if (Files.exists(legacy)) {
                importLegacy(dir, legacy, index);
            } else {
                rebuild(dir, index);
            }
            index.complete();
            if (empty) {
                index.counted(); // no chunk, so no reference to count; else the first collection is a full one
            }
            Files.deleteIfExists(legacy);
            return index;
        } catch (IOException | RuntimeException e) {
            index.close();
            throw e;
        }
    }

    /** Every pack's directory into a new index, oldest pack first (a later record of a digest wins). */
    private static void rebuild(Path dir, RocksIndex index) throws IOException {
        for (int pack : new java.util.TreeSet<>(listPacks(dir))) {
            replay(dir, index, pack, 0, true);
        }
    }

    /**
     * Directory records of {@code pack} from byte {@code from} into the index, each checked (its CRC, and that the
     * pack holds its bytes); a torn last record (a crash mid-append) is cut off.
     */
    private static void replay(Path dir, RocksIndex index, int pack, long from, boolean bulk) throws IOException {
        Path d = dirPath(dir, pack);
        Path p = packPath(dir, pack);
        if (!Files.exists(d) || !Files.exists(p)) {
            return;
        }
        long packSize = Files.size(p);
        List<Map.Entry<ChunkId, Loc>> entries = new ArrayList<>();
        long end;
        int bad = 0;
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            end = from + (size - from) / DIR_RECORD * DIR_RECORD;
            ByteBuffer buf = ByteBuffer.allocate(DIR_RECORD * 4096);
            for (long at = from; at < end; ) {
                buf.clear().limit((int) Math.min(buf.capacity(), end - at));
                while (buf.hasRemaining()) {
                    if (ch.read(buf, at + buf.position()) < 0) {
                        throw new java.io.EOFException(d.toString());
                    }
                }
                buf.flip();
                at += buf.remaining();
                while (buf.hasRemaining()) {
                    int start = buf.position();
                    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
                    crc.update(buf.slice(start, DIR_RECORD - 4));
                    ChunkId id = ChunkId.read(buf);
                    long offset = buf.getLong();
                    int length = buf.getInt();
                    int sum = buf.getInt();
                    if (sum != (int) crc.getValue() || offset < 0 || length <= 0 || offset + length > packSize) {
                        bad++;
                        continue;
                    }
                    entries.add(Map.entry(id, new Loc(pack, offset, length)));
                }
            }
            if (size > end) {
                ch.truncate(end);
            }
        }
        if (bad > 0) {
            LOG.log(System.Logger.Level.WARNING, bad + " damaged records in " + d + " skipped (the scrubber finds "
                    + "their chunks missing and repairs them from another copy)");
        }
        index.put(entries, Map.of(pack, end), bulk);
    }

    /** What commits cut off between their directory write and their index write left: the records past it. */
    private void replayDirectories() throws IOException {
        for (int pack : new java.util.TreeSet<>(packs())) {
            Path d = dirPath(dir, pack);
            long indexed = rocks.dirIndexed(pack);
            if (Files.exists(d) && Files.size(d) > indexed) {
                replay(dir, rocks, pack, indexed, false);
            }
        }
    }

    /**
     * A store of the former layout: {@code index.bin}'s records (the last of a digest wins) become the packs'
     * directories and the index.
     */
    private static void importLegacy(Path dir, Path legacy, RocksIndex index) throws IOException {
        for (int pack : listPacks(dir)) {
            Files.deleteIfExists(dirPath(dir, pack)); // from an import cut short
        }
        Map<Integer, FileChannel> dirs = new HashMap<>();
        List<Map.Entry<ChunkId, Loc>> batch = new ArrayList<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(legacy), 1 << 20)) {
            readRecords(in, (id, loc) -> {
                batch.add(Map.entry(id, loc));
                if (batch.size() == 8192) {
                    flushImport(dir, index, batch, dirs);
                }
            });
            flushImport(dir, index, batch, dirs);
            Map<Integer, Long> ends = new HashMap<>();
            for (var e : dirs.entrySet()) {
                e.getValue().force(false);
                ends.put(e.getKey(), e.getValue().size());
            }
            index.put(List.of(), ends, true);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        } finally {
            for (FileChannel ch : dirs.values()) {
                ch.close();
            }
        }
    }

    private static void flushImport(Path dir, RocksIndex index, List<Map.Entry<ChunkId, Loc>> batch,
                                    Map<Integer, FileChannel> dirs) {
        try {
            Map<Integer, List<Map.Entry<ChunkId, Loc>>> byPack = new HashMap<>();
            batch.forEach(e -> byPack.computeIfAbsent(e.getValue().pack(), p -> new ArrayList<>()).add(e));
            for (var e : byPack.entrySet()) {
                FileChannel ch = dirs.get(e.getKey());
                if (ch == null) {
                    ch = FileChannel.open(dirPath(dir, e.getKey()), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                            StandardOpenOption.APPEND);
                    dirs.put(e.getKey(), ch);
                }
                writeFully(ch, dirRecords(e.getValue()));
            }
            index.put(new ArrayList<>(batch), Map.of(), true);
            batch.clear();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Directory records of {@code entries} (all of one pack). */
    static ByteBuffer dirRecords(List<Map.Entry<ChunkId, Loc>> entries) {
        ByteBuffer buf = ByteBuffer.allocate(entries.size() * DIR_RECORD);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        for (var e : entries) {
            int start = buf.position();
            e.getKey().write(buf);
            buf.putLong(e.getValue().offset()).putInt(e.getValue().length());
            crc.reset();
            crc.update(buf.slice(start, DIR_RECORD - 4));
            buf.putInt((int) crc.getValue());
        }
        return buf.flip();
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    public Path dir() {
        return dir;
    }

    /** The on-disk index (tests and the benchmark look at it). */
    RocksIndex rocks() {
        return rocks;
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
        Loc[] locs = index.getAll(ids);
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
        return packPath(dir, pack);
    }

    private static Path packPath(Path dir, int pack) {
        return dir.resolve("packs").resolve("pack-" + pack + ".pack");
    }

    private static Path dirPath(Path dir, int pack) {
        return dir.resolve("packs").resolve("pack-" + pack + ".dir");
    }

    /**
     * Reads the packs' directories and the chunks they name in pack order, a pack sequentially (spans of up to
     * {@link #SPAN}), looking up a block of records' index entries together: a record whose entry names that place is
     * verified, one the index no longer names there (collected, or replaced by a repair) is passed over. First what
     * the directories gained since the last pass (their ends are kept with the index), then the slice from the kept
     * cursor, wrapping round, until it has passed over {@code fraction} of the packs' bytes. Chunks of a pack the
     * index names but whose files are gone are found by a walk of the index, only when there is such a pack.
     */
    @Override
    public ScrubPass scrub(double fraction, java.util.function.BiConsumer<ChunkId, String> bad) throws IOException {
        synchronized (scrubbing) {
            java.util.TreeMap<Integer, Long> ends = new java.util.TreeMap<>();
            long total = 0;
            for (int p : packs()) {
                try {
                    long end = Files.size(dirPath(dir, p)) / DIR_RECORD * DIR_RECORD;
                    total += Files.size(packPath(p));
                    ends.put(p, end);
                } catch (NoSuchFileException e) {
                    // being deleted, or a pack a session is still writing (no directory yet)
                }
            }
            Scan scan = new Scan(bad);
            java.util.Set<Integer> gone = new java.util.HashSet<>(rocks.packs());
            gone.removeAll(ends.keySet());
            if (!gone.isEmpty()) {
                index.forEach((id, loc) -> {
                    if (gone.contains(loc.pack()) && !ends.containsKey(loc.pack())) {
                        scan.checked++;
                        try {
                            get(id);
                        } catch (dev.imagegallery.replication.store.CorruptChunkException e) {
                            if (has(id)) {
                                bad.accept(id, "corrupt");
                            }
                        } catch (IOException e) {
                            bad.accept(id, "unreadable");
                        }
                    }
                });
            }
            boolean whole = fraction >= 1;
            Map<Integer, Long> seen = new HashMap<>();
            byte[] st = rocks.scrubState("seen");
            for (ByteBuffer b = st == null ? ByteBuffer.allocate(0) : ByteBuffer.wrap(st); b.remaining() >= 12; ) {
                seen.put(b.getInt(), b.getLong());
            }
            if (!whole) {
                for (var e : ends.entrySet()) {
                    long from = Math.min(seen.getOrDefault(e.getKey(), 0L), e.getValue());
                    scan.range(e.getKey(), from, e.getValue(), Long.MAX_VALUE);
                }
            }
            long fresh = scan.bytes;
            long budget = whole ? Long.MAX_VALUE : (long) Math.ceil(total * fraction);
            byte[] c = rocks.scrubState("cursor");
            ByteBuffer cb = c == null ? ByteBuffer.allocate(12) : ByteBuffer.wrap(c);
            int cursorPack = cb.getInt();
            long cursorOff = cb.getLong();
            Integer cur = ends.ceilingKey(cursorPack);
            long off = cur != null && cur == cursorPack ? cursorOff : 0;
            boolean wrapped = false; // the cursor came round to the first pack: a period is complete
            if (cur == null && !ends.isEmpty()) {
                cur = ends.firstKey();
                wrapped = true;
            }
            int startPack = cur == null ? 0 : cur;
            long startOff = off;
            boolean around = false; // this pass came round to where it started
            while (cur != null) {
                long end = ends.get(cur);
                if (around && cur == startPack) {
                    end = Math.min(end, startOff);
                }
                long reached = scan.range(cur, Math.min(off, end), end, budget - (scan.bytes - fresh));
                if (reached < end) {
                    off = reached; // the slice is read
                    break;
                }
                if (around && cur == startPack) {
                    off = end;
                    break; // round once
                }
                Integer next = ends.higherKey(cur);
                if (next == null) {
                    wrapped = true;
                    around = true;
                    next = ends.firstKey();
                }
                cur = next;
                off = 0;
                if (scan.bytes - fresh >= budget) {
                    break;
                }
            }
            ByteBuffer seenNow = ByteBuffer.allocate(ends.size() * 12);
            ends.forEach((p, e) -> seenNow.putInt(p).putLong(e));
            Map<String, byte[]> state = new HashMap<>();
            state.put("seen", seenNow.array());
            state.put("cursor", ByteBuffer.allocate(12).putInt(cur == null ? 0 : cur).putLong(off).array());
            // the manifests: those stored since the last pass, and the same fraction of the live ones from a cursor
            RocksIndex.ManifestSlice ms = rocks.manifestSlice(refs().values(), fraction);
            state.put("manifest", ms.cursor());
            rocks.scrubbed(state, ms.stored());
            return new ScrubPass(scan.checked, scan.bytes, ms.check(), wrapped || whole);
        }
    }

    /** One scrub pass at a time per store (its cursor). */
    private final Object scrubbing = new Object();

    /** Verifies ranges of pack directories: what a scrub pass read and found. */
    private final class Scan {
        final java.util.function.BiConsumer<ChunkId, String> bad;
        long checked;
        /** Bytes the records passed over name (live or not): what the slice's budget counts. */
        long bytes;
        private final MessageDigest sha = ChunkId.sha256();

        Scan(java.util.function.BiConsumer<ChunkId, String> bad) {
            this.bad = bad;
        }

        /**
         * Records {@code [from, to)} of {@code pack}'s directory, at most 256 at a time, until {@code budget} bytes
         * are passed over; answers where it stopped.
         */
        long range(int pack, long from, long to, long budget) throws IOException {
            long start = bytes;
            long at = from;
            try (FileChannel d = FileChannel.open(dirPath(dir, pack), StandardOpenOption.READ);
                 FileChannel p = FileChannel.open(packPath(pack), StandardOpenOption.READ)) {
                ByteBuffer buf = ByteBuffer.allocate(256 * DIR_RECORD);
                while (at < to && bytes - start < budget) {
                    // no more records than the rest of the budget needs (chunks are at most a block): a slice reads
                    // at most one chunk past its budget
                    long left = budget - (bytes - start);
                    long records = left >= 256L * BLOCK ? 256 : Math.max(1, (left + BLOCK - 1) / BLOCK);
                    buf.clear().limit((int) Math.min(records * DIR_RECORD, to - at));
                    while (buf.hasRemaining() && d.read(buf, at + buf.position()) >= 0) {
                        // reads the block
                    }
                    buf.flip();
                    at += buf.remaining() / DIR_RECORD * DIR_RECORD;
                    block(pack, buf, p);
                }
            } catch (NoSuchFileException e) {
                return to; // deleted meanwhile (collected)
            }
            return at;
        }

        private void block(int pack, ByteBuffer buf, FileChannel p) throws IOException {
            List<ChunkId> ids = new ArrayList<>();
            List<Loc> locs = new ArrayList<>();
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            while (buf.remaining() >= DIR_RECORD) {
                int start = buf.position();
                crc.reset();
                crc.update(buf.slice(start, DIR_RECORD - 4));
                ChunkId id = ChunkId.read(buf);
                long offset = buf.getLong();
                int length = buf.getInt();
                int sum = buf.getInt();
                if (sum == (int) crc.getValue() && length > 0) {
                    ids.add(id);
                    locs.add(new Loc(pack, offset, length));
                    bytes += length;
                }
            }
            Loc[] now = index.getAll(ids);
            List<Integer> live = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                if (locs.get(i).equals(now[i])) {
                    live.add(i);
                }
            }
            for (int i = 0; i < live.size(); ) { // runs of neighbouring chunks, one read each
                Loc first = locs.get(live.get(i));
                long end = first.offset() + first.length();
                int j = i + 1;
                for (; j < live.size(); j++) {
                    Loc l = locs.get(live.get(j));
                    if (l.offset() < end || l.offset() - end > GAP || l.offset() + l.length() - first.offset() > SPAN) {
                        break;
                    }
                    end = l.offset() + l.length();
                }
                ByteBuffer span = ByteBuffer.allocate((int) (end - first.offset()));
                while (span.hasRemaining() && p.read(span, first.offset() + span.position()) >= 0) {
                    // reads the run
                }
                int got = span.position();
                for (int k = i; k < j; k++) {
                    int idx = live.get(k);
                    Loc l = locs.get(idx);
                    checked++;
                    int rel = (int) (l.offset() - first.offset());
                    boolean ok = rel + l.length() <= got
                            && ChunkId.digest(sha, span.array(), rel, l.length()).equals(ids.get(idx));
                    if (!ok && l.equals(index.get(ids.get(idx)))) { // else collected or repaired meanwhile
                        bad.accept(ids.get(idx), "corrupt");
                    }
                }
                i = j;
            }
        }
    }

    /** Where a chunk lives (tests corrupt it there). */
    public Optional<Path> packOf(ChunkId id, long[] offset) throws IOException {
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
        return Manifest.open(dir.resolve("manifests").resolve(contentHex));
    }

    @Override
    protected boolean manifestExists(String contentHex) {
        return Files.exists(dir.resolve("manifests").resolve(contentHex));
    }

    @Override
    protected void storeManifest(Manifest m) throws IOException {
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
        Optional<String> before = ref(ref);
        if (before.isPresent() && !before.get().equals(contentHex)) {
            unreferencing(before.get());
        }
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
        Optional<String> before = ref(ref);
        if (before.isPresent()) {
            unreferencing(before.get());
        }
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
        return listPacks(dir);
    }

    private static List<Integer> listPacks(Path dir) throws IOException {
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
        Files.deleteIfExists(dirPath(dir, pack));
        rocks.forget(pack);
    }

    /** Nothing: a sweep removes entries from the on-disk index itself, durably. */
    @Override
    protected void rewriteIndex() {
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

    /**
     * The packs are durable already: appends each pack's records to its directory and forces it, then writes the
     * entries to the index with the directories' new ends (one atomic write; no sync needed: were it lost with the
     * machine, opening replays the directories past the indexed point).
     */
    @Override
    protected void appendToIndex(List<Map.Entry<ChunkId, Loc>> entries) throws IOException {
        Map<Integer, List<Map.Entry<ChunkId, Loc>>> byPack = new java.util.TreeMap<>();
        entries.forEach(e -> byPack.computeIfAbsent(e.getValue().pack(), p -> new ArrayList<>()).add(e));
        Map<Integer, Long> ends = new HashMap<>();
        for (var e : byPack.entrySet()) {
            try (FileChannel ch = FileChannel.open(dirPath(dir, e.getKey()), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                long at = Math.max(ch.size() / DIR_RECORD * DIR_RECORD, rocks.dirIndexed(e.getKey()));
                ByteBuffer recs = dirRecords(e.getValue());
                while (recs.hasRemaining()) {
                    at += ch.write(recs, at);
                }
                ch.truncate(at);
                if (durable) {
                    ch.force(false);
                }
                ends.put(e.getKey(), at);
            }
        }
        beforeIndexWrite.run();
        rocks.put(entries, ends, false);
    }

    /** Runs between the directories' write and the index write of a commit (crash tests stop the process there). */
    static volatile Runnable beforeIndexWrite = () -> {
    };

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
        rocks.close();
    }

    @Override
    public String toString() {
        Path tenant = dir.getParent() == null ? null : dir.getParent().getParent();
        return (tenant == null ? "" : tenant.getFileName() + ":") + region() + "/replica-" + replica();
    }

    /** A 4 MiB direct buffer whose address is block-aligned (as direct I/O requires). */
    private static ByteBuffer buffer() {
        ByteBuffer b = BUFFERS.poll();
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
        /** The buffer being filled (taken at the first write: a session that only looks writes nothing). */
        private ByteBuffer buf;
        /**
         * The buffer being written (while {@link #writing}), else empty and next to fill; taken when the first one is
         * full (a small copy or upload fits in one).
         */
        private ByteBuffer spare;
        private Future<?> writing;
        private final List<Future<?>> sealing = new ArrayList<>();
        private FileChannel out;
        private int pack;
        /** Where the next buffer handed to the writer goes in the pack (bytes before it are written or being so). */
        private long written;

        @Override
        protected Loc write(byte[] b, int off, int len) throws IOException {
            int slot = directIo ? (len + BLOCK - 1) & -BLOCK : len;
            if (buf == null) {
                buf = buffer();
            }
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
            if (buf != null && buf.position() > 0) {
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
            buf = spare != null ? spare : buffer();
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
            if (buf != null && buf.position() > 0) {
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

        /**
         * Everything put so far handed to its pack file here; forced later through a channel of its own (the session
         * goes on writing the pack, and may seal and close it meanwhile), with the packs sealed before.
         */
        @Override
        protected java.util.concurrent.Callable<Void> writeOutLater() throws IOException {
            flush();
            List<Future<?>> sealed = List.copyOf(sealing);
            sealing.clear();
            Path current = out == null ? null : packPath(pack);
            return () -> {
                if (durable && current != null) {
                    try (FileChannel ch = FileChannel.open(current, StandardOpenOption.READ)) {
                        ch.force(false);
                    }
                }
                for (Future<?> f : sealed) {
                    await(f);
                }
                return null;
            };
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
                for (ByteBuffer b : new ByteBuffer[] {buf, spare}) {
                    if (b != null) {
                        BUFFERS.offer(b.clear());
                    }
                }
            }
        }
    }
}

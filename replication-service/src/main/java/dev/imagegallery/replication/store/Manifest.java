package dev.imagegallery.replication.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The ordered chunks of one blob or version: entry i covers {@code [offset(i), offset(i+1))} (the last one up to the
 * size) and is either a chunk (named by its SHA-256) or a run of zeros that costs nothing. Written into a store after
 * its chunks.
 *
 * <p>The entries are fixed 40-byte records (the offset, then the digest; a zero run's digest is all zeros), held in
 * segments of a few MiB on the heap while small, and otherwise off the heap: a stored manifest's records are mapped
 * from its file ({@link #open}), and a large one being built or read from a stream goes to a spill file that is
 * mapped back ({@link #spillTo}). So the heap a manifest takes does not grow with its image: a 16 GiB image names
 * some 4 million chunks (160 MB of records), which a 512 MiB service could not hold once per upload, copy and download.
 */
public final class Manifest {
    static final int MAGIC_V1 = 0x474d4631; // "GMF1": variable entries (offset, length, zero flag, digest)
    static final int MAGIC = 0x474d4632; // "GMF2": fixed records
    /** Bytes per record: the offset (8) and the digest (32). */
    static final int RECORD = 40;
    /** Records per heap segment (2.5 MiB): what one manifest holds on the heap at most. */
    static final int HEAP_SHIFT = 16;
    /** Records per mapped region (640 MiB of records: 64 TiB of content). */
    static final int MAP_SHIFT = 24;
    /** More records than this go off the heap. */
    static final int HEAP_MAX = 1 << HEAP_SHIFT;

    private static volatile Path spill = Path.of(System.getProperty("java.io.tmpdir"));

    public final String contentHex;
    public final long size;
    public final String format;
    private final int count;
    private final Records records;

    private Manifest(String contentHex, long size, String format, int count, Records records) {
        this.contentHex = contentHex;
        this.size = size;
        this.format = format;
        this.count = count;
        this.records = records;
    }

    /**
     * Where manifests too large for the heap are written while they are built or read from a stream (a store's own
     * disk, not a tmpfs: the files are as large as 1 % of the content). Each file is unlinked as soon as it is open, so
     * nothing is left behind by a crash; its space returns when the manifest is collected.
     */
    public static void spillTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (var old = Files.list(dir)) {
            for (Path p : old.toList()) {
                Files.deleteIfExists(p);
            }
        }
        spill = dir;
    }

    public int count() {
        return count;
    }

    public long offset(int i) {
        return records.offset(i);
    }

    public int length(int i) {
        return (int) ((i + 1 < count ? records.offset(i + 1) : size) - records.offset(i));
    }

    public boolean isZero(int i) {
        return records.zero(i);
    }

    public ChunkId chunk(int i) {
        return records.chunk(i);
    }

    /** Whether the records live off the heap (mapped from the store's file or a spill file). */
    public boolean offHeap() {
        return records.shift == MAP_SHIFT;
    }

    /** The entry holding byte {@code pos} (0 ≤ pos < size). */
    public int entryAt(long pos) {
        int lo = 0;
        int hi = count - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long o = records.offset(mid);
            if (o < pos) {
                lo = mid + 1;
            } else if (o > pos) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return lo - 1;
    }

    /** Bytes not in zero runs: what one full copy of this content stores without deduplication. */
    public long usedBytes() {
        long n = 0;
        for (int i = 0; i < count; i++) {
            if (!isZero(i)) {
                n += length(i);
            }
        }
        return n;
    }

    /**
     * Bytes of distinct chunks: what one copy costs in a store that holds nothing else. Chunks are told apart by 64
     * bits of their digest (an open-addressed table of 8 to 16 bytes per chunk, for the call only; a wrong merge of
     * two chunks is a 2^-64 chance per pair).
     */
    public long uniqueBytes() {
        int cap = Integer.highestOneBit(Math.max(16, count) * 2 - 1) << 1;
        long[] seen = new long[cap];
        boolean zeroSeen = false;
        long n = 0;
        for (int i = 0; i < count; i++) {
            if (isZero(i)) {
                continue;
            }
            long fp = records.fingerprint(i);
            if (fp == 0) {
                if (!zeroSeen) {
                    zeroSeen = true;
                    n += length(i);
                }
                continue;
            }
            int at = (int) (mix(fp) & (cap - 1));
            while (seen[at] != 0 && seen[at] != fp) {
                at = (at + 1) & (cap - 1);
            }
            if (seen[at] == 0) {
                seen[at] = fp;
                n += length(i);
            }
        }
        return n;
    }

    private static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        return x ^ (x >>> 33);
    }

    private byte[] header() {
        byte[] fmt = format.getBytes(StandardCharsets.UTF_8);
        ByteBuffer head = ByteBuffer.allocate(headerBytes(fmt.length));
        head.putInt(MAGIC).put(HexFormat.of().parseHex(contentHex)).putLong(size).putShort((short) fmt.length)
                .put(fmt).putInt(count);
        return head.array();
    }

    private static int headerBytes(int formatBytes) {
        return 4 + 32 + 8 + 2 + formatBytes + 4;
    }

    public void writeTo(OutputStream out) throws IOException {
        out.write(header());
        byte[] buf = new byte[RECORD * 1024];
        for (int i = 0; i < count; ) {
            int n = Math.min(1024, count - i);
            n = Math.min(n, records.segmentEnd(i) - i);
            records.copy(i, n, buf);
            out.write(buf, 0, n * RECORD);
            i += n;
        }
    }

    /** Reads a manifest of either format from a stream (off the heap, in a spill file, when it is large). */
    public static Manifest readFrom(InputStream in) throws IOException {
        ByteBuffer head = ByteBuffer.wrap(in.readNBytes(4 + 32 + 8 + 2));
        int magic = head.remaining() < 46 ? 0 : head.getInt();
        if (magic != MAGIC && magic != MAGIC_V1) {
            throw new IOException("not a manifest");
        }
        byte[] hex = new byte[32];
        head.get(hex);
        long size = head.getLong();
        int fl = head.getShort();
        String format = new String(in.readNBytes(fl), StandardCharsets.UTF_8);
        byte[] c = in.readNBytes(4);
        if (c.length != 4) {
            throw new IOException("truncated manifest");
        }
        int count = ByteBuffer.wrap(c).getInt();
        if (count < 0 || size < 0) {
            throw new IOException("corrupt manifest: " + count + " entries, size " + size);
        }
        Builder b = new Builder(count);
        try {
            if (magic == MAGIC) {
                byte[] buf = new byte[RECORD * 1024];
                for (int i = 0; i < count; ) {
                    int n = Math.min(1024, count - i);
                    if (in.readNBytes(buf, 0, n * RECORD) != n * RECORD) {
                        throw new IOException("truncated manifest");
                    }
                    b.appendRecords(buf, n);
                    i += n;
                }
                if (count == 0 ? size != 0 : b.lastStart >= size) {
                    throw new IOException("corrupt manifest: its entries do not end at its size " + size);
                }
                return b.finish(HexFormat.of().formatHex(hex), size, format);
            }
            byte[] e = new byte[45];
            for (int i = 0; i < count; i++) {
                if (in.readNBytes(e, 0, 13) != 13) {
                    throw new IOException("truncated manifest");
                }
                ByteBuffer bb = ByteBuffer.wrap(e);
                long off = bb.getLong();
                int len = bb.getInt();
                if (bb.get() == 0) {
                    b.add(off, len, null);
                } else {
                    if (in.readNBytes(e, 13, 32) != 32) {
                        throw new IOException("truncated manifest");
                    }
                    b.add(off, len, ChunkId.read(bb));
                }
            }
            return b.build(HexFormat.of().formatHex(hex), size, format);
        } catch (UncheckedIOException ex) {
            throw ex.getCause();
        } catch (IllegalArgumentException ex) { // entries that do not follow one another or end at the size
            throw new IOException("corrupt manifest: " + ex.getMessage(), ex);
        } finally {
            b.discard();
        }
    }

    /**
     * A stored manifest: a large one in the current format is mapped from its file (read-only; the store replaces
     * manifests by renaming, never in place, so the mapping stays whole), anything else is read. Empty when there is
     * no such file.
     */
    public static Optional<Manifest> open(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(4 + 32 + 8 + 2);
            readFully(ch, head, 0);
            head.flip();
            if (head.remaining() == 46 && head.getInt() == MAGIC) {
                byte[] hex = new byte[32];
                head.get(hex);
                long size = head.getLong();
                int fl = head.getShort();
                ByteBuffer rest = ByteBuffer.allocate(fl + 4);
                readFully(ch, rest, 46);
                rest.flip();
                if (rest.remaining() == fl + 4) {
                    byte[] fmt = new byte[fl];
                    rest.get(fmt);
                    int count = rest.getInt();
                    long start = headerBytes(fl);
                    if (count > HEAP_MAX) {
                        if (ch.size() < start + (long) count * RECORD) {
                            throw new IOException("truncated manifest " + file);
                        }
                        Records r = Records.map(ch, start, count);
                        return Optional.of(new Manifest(HexFormat.of().formatHex(hex), size,
                                new String(fmt, StandardCharsets.UTF_8), count, r));
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return Optional.of(readFrom(in));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                return;
            }
        }
    }

    /** The records: segments of {@code 1 << shift} records each, read with absolute gets (safe across threads). */
    static final class Records {
        final ByteBuffer[] segments;
        final int shift;
        final int mask;

        Records(ByteBuffer[] segments, int shift) {
            this.segments = segments;
            this.shift = shift;
            this.mask = (1 << shift) - 1;
        }

        static Records map(FileChannel ch, long start, int count) throws IOException {
            int n = (int) (((long) count + (1 << MAP_SHIFT) - 1) >>> MAP_SHIFT);
            ByteBuffer[] segs = new ByteBuffer[n];
            for (int k = 0; k < n; k++) {
                long first = (long) k << MAP_SHIFT;
                long records = Math.min(1L << MAP_SHIFT, count - first);
                segs[k] = ch.map(FileChannel.MapMode.READ_ONLY, start + first * RECORD, records * RECORD);
            }
            return new Records(segs, MAP_SHIFT);
        }

        long offset(int i) {
            return segments[i >>> shift].getLong((i & mask) * RECORD);
        }

        long fingerprint(int i) {
            return segments[i >>> shift].getLong((i & mask) * RECORD + 8);
        }

        boolean zero(int i) {
            ByteBuffer s = segments[i >>> shift];
            int at = (i & mask) * RECORD + 8;
            return s.getLong(at) == 0 && s.getLong(at + 8) == 0 && s.getLong(at + 16) == 0 && s.getLong(at + 24) == 0;
        }

        ChunkId chunk(int i) {
            ByteBuffer s = segments[i >>> shift];
            int at = (i & mask) * RECORD + 8;
            long a = s.getLong(at);
            long b = s.getLong(at + 8);
            long c = s.getLong(at + 16);
            long d = s.getLong(at + 24);
            return a == 0 && b == 0 && c == 0 && d == 0 ? null : new ChunkId(a, b, c, d);
        }

        /** The first record after {@code i}'s segment. */
        int segmentEnd(int i) {
            long end = ((long) (i >>> shift) + 1) << shift;
            return (int) Math.min(Integer.MAX_VALUE, end);
        }

        /** Records {@code [i, i+n)}, all in one segment, into {@code out}. */
        void copy(int i, int n, byte[] out) {
            segments[i >>> shift].get((i & mask) * RECORD, out, 0, n * RECORD);
        }
    }

    /**
     * Collects entries in order; adjacent zero runs merge. Holds up to {@link #HEAP_MAX} records on the heap; beyond
     * that they go to a spill file (written, not mapped, as they come: a full disk is an IOException here, never a
     * fault in a mapped page), mapped back when the manifest is built. {@link #add} throws an UncheckedIOException
     * when the spill file cannot be written.
     */
    public static final class Builder {
        private ByteBuffer current;
        private int count;
        private long end;
        /** Where the last entry starts, and whether it is a zero run (which the next zeros extend). */
        private long lastStart = -1;
        private boolean lastZero;
        private FileChannel spillFile;
        private long spilled;

        public Builder() {
            this(1024);
        }

        Builder(int capacity) {
            current = ByteBuffer.allocate(RECORD * Math.max(16, Math.min(capacity, HEAP_MAX)));
        }

        public long size() {
            return end;
        }

        /** Adds the next {@code len} bytes: a chunk, or zeros when {@code id} is null. */
        public void add(long offset, int len, ChunkId id) {
            if (offset != end) {
                throw new IllegalArgumentException("entries must be contiguous: " + offset + " != " + end);
            }
            end += len;
            if (id == null && lastZero && end - lastStart <= Integer.MAX_VALUE) {
                return;
            }
            ByteBuffer r = room();
            r.putLong(offset);
            if (id == null) {
                r.putLong(0).putLong(0).putLong(0).putLong(0);
            } else {
                id.write(r);
            }
            lastStart = offset;
            lastZero = id == null;
            count++;
        }

        /**
         * Appends {@code n} records as they are (a manifest in the current format being read), checking that their
         * offsets start at 0 and rise.
         */
        void appendRecords(byte[] buf, int n) throws IOException {
            ByteBuffer in = ByteBuffer.wrap(buf);
            for (int k = 0; k < n; k++) {
                long off = in.getLong(k * RECORD);
                if (count == 0 ? off != 0 : off <= lastStart) {
                    throw new IOException("corrupt manifest: entry " + count + " starts at " + off);
                }
                lastStart = off;
                room().put(buf, k * RECORD, RECORD);
                count++;
            }
        }

        /** Room for one more record: the current segment, grown, or a new one (the full one kept or spilled). */
        private ByteBuffer room() {
            if (current.hasRemaining()) {
                return current;
            }
            int cap = current.capacity() / RECORD;
            if (cap < HEAP_MAX) {
                ByteBuffer bigger = ByteBuffer.allocate(RECORD * Math.min(HEAP_MAX, cap * 2));
                current = bigger.put(current.flip());
                return current;
            }
            try {
                if (spillFile == null) {
                    Path dir = spill;
                    Files.createDirectories(dir); // (an operator may have cleared the stores' root meanwhile)
                    Path f = Files.createTempFile(dir, "manifest-", ".spill");
                    spillFile = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
                    Files.delete(f);
                }
                write(current.flip());
                current.clear();
            } catch (IOException e) {
                discard();
                throw new UncheckedIOException("cannot write a manifest's spill file in " + spill, e);
            }
            return current;
        }

        private void write(ByteBuffer b) throws IOException {
            while (b.hasRemaining()) {
                spilled += spillFile.write(b, spilled);
            }
        }

        /** Closes the spill file of a builder that is not built (a failed read or ingest). */
        void discard() {
            if (spillFile != null) {
                try {
                    spillFile.close();
                } catch (IOException ignored) {
                    // unlinked already: its space returns with the descriptor
                }
                spillFile = null;
            }
        }

        public Manifest build(String contentHex, long size, String format) {
            if (size != end) {
                throw new IllegalArgumentException("size " + size + " != entries " + end);
            }
            return finish(contentHex, size, format);
        }

        private Manifest finish(String contentHex, long size, String format) {
            if (spillFile == null) {
                ByteBuffer only = ByteBuffer.allocate(current.position());
                only.put(current.flip()).clear();
                current = null;
                return new Manifest(contentHex, size, format, count, new Records(new ByteBuffer[] {only},
                        HEAP_SHIFT));
            }
            try {
                write(current.flip());
                current = null;
                return new Manifest(contentHex, size, format, count, Records.map(spillFile, 0, count));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write a manifest's spill file in " + spill, e);
            } finally {
                discard();
            }
        }
    }
}

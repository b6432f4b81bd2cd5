package dev.imagegallery.replication.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * The ordered chunks of one blob or version: entry i covers {@code [offset(i), offset(i)+length(i))} and is either
 * a chunk (named by its SHA-256) or a run of zeros that costs nothing. Written into a store after its chunks.
 */
public final class Manifest {
    static final int MAGIC = 0x474d4631; // "GMF1"

    public final String contentHex;
    public final long size;
    public final String format;
    private final int count;
    private final long[] offsets;
    private final int[] lengths;
    /** Four longs per entry (the digest); all zero for a zero run. */
    private final long[] digests;
    private final boolean[] zero;

    private Manifest(String contentHex, long size, String format, int count, long[] offsets, int[] lengths,
                     long[] digests, boolean[] zero) {
        this.contentHex = contentHex;
        this.size = size;
        this.format = format;
        this.count = count;
        this.offsets = offsets;
        this.lengths = lengths;
        this.digests = digests;
        this.zero = zero;
    }

    public int count() {
        return count;
    }

    public long offset(int i) {
        return offsets[i];
    }

    public int length(int i) {
        return lengths[i];
    }

    public boolean isZero(int i) {
        return zero[i];
    }

    public ChunkId chunk(int i) {
        return zero[i] ? null : new ChunkId(digests[4 * i], digests[4 * i + 1], digests[4 * i + 2], digests[4 * i + 3]);
    }

    /** The entry holding byte {@code pos} (0 ≤ pos < size). */
    public int entryAt(long pos) {
        int i = Arrays.binarySearch(offsets, 0, count, pos);
        return i >= 0 ? i : -i - 2;
    }

    /** Bytes not in zero runs: what one full copy of this content stores without deduplication. */
    public long usedBytes() {
        long n = 0;
        for (int i = 0; i < count; i++) {
            if (!zero[i]) {
                n += lengths[i];
            }
        }
        return n;
    }

    /** Bytes of distinct chunks: what one copy costs in a store that holds nothing else. */
    public long uniqueBytes() {
        Set<ChunkId> seen = new HashSet<>();
        long n = 0;
        for (int i = 0; i < count; i++) {
            if (!zero[i] && seen.add(chunk(i))) {
                n += lengths[i];
            }
        }
        return n;
    }

    public void writeTo(OutputStream out) throws IOException {
        byte[] fmt = format.getBytes(StandardCharsets.UTF_8);
        ByteBuffer head = ByteBuffer.allocate(4 + 32 + 8 + 2 + fmt.length + 4);
        head.putInt(MAGIC).put(HexFormat.of().parseHex(contentHex)).putLong(size).putShort((short) fmt.length)
                .put(fmt).putInt(count);
        out.write(head.array());
        ByteBuffer buf = ByteBuffer.allocate(45 * 4096);
        for (int i = 0; i < count; i++) {
            if (buf.remaining() < 45) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            buf.putLong(offsets[i]).putInt(lengths[i]).put((byte) (zero[i] ? 0 : 1));
            if (!zero[i]) {
                buf.putLong(digests[4 * i]).putLong(digests[4 * i + 1]).putLong(digests[4 * i + 2])
                        .putLong(digests[4 * i + 3]);
            }
        }
        out.write(buf.array(), 0, buf.position());
    }

    public static Manifest readFrom(InputStream in) throws IOException {
        ByteBuffer head = ByteBuffer.wrap(in.readNBytes(4 + 32 + 8 + 2));
        if (head.remaining() < 46 || head.getInt() != MAGIC) {
            throw new IOException("not a manifest");
        }
        byte[] hex = new byte[32];
        head.get(hex);
        long size = head.getLong();
        int fl = head.getShort();
        String format = new String(in.readNBytes(fl), StandardCharsets.UTF_8);
        int count = ByteBuffer.wrap(in.readNBytes(4)).getInt();
        Builder b = new Builder(count);
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
    }

    /** Collects entries in order; adjacent zero runs merge. */
    public static final class Builder {
        private int count;
        private long[] offsets;
        private int[] lengths;
        private long[] digests;
        private boolean[] zero;
        private long end;

        public Builder() {
            this(1024);
        }

        Builder(int capacity) {
            int c = Math.max(16, capacity);
            offsets = new long[c];
            lengths = new int[c];
            digests = new long[4 * c];
            zero = new boolean[c];
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
            if (id == null && count > 0 && zero[count - 1] && (long) lengths[count - 1] + len <= Integer.MAX_VALUE) {
                lengths[count - 1] += len;
                return;
            }
            if (count == offsets.length) {
                int c = count * 2;
                offsets = Arrays.copyOf(offsets, c);
                lengths = Arrays.copyOf(lengths, c);
                digests = Arrays.copyOf(digests, 4 * c);
                zero = Arrays.copyOf(zero, c);
            }
            offsets[count] = offset;
            lengths[count] = len;
            zero[count] = id == null;
            if (id != null) {
                digests[4 * count] = id.a();
                digests[4 * count + 1] = id.b();
                digests[4 * count + 2] = id.c();
                digests[4 * count + 3] = id.d();
            }
            count++;
        }

        public Manifest build(String contentHex, long size, String format) {
            if (size != end) {
                throw new IllegalArgumentException("size " + size + " != entries " + end);
            }
            return new Manifest(contentHex, size, format, count, offsets, lengths, digests, zero);
        }
    }
}

package dev.imagegallery.replication.store;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A chunk's SHA-256, as four longs (cheap to hash and compare, small in maps). */
public record ChunkId(long a, long b, long c, long d) {
    /** The order of the digests' bytes, unsigned (RocksDB's and every sorted index's). */
    public static final java.util.Comparator<ChunkId> ORDER = (x, y) -> {
        int r = Long.compareUnsigned(x.a, y.a);
        if (r == 0) {
            r = Long.compareUnsigned(x.b, y.b);
        }
        if (r == 0) {
            r = Long.compareUnsigned(x.c, y.c);
        }
        return r != 0 ? r : Long.compareUnsigned(x.d, y.d);
    };

    public static ChunkId of(byte[] digest, int off) {
        ByteBuffer bb = ByteBuffer.wrap(digest, off, 32);
        return new ChunkId(bb.getLong(), bb.getLong(), bb.getLong(), bb.getLong());
    }

    public static ChunkId hex(String hex) {
        return of(HexFormat.of().parseHex(hex), 0);
    }

    /** A new SHA-256 digest (chunks, manifests, refs and namespaces are all named by one). */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The SHA-256 of {@code b[off, off+len)}. */
    public static ChunkId digest(MessageDigest sha, byte[] b, int off, int len) {
        sha.update(b, off, len);
        return of(sha.digest(), 0);
    }

    public void write(ByteBuffer out) {
        out.putLong(a).putLong(b).putLong(c).putLong(d);
    }

    public static ChunkId read(ByteBuffer in) {
        return new ChunkId(in.getLong(), in.getLong(), in.getLong(), in.getLong());
    }

    @Override
    public String toString() {
        ByteBuffer bb = ByteBuffer.allocate(32);
        write(bb);
        return HexFormat.of().formatHex(bb.array());
    }
}

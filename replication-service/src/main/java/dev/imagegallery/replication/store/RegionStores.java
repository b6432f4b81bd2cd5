package dev.imagegallery.replication.store;

import dev.imagegallery.replication.config.StoreConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.UUID;

/**
 * The filesystem stores: a folder per region and replica ({@code {root}/{region}/replica-{n}}), content addressed by
 * SHA-256 ({@code objects/{first two hex}/{hex}}). Objects are written sparse: 4 KiB runs of zeros become holes and
 * cost no disk. Every write is verified against its digest before it becomes visible (write to tmp, then rename).
 */
@ApplicationScoped
public class RegionStores {
    static final int BLOCK = 4096;
    static final int BUFFER = 1 << 20;
    private static final byte[] ZERO = new byte[BLOCK];

    /** What an ingest or copy wrote: the temp file (until committed), its digest, size and non-zero bytes. */
    public record Written(Path tmp, String digestHex, long sizeBytes, long usedBytes, String format) {
    }

    private final Path root;

    public RegionStores(StoreConfig config) {
        this.root = Path.of(config.root());
    }

    public Path replicaDir(String region, int replica) {
        return root.resolve(region).resolve("replica-" + replica);
    }

    public Path objectPath(String region, int replica, String hex) {
        return replicaDir(region, replica).resolve("objects").resolve(hex.substring(0, 2)).resolve(hex);
    }

    public boolean has(String region, int replica, String hex) {
        return Files.isRegularFile(objectPath(region, replica, hex));
    }

    /** Streams {@code in} into a temp file of the region's first replica store, hashing and counting as it goes. */
    public Written ingest(String region, InputStream in) throws IOException {
        Path tmp = tempFile(region, 0);
        try {
            return write(in, tmp, true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /** Makes a verified temp file visible under its digest (or drops it when the object is already there). */
    public Path commit(Written w, String region, int replica) throws IOException {
        Path target = objectPath(region, replica, w.digestHex());
        Files.createDirectories(target.getParent());
        if (Files.exists(target)) {
            Files.deleteIfExists(w.tmp());
        } else {
            Files.move(w.tmp(), target, StandardCopyOption.ATOMIC_MOVE);
        }
        return target;
    }

    public void discard(Written w) {
        try {
            Files.deleteIfExists(w.tmp());
        } catch (IOException ignored) {
            // a leftover temp file is swept with the tmp folder
        }
    }

    /**
     * Copies an object between stores, verifying its digest; answers the bytes that crossed (the non-zero ones: runs
     * of zeros are not sent). A mismatch leaves nothing behind and throws.
     */
    public long copy(String fromRegion, int fromReplica, String toRegion, int toReplica, String hex) throws IOException {
        if (has(toRegion, toReplica, hex)) {
            return 0;
        }
        Path src = objectPath(fromRegion, fromReplica, hex);
        Path tmp = tempFile(toRegion, toReplica);
        Written w;
        try (InputStream in = Files.newInputStream(src)) {
            w = write(in, tmp, false);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        if (!w.digestHex().equals(hex)) {
            Files.deleteIfExists(tmp);
            throw new IOException("copy of " + hex + " from " + fromRegion + "/replica-" + fromReplica
                    + " does not match its digest (got " + w.digestHex() + ")");
        }
        commit(w, toRegion, toReplica);
        return w.usedBytes();
    }

    public InputStream open(String region, int replica, String hex) throws IOException {
        return Files.newInputStream(objectPath(region, replica, hex));
    }

    private Path tempFile(String region, int replica) throws IOException {
        Path dir = replicaDir(region, replica).resolve("tmp");
        Files.createDirectories(dir);
        return dir.resolve(UUID.randomUUID() + ".part");
    }

    private static Written write(InputStream in, Path tmp, boolean detectFormat) throws IOException {
        MessageDigest sha = sha256();
        byte[] buf = new byte[BUFFER];
        byte[] head = new byte[8];
        int headLen = 0;
        byte[] tail = new byte[512];
        long size = 0;
        long used = 0;
        try (RandomAccessFile raf = new RandomAccessFile(tmp.toFile(), "rw"); FileChannel ch = raf.getChannel()) {
            int filled = 0;
            while (true) {
                int n = in.read(buf, filled, buf.length - filled);
                if (n > 0) {
                    filled += n;
                }
                if (filled == buf.length || (n < 0 && filled > 0)) {
                    sha.update(buf, 0, filled);
                    if (detectFormat && headLen < head.length) {
                        int k = Math.min(head.length - headLen, filled);
                        System.arraycopy(buf, 0, head, headLen, k);
                        headLen += k;
                    }
                    keepTail(tail, size, buf, filled);
                    for (int off = 0; off < filled; off += BLOCK) {
                        int len = Math.min(BLOCK, filled - off);
                        if (!Arrays.equals(buf, off, off + len, ZERO, 0, len)) {
                            ch.write(ByteBuffer.wrap(buf, off, len), size + off);
                            used += len;
                        }
                    }
                    size += filled;
                    filled = 0;
                }
                if (n < 0) {
                    break;
                }
            }
            raf.setLength(size);
            ch.force(false);
        }
        String format = detectFormat ? format(head, headLen, tail, size) : null;
        return new Written(tmp, HexFormat.of().formatHex(sha.digest()), size, used, format);
    }

    /** Keeps the last 512 bytes seen (the VHD footer, when there is one). */
    private static void keepTail(byte[] tail, long sizeBefore, byte[] buf, int len) {
        if (len >= tail.length) {
            System.arraycopy(buf, len - tail.length, tail, 0, tail.length);
        } else {
            System.arraycopy(tail, len, tail, 0, tail.length - len);
            System.arraycopy(buf, 0, tail, tail.length - len, len);
        }
    }

    static String format(byte[] head, int headLen, byte[] tail, long size) {
        if (headLen >= 4 && head[0] == 'Q' && head[1] == 'F' && head[2] == 'I' && (head[3] & 0xff) == 0xfb) {
            return "qcow2";
        }
        if (size >= 512 && new String(tail, 0, 8, java.nio.charset.StandardCharsets.US_ASCII).equals("conectix")) {
            return "vhd";
        }
        return "raw";
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

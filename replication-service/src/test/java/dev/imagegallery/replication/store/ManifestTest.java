package dev.imagegallery.replication.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The manifest's records on and off the heap, its two file formats, and what a damaged file gives. */
class ManifestTest {
    private static final String HEX = "ab".repeat(32);

    @TempDir
    Path dir;

    /** {@code n} entries: every fifth a zero run of two blocks (adjacent zeros merge), the last chunk short. */
    private static Manifest build(int n) {
        Manifest.Builder b = new Manifest.Builder();
        long at = 0;
        for (int i = 0; i < n; i++) {
            if (i % 5 == 4) {
                b.add(at, 4096, null);
                b.add(at + 4096, 4096, null);
                at += 8192;
            } else {
                int len = i == n - 1 ? 100 : 4096;
                b.add(at, len, new ChunkId(i + 1, i, 7, 9));
                at += len;
            }
        }
        return b.build(HEX, at, "raw");
    }

    private static void check(Manifest m, int n) {
        assertEquals(n, m.count());
        long at = 0;
        for (int i = 0; i < n; i++) {
            assertEquals(at, m.offset(i), "offset " + i);
            assertEquals(i, m.entryAt(at));
            if (i % 5 == 4) {
                assertTrue(m.isZero(i));
                assertNull(m.chunk(i));
                assertEquals(8192, m.length(i));
            } else {
                assertFalse(m.isZero(i));
                assertEquals(new ChunkId(i + 1, i, 7, 9), m.chunk(i));
                assertEquals(i == n - 1 ? 100 : 4096, m.length(i));
            }
            assertEquals(i, m.entryAt(at + m.length(i) - 1));
            at += m.length(i);
        }
        assertEquals(at, m.size);
    }

    @Test
    void aSmallManifestStaysOnTheHeapAndReadsBack() throws IOException {
        Manifest m = build(1000);
        assertFalse(m.offHeap());
        check(m, 1000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.writeTo(out);
        assertEquals(4 + 32 + 8 + 2 + 3 + 4 + 1000 * 40, out.size(), "40 bytes an entry");
        check(Manifest.readFrom(new ByteArrayInputStream(out.toByteArray())), 1000);
        assertEquals(800 * 4096, m.usedBytes()); // the 1000th entry is a zero run
        assertEquals(m.usedBytes(), m.uniqueBytes());
    }

    @Test
    void aLargeManifestGoesOffTheHeapAndIsMappedFromItsFile() throws IOException {
        Manifest.spillTo(dir.resolve("spill"));
        int n = 3 * Manifest.HEAP_MAX + 17;
        Manifest m = build(n);
        assertTrue(m.offHeap());
        check(m, n);
        Path f = dir.resolve("m");
        try (var out = Files.newOutputStream(f)) {
            m.writeTo(out);
        }
        Manifest mapped = Manifest.open(f).orElseThrow();
        assertTrue(mapped.offHeap());
        check(mapped, n);
        try (var in = Files.newInputStream(f)) {
            check(Manifest.readFrom(in), n);
        }
        assertEquals(0, Files.list(dir.resolve("spill")).count(), "spill files are unlinked once open");
        assertTrue(Manifest.open(dir.resolve("none")).isEmpty());
    }

    @Test
    void theEarlierFormatIsStillRead() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(200);
        b.putInt(0x474d4631).put(new byte[32]).putLong(4096 + 8192).putShort((short) 3)
                .put("vhd".getBytes(StandardCharsets.US_ASCII)).putInt(2);
        b.putLong(0).putInt(4096).put((byte) 1).putLong(1).putLong(2).putLong(3).putLong(4);
        b.putLong(4096).putInt(8192).put((byte) 0);
        Manifest m = Manifest.readFrom(new ByteArrayInputStream(b.array(), 0, b.position()));
        assertEquals(2, m.count());
        assertEquals("vhd", m.format);
        assertEquals(new ChunkId(1, 2, 3, 4), m.chunk(0));
        assertTrue(m.isZero(1));
        assertEquals(8192, m.length(1));
    }

    @Test
    void aDamagedFileIsAnIOExceptionNotAWrongManifest() throws IOException {
        Manifest.spillTo(dir.resolve("spill"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        build(10).writeTo(out);
        byte[] whole = out.toByteArray();
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 20);
        assertThrows(IOException.class, () -> Manifest.readFrom(new ByteArrayInputStream(cut)));
        byte[] swapped = whole.clone();
        int second = 53 + 40;
        ByteBuffer.wrap(swapped).putLong(second, 1L << 40); // an offset past the size
        assertThrows(IOException.class, () -> Manifest.readFrom(new ByteArrayInputStream(swapped)));
        assertThrows(IOException.class, () -> Manifest.readFrom(new ByteArrayInputStream(new byte[10])));
        byte[] negative = whole.clone();
        ByteBuffer.wrap(negative).putInt(49, -1); // the count, after magic, digest, size and the 3-byte format
        assertThrows(IOException.class, () -> Manifest.readFrom(new ByteArrayInputStream(negative)),
                "a negative count is not an empty manifest of a non-zero size");
        ByteBuffer v1 = ByteBuffer.allocate(80);
        v1.putInt(0x474d4631).put(new byte[32]).putLong(8192).putShort((short) 3)
                .put("raw".getBytes(StandardCharsets.US_ASCII)).putInt(1).putLong(0).putInt(4096).put((byte) 0);
        assertThrows(IOException.class, () -> Manifest.readFrom(new ByteArrayInputStream(v1.array(), 0,
                v1.position())), "entries that end short of the size are an IOException, not an IllegalArgumentException");
        int n = Manifest.HEAP_MAX + 1;
        Path f = dir.resolve("big");
        try (var o = Files.newOutputStream(f)) {
            build(n).writeTo(o);
        }
        try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 40);
        }
        assertThrows(IOException.class, () -> Manifest.open(f), "a truncated large manifest is not mapped");
    }
}

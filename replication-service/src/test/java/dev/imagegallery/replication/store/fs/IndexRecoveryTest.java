package dev.imagegallery.replication.store.fs;

import dev.imagegallery.replication.content.ContentReader;
import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.Manifest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A damaged on-disk index is found when the store opens and rebuilt from the packs' directories, and a store of the
 * former layout ({@code index.bin}) is imported.
 */
class IndexRecoveryTest {
    @TempDir
    Path root;
    private final ExecutorService hasher = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        hasher.shutdownNow();
    }

    private FsChunkStore open() throws IOException {
        return new FsChunkStore("westeurope", 0, root.resolve("store"), true);
    }

    private Manifest put(FsChunkStore store, byte[] content, String ref) throws IOException {
        return IndexCrashTest.upload(store, hasher, content, ref);
    }

    private static byte[] read(FsChunkStore store, Manifest m) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ContentReader.write(m, 0, m.size, List.of(store), List.of(), 0, out, e -> {
        });
        return out.toByteArray();
    }

    private Path index() {
        return root.resolve("store/index");
    }

    private Path largest(String suffix) throws IOException {
        try (Stream<Path> files = Files.list(index())) {
            return files.filter(p -> p.getFileName().toString().matches(suffix))
                    .max(Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
        }
    }

    /** Each way the index can be damaged: the store reopens with every chunk indexed again and the content whole. */
    @Test
    void aCorruptedIndexIsDetectedAtOpenAndRebuiltFromThePacks() throws Exception {
        FsChunkStore store = open();
        byte[] a = IndexCrashTest.content(1);
        byte[] b = IndexCrashTest.content(2);
        Manifest ma = put(store, a, "blob:a");
        Manifest mb = put(store, b, "blob:b");
        long count = store.rocks().count();
        long bytes = store.physicalBytes();
        store.close();
        for (String damage : List.of("garbage in the MANIFEST", "a truncated table file", "CURRENT deleted",
                "the whole index deleted")) {
            switch (damage) {
                case "garbage in the MANIFEST" -> overwrite(largest("MANIFEST-\\d+"));
                case "a truncated table file" -> {
                    Path sst = largest("\\d+\\.sst");
                    try (RandomAccessFile f = new RandomAccessFile(sst.toFile(), "rw")) {
                        f.setLength(f.length() / 2);
                    }
                }
                case "CURRENT deleted" -> Files.delete(index().resolve("CURRENT"));
                default -> FsChunkStore.deleteTree(index());
            }
            store = open();
            try {
                assertEquals(count, store.rocks().count(), damage + ": every chunk indexed again");
                assertEquals(bytes, store.physicalBytes(), damage);
                assertArrayEquals(a, read(store, ma), damage);
                assertArrayEquals(b, read(store, mb), damage);
                // and the rebuilt index takes new commits
                put(store, IndexCrashTest.content(10 + damage.length()), "blob:" + damage.length());
                count = store.rocks().count();
                bytes = store.physicalBytes();
            } finally {
                store.close();
            }
        }
    }

    private static void overwrite(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(Math.min(20, f.length() / 2));
            f.write(new byte[64]);
        }
    }

    /** A store written before the on-disk index ({@code index.bin} and no directories) opens with its content. */
    @Test
    void aStoreOfTheFormerLayoutIsImported() throws Exception {
        FsChunkStore store = open();
        byte[] a = IndexCrashTest.content(3);
        Manifest ma = put(store, a, "blob:a");
        long count = store.rocks().count();
        // the former layout: index.bin's 48-byte records (digest, pack, offset, length), no index, no directories
        ByteBuffer legacy = ByteBuffer.allocate((int) count * 48);
        store.rocks().forEach((id, loc) -> {
            id.write(legacy);
            legacy.putInt(loc.pack()).putLong(loc.offset()).putInt(loc.length());
        });
        store.close();
        FsChunkStore.deleteTree(index());
        try (Stream<Path> dirs = Files.list(root.resolve("store/packs"))) {
            for (Path d : dirs.filter(p -> p.toString().endsWith(".dir")).toList()) {
                Files.delete(d);
            }
        }
        Files.write(root.resolve("store/index.bin"), legacy.array());

        store = open();
        try {
            assertEquals(count, store.rocks().count());
            assertArrayEquals(a, read(store, ma));
            assertFalse(Files.exists(root.resolve("store/index.bin")), "index.bin is gone once imported");
        } finally {
            store.close();
        }
        FsChunkStore.deleteTree(index()); // the directories the import wrote rebuild it too
        store = open();
        try {
            assertEquals(count, store.rocks().count());
            assertArrayEquals(a, read(store, ma));
            ChunkId first = ma.chunk(0);
            assertTrue(store.has(first));
        } finally {
            store.close();
        }
    }
}

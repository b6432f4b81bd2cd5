package dev.imagegallery.replication.store;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The store contract on the filesystem backend with buffered pack writes: what runs where the file system has no
 * direct I/O (tmpfs), or where an operator turns it off with {@code -Dgallery.store.buffered-io=true}.
 */
class BufferedFsChunkStoreContractTest extends FsChunkStoreContractTest {
    @BeforeAll
    static void buffered() {
        System.setProperty("gallery.store.buffered-io", "true");
    }

    @AfterAll
    static void restore() {
        System.clearProperty("gallery.store.buffered-io");
    }
}

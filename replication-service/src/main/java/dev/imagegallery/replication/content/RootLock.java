package dev.imagegallery.replication.content;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The one process that writes a store root: an exclusive lock on {@code {root}/.writer.lock} (holding the holder's
 * pid, for the operator), taken when the stores open and released when they close. A second replication-service on
 * the same root (two pods on one volume) stops at start with a message that says so, where it used to start and then
 * fail request after request on the stores' indexes, which RocksDB keeps to one process.
 */
final class RootLock implements AutoCloseable {
    static final String FILE = ".writer.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private RootLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static RootLock acquire(Path root) {
        Path file = root.resolve(FILE);
        FileChannel channel = null;
        try {
            Files.createDirectories(root);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // this JVM holds it already
            }
            if (lock == null) {
                String holder = Files.readString(file, StandardCharsets.UTF_8).trim();
                channel.close();
                throw new IllegalStateException("the store root " + root + " is in use by another replication-service "
                        + "(process " + (holder.isEmpty() ? "unknown" : holder) + "): a store root has one writer. Run "
                        + "one instance per gallery.store.root (replication-service/README.md, \"One writer\").");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
            return new RootLock(channel, lock);
        } catch (IOException e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // the lock goes with the channel
                }
            }
            throw new UncheckedIOException("cannot lock the store root " + root, e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // the lock goes with the process
        }
    }
}

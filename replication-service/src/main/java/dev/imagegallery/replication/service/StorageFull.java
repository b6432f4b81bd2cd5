package dev.imagegallery.replication.service;

import dev.imagegallery.common.arm.ArmException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A write that failed because the disk under a store is full (ENOSPC, or EDQUOT: a quota reached). The JDK reports
 * both as an {@link IOException} (a {@link FileSystemException} for file operations) whose message or reason is the
 * operating system's text, so that text is what tells them apart from a broken upload or a corrupt pack. An upload
 * that meets it is answered 507 {@code InsufficientStorage} (the session is discarded: nothing of it is indexed); a
 * copy is retried later without counting the attempt ({@link ReplicationService#failed}).
 */
public final class StorageFull {
    private static final String[] TEXTS = {"no space left on device", "disk quota exceeded", "not enough space"};

    private StorageFull() {
    }

    /** Whether {@code failure} or one of its causes is a full disk. */
    public static boolean is(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 16; t = t.getCause(), depth++) {
            if (t instanceof FileSystemException f && names(f.getReason())) {
                return true;
            }
            if (t instanceof IOException && names(t.getMessage())) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static boolean names(String text) {
        if (text == null) {
            return false;
        }
        String s = text.toLowerCase(Locale.ROOT);
        for (String t : TEXTS) {
            if (s.contains(t)) {
                return true;
            }
        }
        return false;
    }

    /** The counter of writes refused for a full disk, {@code what} (upload, copy) as its tag. */
    static Counter counter(MeterRegistry registry, String what) {
        return Counter.builder("gallery.replication.storage.full")
                .description("Writes into a store that found its disk full (an upload answered 507, a copy retried)")
                .tag("operation", what).register(registry);
    }

    /** The gauge of the bytes still usable on the disk under {@code root} (the stores' and the staged blocks'). */
    static void gauge(MeterRegistry registry, Path root) {
        Gauge.builder("gallery.replication.store.usable.bytes", root, StorageFull::usable)
                .description("Bytes still usable on the disk of gallery.store.root (the local stores, staged blocks)")
                .tag("path", root.toString()) // which disk; and a restarted application's own gauge, not the last's
                .baseUnit("bytes")
                .strongReference(true) // Micrometer holds the Path weakly by default: collected, the gauge vanished
                .register(registry);
    }

    /** Of the disk {@code root} is on, or will be on: before the first store opens, the root may not exist yet. */
    private static double usable(Path root) {
        for (Path p = root.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                try {
                    return Files.getFileStore(p).getUsableSpace();
                } catch (IOException e) {
                    return Double.NaN;
                }
            }
        }
        return Double.NaN;
    }

    /**
     * 503 StorageUnavailable naming the region whose store failed (its disk, or its storage account that stopped
     * answering: {@link dev.imagegallery.replication.store.StoreFailure}); {@code outcome} says what became of the
     * request ("nothing was stored"). The server's failure, not the client's: answered with Retry-After, which ARM
     * clients honour.
     */
    public static ArmException unavailable(String region, String outcome) {
        return new ArmException(503, "StorageUnavailable", "The store of region '" + region + "' could not be read "
                + "or written (its disk or storage account failed); " + outcome + ". Retry later.", "region");
    }

    /** 507 InsufficientStorage naming the region whose store is full. */
    public static ArmException refused(String region) {
        return new ArmException(507, "InsufficientStorage", "The store of region '" + region + "' has no space "
                + "left; nothing was stored. Retry when the operator has freed space.", "region");
    }
}

package dev.imagegallery.replication.service;

import dev.imagegallery.replication.config.StoreConfig;
import dev.imagegallery.replication.content.TenantStores;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Removes staged blocks (Put Block) nobody committed or deleted, {@code gallery.store.staged-block-retention} (7 d, as
 * Azure discards uncommitted blocks) after the last block of their blob came, and parts of block uploads cut off
 * before they were staged. Before, they stayed for good, outside every tenant's namespace and bill (a hostile probe).
 * A blob's staged blocks are a folder {@code {root}/{region}/staging/{hash}}, parts are in {@code staging/incoming}.
 */
@ApplicationScoped
public class StagedBlockSweeper {
    /** What one sweep removed. */
    public record Swept(int blobs, int files) {
    }

    private final TenantStores stores;
    private final StoreConfig config;

    public StagedBlockSweeper(TenantStores stores, StoreConfig config) {
        this.stores = stores;
        this.config = config;
    }

    @Scheduled(every = "${gallery.store.staged-sweep-interval:1h}", delayed = "${gallery.store.staged-sweep-interval:1h}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        Swept s = sweep(Instant.now());
        if (s.files() > 0) {
            Log.infof("staged blocks swept: %d blobs' blocks, %d files", s.blobs(), s.files());
        }
    }

    /** Removes what was staged before {@code now} minus the retention. */
    public Swept sweep(Instant now) {
        FileTime before = FileTime.from(now.minus(config.stagedBlockRetention()));
        int blobs = 0;
        int files = 0;
        for (Path region : list(stores.root())) {
            Path staging = region.resolve("staging");
            for (Path dir : list(staging)) {
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                if (dir.getFileName().toString().equals("incoming")) {
                    for (Path part : list(dir)) {
                        files += deleteIfBefore(part, before) ? 1 : 0;
                    }
                    continue;
                }
                List<Path> blocks = list(dir);
                // the blob's last block decides: one still coming keeps its others
                if (blocks.stream().allMatch(b -> modifiedBefore(b, before))) {
                    int n = 0;
                    for (Path b : blocks) {
                        n += deleteIfBefore(b, before) ? 1 : 0;
                    }
                    try {
                        Files.deleteIfExists(dir);
                    } catch (IOException e) {
                        // a block came meanwhile: the folder stays with it
                    }
                    files += n;
                    blobs += n > 0 ? 1 : 0;
                }
            }
        }
        return new Swept(blobs, files);
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted(Comparator.naturalOrder()).toList();
        } catch (IOException e) {
            Log.warnf("listing %s failed (the next sweep tries again): %s", dir, e.toString());
            return List.of();
        }
    }

    private static boolean modifiedBefore(Path p, FileTime before) {
        try {
            return Files.getLastModifiedTime(p).compareTo(before) < 0;
        } catch (IOException e) {
            return false; // gone or unreadable: not ours to judge now
        }
    }

    private static boolean deleteIfBefore(Path p, FileTime before) {
        try {
            return modifiedBefore(p, before) && Files.deleteIfExists(p);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            Log.warnf("removing %s failed (the next sweep tries again): %s", p, e.toString());
            return false;
        }
    }
}

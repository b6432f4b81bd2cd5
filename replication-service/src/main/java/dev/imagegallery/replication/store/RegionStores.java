package dev.imagegallery.replication.store;

import dev.imagegallery.events.Regions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The replica stores of every region: {@code {root}/{region}/replica-{n}}, each a {@link FsChunkStore}. Opened on
 * first use and kept open. Also the ordering of sources by distance: other replicas of the same region first (no
 * egress), then regions of the same geography, then the rest.
 */
public final class RegionStores {
    private final Path root;
    private final boolean durable;
    private final Map<String, FsChunkStore> stores = new ConcurrentHashMap<>();
    /** Hashes whole uploads next to the chunking (two cores do twice the work). */
    final ExecutorService hashers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "content-hasher");
        t.setDaemon(true);
        return t;
    });

    public RegionStores(Path root, boolean durable) {
        this.root = root;
        this.durable = durable;
    }

    public ExecutorService hashers() {
        return hashers;
    }

    public Path root() {
        return root;
    }

    public FsChunkStore store(String region, int replica) {
        return stores.computeIfAbsent(region + "/" + replica, k -> {
            try {
                return new FsChunkStore(region, replica, root.resolve(region).resolve("replica-" + replica), durable);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** How many replica stores a region has on disk (replica-0 .. replica-{n-1}). */
    public int replicas(String region) {
        int n = 0;
        while (Files.isDirectory(root.resolve(region).resolve("replica-" + n))) {
            n++;
        }
        return n;
    }

    /** Every existing store but {@code (region, replica)}, nearest first. */
    public List<ChunkStore> sourcesFor(String region, int replica) {
        String geo = Regions.geographyOf(region);
        List<ChunkStore> out = new ArrayList<>();
        List<String> regions = new ArrayList<>(Regions.names());
        regions.sort(Comparator.comparingInt((String r) -> r.equals(region) ? 0
                : Objects.equals(Regions.geographyOf(r), geo) ? 1 : 2).thenComparing(r -> r));
        for (String r : regions) {
            int n = replicas(r);
            for (int i = 0; i < n; i++) {
                if (!(r.equals(region) && i == replica)) {
                    out.add(store(r, i));
                }
            }
        }
        return out;
    }

    public void close() {
        stores.values().forEach(FsChunkStore::close);
        stores.clear();
        hashers.shutdownNow();
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

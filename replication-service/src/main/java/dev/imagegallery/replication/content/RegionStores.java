package dev.imagegallery.replication.content;

import dev.imagegallery.events.Regions;
import dev.imagegallery.replication.store.Backend;
import dev.imagegallery.replication.store.ChunkStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The replica stores of every region, each opened from a {@link Backend} on first use and kept open (a folder per
 * {@code {root}/{region}/replica-{n}} on local disk, or a container of a region's storage account). Also the ordering of sources by distance: other replicas of the same region first (no
 * egress), then regions of the same geography, then the rest. Copies between stores always go through this process
 * (read from one store, verified, written to the other), whatever the backends.
 */
public final class RegionStores {
    private final Path root;
    private final Backend backend;
    private final Map<String, ChunkStore> stores = new ConcurrentHashMap<>();
    /** Hashes whole uploads next to the chunking (two cores do twice the work). */
    final ExecutorService hashers;
    private final boolean ownHashers;

    /** {@code root} holds local working files (staged upload blocks) whatever the backend. */
    public RegionStores(Path root, Backend backend) {
        this(root, backend, null);
    }

    /** With the hashing threads of {@code shared} (not shut down by {@link #close()}), or its own when null. */
    RegionStores(Path root, Backend backend, ExecutorService shared) {
        this.root = root;
        this.backend = backend;
        this.ownHashers = shared == null;
        this.hashers = shared != null ? shared : newHashers();
    }

    static ExecutorService newHashers() {
        return Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "content-hasher");
            t.setDaemon(true);
            return t;
        });
    }

    public ExecutorService hashers() {
        return hashers;
    }

    /** Local working folder (staged upload blocks); the stores themselves live where the backend puts them. */
    public Path root() {
        return root;
    }

    /** The store, opened on first use; opened again when the one open is no longer usable ({@link ChunkStore#usable}). */
    public ChunkStore store(String region, int replica) {
        String key = region + "/" + replica;
        ChunkStore s = stores.computeIfAbsent(key, k -> open(region, replica));
        if (!s.usable()) {
            synchronized (this) {
                if (stores.get(key) == s) {
                    s.close(); // its index copy and lease go before the new instance takes them
                    stores.remove(key);
                }
            }
            return stores.computeIfAbsent(key, k -> open(region, replica));
        }
        return s;
    }

    private ChunkStore open(String region, int replica) {
        try {
            return backend.open(region, replica);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many replica stores a region has (replica-0 .. replica-{n-1}), as the backend sees them. */
    public int replicas(String region) {
        return backend.replicas(region);
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
        stores.values().forEach(ChunkStore::close);
        stores.clear();
        backend.close();
        if (ownHashers) {
            hashers.shutdownNow();
        }
    }
}

package dev.imagegallery.replication.content;

import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.Manifest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Copies one manifest into every replica store of a region, moving only the chunks each store lacks, each from the
 * nearest store that has a good copy (verified on read), and writes the manifest and the ref last.
 *
 * <p>Resumable: progress is saved through {@link Checkpoints} every 5 percent (of a replica's entries) that moved at
 * least {@link #CHECKPOINT_MIN_BYTES}, and at least every 2 seconds or 64 MiB, <em>before</em> the batch's chunks are
 * committed to the store. (Each checkpoint is a transaction and a ReplicaProgress event: a 1 MiB copy that took 20
 * of them spent most of its time there, and a burst of such copies flooded the catalog with progress nobody could see.) A checkpoint says "entries below
 * {@code verified} are committed; entries below {@code counted} have had their egress counted". A resumed copy
 * starts at {@code verified}, copies what is missing and counts egress only from {@code counted} on: a crash at any
 * point neither copies a committed chunk again nor counts a byte twice.
 */
public final class Replicator {
    /** Where a copy stands. {@code egressBySource}: bytes moved into this region, by source region. */
    public record Checkpoint(int replica, int verified, int counted, Map<String, Long> egressBySource,
                             long copiedBytes, int percent) {
        public static final Checkpoint START = new Checkpoint(0, 0, 0, Map.of(), 0, 0);

        public long egressBytes() {
            return egressBySource.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Persists a checkpoint (and may report progress); an exception stops the copy. */
    public interface Checkpoints {
        void save(Checkpoint c) throws IOException;
    }

    /** A test seam: called after each chunk copied; throwing from it stops the copy like a crash. */
    public interface ChunkHook {
        void copied(String region, int replica, ChunkId id) throws IOException;
    }

    static final long CHECKPOINT_NANOS = 2_000_000_000L;
    static final long CHECKPOINT_BYTES = 64L << 20;
    /** A 5 percent step saves a checkpoint only once it moved this much (a copy of at most 5 MiB checkpoints less). */
    static final long CHECKPOINT_MIN_BYTES = 256L << 10;
    /** Manifest entries whose chunks are read from the sources together (1 MiB of 4 KiB chunks). */
    static final int WINDOW = 256;

    private final RegionStores stores;
    private volatile ChunkHook hook = (r, i, c) -> {
    };

    private final long bytesPerSecond;

    /** Copies among {@code stores} (the stores of one namespace) as fast as it can. */
    public Replicator(RegionStores stores) {
        this(stores, 0);
    }

    /** {@code bytesPerSecond}: the average rate one copy may move chunks at, 0 for no limit. */
    public Replicator(RegionStores stores, long bytesPerSecond) {
        this.stores = stores;
        this.bytesPerSecond = bytesPerSecond;
    }

    /** A replicator told the stores at each copy: the service copies inside one tenant's stores at a time. */
    public Replicator(long bytesPerSecond) {
        this(null, bytesPerSecond);
    }

    public void hook(ChunkHook h) {
        this.hook = h == null ? (r, i, c) -> {
        } : h;
    }

    /** Copies {@code m} into replicas 0..replicaCount-1 of {@code region}, then names it {@code ref} there. */
    public Checkpoint replicate(Manifest m, String region, int replicaCount, String ref, Checkpoint resume,
                                Checkpoints checkpoints) throws IOException {
        return replicate(stores, m, region, replicaCount, ref, resume, checkpoints);
    }

    /**
     * The same among {@code stores}: the target and every source are stores of that one namespace, so what a copy
     * moves (and counts as egress) depends only on what that namespace holds.
     */
    public Checkpoint replicate(RegionStores stores, Manifest m, String region, int replicaCount, String ref,
                                Checkpoint resume, Checkpoints checkpoints) throws IOException {
        Checkpoint at = resume == null ? Checkpoint.START : resume;
        Map<String, Long> egress = new HashMap<>(at.egressBySource());
        long copied = at.copiedBytes();
        for (int r = at.replica(); r < replicaCount; r++) {
            ChunkStore target = stores.store(region, r);
            boolean resuming = r == at.replica();
            int verified = resuming ? at.verified() : 0;
            int counted = resuming ? at.counted() : 0;
            try (ChunkStore.Session s = target.session()) {
                s.keep(m.contentHex);
                if (target.manifest(m.contentHex).isEmpty()) {
                    List<ChunkStore> sources = stores.sourcesFor(region, r);
                    copied = copy(m, region, r, replicaCount, s, sources, verified, counted, egress, copied,
                            checkpoints);
                    s.commit();
                    target.putManifest(m);
                }
                target.setRef(ref, m.contentHex);
            }
            if (r + 1 < replicaCount) { // after the last replica the caller records the outcome instead
                checkpoints.save(new Checkpoint(r + 1, 0, 0, Map.copyOf(egress), copied,
                        (int) Math.min(99, (r + 1) * 100L / replicaCount)));
            }
        }
        return new Checkpoint(replicaCount, 0, 0, Map.copyOf(egress), copied, 100);
    }

    /** Copies the missing chunks of entries {@code [verified, count)} into session {@code s}, checkpointing. */
    private long copy(Manifest m, String region, int r, int replicaCount, ChunkStore.Session s,
                      List<ChunkStore> sources, int verified, int counted, Map<String, Long> egress, long copied,
                      Checkpoints checkpoints) throws IOException {
        int entries = Math.max(1, m.count());
        int step = Math.max(1, entries / 20);
        int batchStart = verified;
        long batchBytes = 0;
        long last = System.nanoTime();
        Map<ChunkId, Fetched> fetched = new HashMap<>();
        Set<ChunkId> held = Set.of();
        int fetchedTo = verified;
        long started = System.nanoTime();
        long moved = 0;
        for (int i = verified; i < m.count(); i++) {
            if (i == fetchedTo) {
                pace(started, moved);
                fetchedTo = Math.min(m.count(), i + WINDOW);
                held = new HashSet<>();
                fetched = fetch(m, i, fetchedTo, s, sources, held);
                moved += fetched.values().stream().mapToLong(f -> f.bytes().length).sum();
            }
            if (!m.isZero(i)) {
                ChunkId id = m.chunk(i);
                Fetched f = fetched.remove(id); // fetched: the session lacked it (a second mention finds it put)
                if (f == null && !held.contains(id) && !s.has(id)) {
                    throw new IOException("no store holds a good copy of chunk " + id + " for " + region
                            + "/replica-" + r);
                }
                if (f != null) {
                    byte[] b = f.bytes();
                    ChunkStore from = f.from();
                    s.put(id, b, 0, b.length);
                    copied += b.length;
                    batchBytes += b.length;
                    if (!from.region().equals(region) && i >= counted) {
                        egress.merge(from.region(), (long) b.length, Long::sum);
                    }
                    hook.copied(region, r, id);
                }
            }
            if (i + 1 == m.count() || (i + 1 - batchStart >= step && batchBytes >= CHECKPOINT_MIN_BYTES)
                    || batchBytes >= CHECKPOINT_BYTES || System.nanoTime() - last >= CHECKPOINT_NANOS) {
                counted = Math.max(counted, i + 1);
                int percent = (int) (((long) r * entries + i + 1) * 100 / ((long) replicaCount * entries));
                checkpoints.save(new Checkpoint(r, batchStart, counted, Map.copyOf(egress), copied,
                        Math.min(percent, 99)));
                s.commit();
                batchStart = i + 1;
                batchBytes = 0;
                last = System.nanoTime();
            }
        }
        return copied;
    }

    /** Waits until {@code moved} bytes since {@code started} are within {@link #bytesPerSecond}. */
    private void pace(long started, long moved) throws IOException {
        if (bytesPerSecond <= 0) {
            return;
        }
        long due = started + (long) (moved * 1e9 / bytesPerSecond) - System.nanoTime();
        if (due > 0) {
            try {
                Thread.sleep(due / 1_000_000, (int) (due % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while pacing a copy");
            }
        }
    }

    /** A chunk read (and verified) from a source store. */
    private record Fetched(byte[] bytes, ChunkStore from) {
    }

    /**
     * Reads the chunks that entries {@code [from, to)} name and the session lacks, each from the nearest store with a
     * good copy; a chunk no store has a good copy of is left out. The chunks the session holds already go into
     * {@code held} (asked of it once, all together).
     */
    private static Map<ChunkId, Fetched> fetch(Manifest m, int from, int to, ChunkStore.Session s,
                                               List<ChunkStore> sources, Set<ChunkId> held) throws IOException {
        Set<ChunkId> seen = new HashSet<>();
        List<ChunkId> ids = new ArrayList<>();
        for (int i = from; i < to; i++) {
            if (!m.isZero(i) && seen.add(m.chunk(i))) {
                ids.add(m.chunk(i));
            }
        }
        boolean[] has = s.hasAll(ids);
        List<ChunkId> want = new ArrayList<>();
        for (int k = 0; k < has.length; k++) {
            if (has[k]) {
                held.add(ids.get(k));
            } else {
                want.add(ids.get(k));
            }
        }
        Map<ChunkId, Fetched> got = new HashMap<>();
        for (ChunkStore src : sources) {
            if (want.isEmpty()) {
                break;
            }
            byte[][] b = src.getAll(want);
            List<ChunkId> still = new ArrayList<>();
            for (int k = 0; k < b.length; k++) {
                if (b[k] != null) {
                    got.put(want.get(k), new Fetched(b[k], src));
                } else {
                    still.add(want.get(k)); // missing here, or corrupt: the next nearest copy
                }
            }
            want = still;
        }
        return got;
    }
}

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
 * <p>The replicas are written together (see {@link #replicate(RegionStores, Manifest, String, int, String, Checkpoint,
 * Checkpoints)}): one read of each chunk a region lacks feeds all of them.
 *
 * <p>Resumable: progress is saved through {@link Checkpoints} every 5 percent (of the manifest's entries) that moved at
 * least the checkpoint floor ({@link #CHECKPOINT_MIN_BYTES} unless told otherwise), at least every 2 seconds or 64 MiB,
 * and at the end, <em>before</em> the batch's chunks are committed to the replicas. (Each checkpoint is a transaction,
 * an fsync and an index write in every replica, and may be a ReplicaProgress event: a 1 MiB copy that took 20 of them
 * spent most of its time there; at a 256 KiB floor it still took 4. A copy of up to 4 MiB that ends within 2 s now
 * takes one.) A checkpoint says "entries below
 * {@code verified} are committed in replica {@code replica} (and every replica below it is done); entries below
 * {@code counted} have had their egress counted". A resumed copy starts that replica at {@code verified} and the
 * later ones at 0 (passing over the chunks they hold), copies what is missing and counts egress only from {@code counted} on: a crash at any
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
    /**
     * The default floor: a 5 percent step saves a checkpoint only once it moved this much. A crash copies at most this
     * much again (or 2 s of copying); a copy of at most 80 MiB checkpoints less often than every 5 percent.
     */
    static final long CHECKPOINT_MIN_BYTES = 4L << 20;
    /** Manifest entries whose chunks are read from the sources together (1 MiB of 4 KiB chunks). */
    static final int WINDOW = 256;

    private final RegionStores stores;
    private volatile ChunkHook hook = (r, i, c) -> {
    };

    private final long bytesPerSecond;
    private final long checkpointBytes;

    /** Copies among {@code stores} (the stores of one namespace) as fast as it can. */
    public Replicator(RegionStores stores) {
        this(stores, 0);
    }

    /** {@code bytesPerSecond}: the average rate one copy may move chunks at, 0 for no limit. */
    public Replicator(RegionStores stores, long bytesPerSecond) {
        this(stores, bytesPerSecond, CHECKPOINT_MIN_BYTES);
    }

    /** {@code checkpointBytes}: what a 5 percent step must have moved to save a checkpoint (at least 1). */
    public Replicator(RegionStores stores, long bytesPerSecond, long checkpointBytes) {
        if (checkpointBytes < 1) {
            throw new IllegalArgumentException("checkpointBytes must be at least 1, not " + checkpointBytes);
        }
        this.stores = stores;
        this.bytesPerSecond = bytesPerSecond;
        this.checkpointBytes = checkpointBytes;
    }

    /** A replicator told the stores at each copy: the service copies inside one tenant's stores at a time. */
    public Replicator(long bytesPerSecond, long checkpointBytes) {
        this(null, bytesPerSecond, checkpointBytes);
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
     *
     * <p>Fan-out: the replicas still to copy are written together, one pass over the manifest: each window of chunks
     * that any of them lacks is read once from the nearest good copy and put into every replica lacking it (a tee
     * into their sessions), so a region costs one read of its source however many replicas it has. Each replica
     * keeps its own session, commit, manifest and ref; one that fails (its disk, its container) is dropped from the
     * pass while the others finish, and the copy then ends with an IOException after a checkpoint naming the
     * first failed replica: the job's retry copies only the replicas that lack the manifest, reading again (from the
     * region's finished replicas, the nearest copies). A failure reading the sources stops every replica.
     */
    public Checkpoint replicate(RegionStores stores, Manifest m, String region, int replicaCount, String ref,
                                Checkpoint resume, Checkpoints checkpoints) throws IOException {
        Checkpoint at = resume == null ? Checkpoint.START : resume;
        Pass pass = new Pass(m, region, replicaCount, at, checkpoints);
        try {
            for (int r = at.replica(); r < replicaCount; r++) {
                Target t = new Target(r, r == at.replica() ? at.verified() : 0);
                pass.targets.add(t);
                try {
                    t.store = stores.store(region, r);
                    t.session = t.store.session();
                    t.session.keep(m.contentHex);
                    t.present = t.store.manifest(m.contentHex).isPresent();
                } catch (IOException | RuntimeException e) {
                    pass.fail(t, e); // a store that cannot be opened fails its replica only
                }
            }
            // sources: every store of the namespace nearest first, the region's own replicas included (one of them
            // may hold a chunk another lacks: no egress), each target passed over where it lacks a chunk
            pass.copy(stores.sourcesFor(region, -1));
            for (Target t : pass.targets) {
                if (t.failure == null) {
                    try {
                        t.session.commit();
                        if (!t.present) {
                            t.store.putManifest(m);
                        }
                        t.store.setRef(ref, m.contentHex);
                    } catch (IOException | RuntimeException e) {
                        pass.fail(t, e);
                    }
                }
            }
        } finally {
            pass.targets.stream().filter(t -> t.session != null).forEach(t -> t.session.close());
        }
        List<Target> failed = pass.targets.stream().filter(t -> t.failure != null).toList();
        if (!failed.isEmpty()) {
            // replicas below the first failed one are done; those after it that finished have their manifest and
            // are passed over by the retry; the failed ones resume where the first of them committed last
            Target first = failed.get(0);
            long entries = Math.max(1, m.count());
            long done = (replicaCount - failed.size()) * entries
                    + failed.stream().mapToLong(t -> Math.min(t.committed, entries)).sum();
            int percent = (int) Math.min(99, done * 100 / (replicaCount * entries));
            checkpoints.save(new Checkpoint(first.replica, first.committed, pass.counted, Map.copyOf(pass.egress),
                    pass.copied, percent));
            IOException e = new IOException("copying to " + region + " failed for replica(s) "
                    + failed.stream().map(t -> String.valueOf(t.replica)).toList() + ": " + first.failure,
                    first.failure);
            failed.stream().skip(1).forEach(t -> e.addSuppressed(t.failure));
            throw e;
        }
        return new Checkpoint(replicaCount, 0, 0, Map.copyOf(pass.egress), pass.copied, 100);
    }

    /**
     * A Shallow replica (a version in {@code Shallow} replication mode): names with {@code ref} the content
     * {@code contentHex} where it already is, one of {@code region}'s stores of the namespace (its source blob's
     * replica), instead of copying it. The content must be present and whole there: its manifest, for that digest,
     * and every chunk the manifest names (asked of the store's index in windows, as a copy asks; the chunks were
     * verified against their digests when they were written, and the scrubber re-reads them). Nothing is written but
     * the ref, which makes the content live for as long as the version is: deleting the source blob, a collection or
     * a repair leave it in place, as they do the content of a Full version. The session held meanwhile keeps the
     * manifest and the chunks it was asked about alive until the ref names them (a deletion of the source blob
     * collecting at that moment cannot drop them).
     *
     * @return the content referenced
     * @throws IOException when no store of the region holds the content whole (nothing is referenced then)
     */
    public Manifest reference(RegionStores stores, String region, String contentHex, String ref) throws IOException {
        List<String> problems = new ArrayList<>();
        for (int r = 0; r < Math.max(1, stores.replicas(region)); r++) {
            ChunkStore store = stores.store(region, r);
            try (ChunkStore.Session session = store.session()) {
                session.keep(contentHex);
                var found = store.manifest(contentHex);
                if (found.isEmpty()) {
                    continue;
                }
                Manifest m = found.get();
                if (!m.contentHex.equals(contentHex)) {
                    problems.add(store + ": its manifest names content " + m.contentHex);
                    continue;
                }
                long missing = missingChunks(m, session);
                if (missing > 0) {
                    problems.add(store + ": " + missing + " chunk(s) of the content are missing");
                    continue;
                }
                store.setRef(ref, contentHex);
                return m;
            }
        }
        throw new IOException("the content sha256:" + contentHex + " is not whole in any store of " + region
                + (problems.isEmpty() ? " (no manifest of it there)" : ": " + problems)
                + "; a Shallow replica references it there and copies nothing");
    }

    /**
     * How many chunks {@code m} names that {@code session}'s store lacks, asked a window at a time (distinct within a
     * window; the heap holds one window, whatever the content's size).
     */
    private static long missingChunks(Manifest m, ChunkStore.Session session) {
        long missing = 0;
        Set<ChunkId> window = new java.util.LinkedHashSet<>();
        for (int i = 0; i <= m.count(); i++) {
            if (i < m.count() && !m.isZero(i)) {
                window.add(m.chunk(i));
            }
            if (window.size() >= WINDOW || (i == m.count() && !window.isEmpty())) {
                for (boolean has : session.hasAll(new ArrayList<>(window))) {
                    missing += has ? 0 : 1;
                }
                window.clear();
            }
        }
        return missing;
    }

    /** One replica store being written: its session, and the entries below {@code committed} it holds for sure. */
    private static final class Target {
        final int replica;
        ChunkStore store;
        ChunkStore.Session session;
        /** Entries below this are committed in the store (where a resume of this replica may start). */
        int committed;
        /**
         * The store holds the manifest already: it is not written again, but its chunks are asked for as any target's
         * are (a manifest does not prove its chunks are there: the one an earlier copy left may have lost some since),
         * and what is missing is copied. A whole replica costs the lookups only.
         */
        boolean present;
        Exception failure;
        /** Chunks of the current window this replica holds (asked of its session at once), or has been given. */
        Set<ChunkId> held = Set.of();

        Target(int replica, int committed) {
            this.replica = replica;
            this.committed = committed;
        }

        boolean copying() {
            return failure == null;
        }
    }

    /** One pass over a manifest writing every replica still to copy, with its checkpoints and its egress. */
    private final class Pass {
        final Manifest m;
        final String region;
        final int replicaCount;
        final Checkpoint at;
        final Checkpoints checkpoints;
        final List<Target> targets = new ArrayList<>();
        final Map<String, Long> egress;
        long copied;
        /** Entries below this have had their egress counted (whichever replica fetched them). */
        int counted;

        Pass(Manifest m, String region, int replicaCount, Checkpoint at, Checkpoints checkpoints) {
            this.m = m;
            this.region = region;
            this.replicaCount = replicaCount;
            this.at = at;
            this.checkpoints = checkpoints;
            this.egress = new HashMap<>(at.egressBySource());
            this.copied = at.copiedBytes();
            this.counted = at.counted();
        }

        void fail(Target t, Exception e) {
            if (t.failure == null) {
                t.failure = e; // reported by the IOException the copy ends with, once the others are done
            }
        }

        /** The percent done once the replicas being copied hold entries below {@code i}. */
        int percent(int i) {
            long entries = Math.max(1, m.count());
            long done = (long) at.replica() * entries + (long) (replicaCount - at.replica()) * i;
            return (int) Math.min(99, done * 100 / ((long) replicaCount * entries));
        }

        /**
         * Copies the chunks the targets lack, entry by entry: each window's missing chunks are read once (for every
         * target), each put into every target lacking it; every target commits at each checkpoint.
         */
        void copy(List<ChunkStore> sources) throws IOException {
            List<Target> live = targets.stream().filter(Target::copying).toList();
            if (live.isEmpty()) {
                return;
            }
            int start = live.stream().mapToInt(t -> t.committed).min().orElse(0);
            int entries = Math.max(1, m.count());
            int step = Math.max(1, entries / 20);
            int batchStart = start;
            long batchBytes = 0;
            long last = System.nanoTime();
            Map<ChunkId, Fetched> fetched = Map.of();
            int fetchedTo = start;
            long started = System.nanoTime();
            long moved = 0;
            for (int i = start; i < m.count() && !live.isEmpty(); i++) {
                if (i == fetchedTo) {
                    pace(started, moved);
                    fetchedTo = Math.min(m.count(), i + WINDOW);
                    fetched = fetch(m, i, fetchedTo, live, sources);
                    moved += fetched.values().stream().mapToLong(f -> f.bytes().length).sum();
                }
                boolean failed = false;
                if (!m.isZero(i)) {
                    ChunkId id = m.chunk(i);
                    Fetched f = fetched.get(id);
                    for (Target t : live) {
                        if (i < t.committed || !t.held.add(id)) {
                            continue; // committed before the resume, stored before, or put at an earlier mention
                        }
                        if (f == null) {
                            throw new IOException("no store holds a good copy of chunk " + id + " for " + region
                                    + "/replica-" + t.replica);
                        }
                        byte[] b = f.bytes();
                        try {
                            t.session.put(id, b, 0, b.length);
                        } catch (IOException | RuntimeException e) {
                            fail(t, e);
                            failed = true;
                            continue;
                        }
                        copied += b.length;
                        hook.copied(region, t.replica, id);
                    }
                    if (f != null && f.entry() == i) { // the entry that read it
                        batchBytes += f.bytes().length;
                        if (!f.from().region().equals(region) && i >= counted) {
                            egress.merge(f.from().region(), (long) f.bytes().length, Long::sum);
                        }
                    }
                }
                if (i + 1 == m.count() || (i + 1 - batchStart >= step && batchBytes >= checkpointBytes)
                        || batchBytes >= CHECKPOINT_BYTES || System.nanoTime() - last >= CHECKPOINT_NANOS) {
                    counted = Math.max(counted, i + 1);
                    // saved before the commits: it names what the first replica of the pass has committed (the
                    // others resume from 0, passing over what they hold) and what was counted, so a crash between
                    // the two copies the batch again and counts none of it twice
                    Target first = targets.get(0);
                    checkpoints.save(new Checkpoint(first.replica, first.committed, counted, Map.copyOf(egress),
                            copied, percent(i + 1)));
                    for (Target t : live) {
                        if (t.failure == null) {
                            try {
                                t.session.commit();
                                t.committed = Math.max(t.committed, i + 1);
                            } catch (IOException | RuntimeException e) {
                                fail(t, e);
                                failed = true;
                            }
                        }
                    }
                    batchStart = i + 1;
                    batchBytes = 0;
                    last = System.nanoTime();
                }
                if (failed) {
                    live = live.stream().filter(t -> t.failure == null).toList();
                }
            }
        }
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

    /** A chunk read (and verified) from a source store, for the first entry naming it in its window. */
    private record Fetched(byte[] bytes, ChunkStore from, int entry) {
    }

    /**
     * Reads, once, the chunks that entries {@code [from, to)} name and some target lacks, each from the nearest store
     * with a good copy; a chunk no store has a good copy of is left out. Each target's session is asked about the
     * window's chunks once, all together ({@link ChunkStore.Session#hasAll}: an on-disk index looks them up in one
     * batch), into {@link Target#held}; a target whose resume point is past the window is not asked.
     */
    private static Map<ChunkId, Fetched> fetch(Manifest m, int from, int to, List<Target> targets,
                                               List<ChunkStore> sources) throws IOException {
        Set<ChunkId> seen = new HashSet<>();
        List<ChunkId> ids = new ArrayList<>();
        List<Integer> first = new ArrayList<>();
        for (int i = from; i < to; i++) {
            if (!m.isZero(i) && seen.add(m.chunk(i))) {
                ids.add(m.chunk(i));
                first.add(i);
            }
        }
        boolean[] lacking = new boolean[ids.size()];
        for (Target t : targets) {
            if (to <= t.committed) {
                t.held = Set.of();
                continue;
            }
            boolean[] has = t.session.hasAll(ids);
            t.held = new HashSet<>();
            for (int k = 0; k < has.length; k++) {
                if (has[k]) {
                    t.held.add(ids.get(k));
                } else {
                    lacking[k] = true;
                }
            }
        }
        List<ChunkId> want = new ArrayList<>();
        List<Integer> entry = new ArrayList<>();
        for (int k = 0; k < lacking.length; k++) {
            if (lacking[k]) {
                want.add(ids.get(k));
                entry.add(first.get(k));
            }
        }
        Map<ChunkId, Fetched> got = new HashMap<>();
        for (ChunkStore src : sources) {
            if (want.isEmpty()) {
                break;
            }
            byte[][] b = src.getAll(want);
            List<ChunkId> still = new ArrayList<>();
            List<Integer> stillAt = new ArrayList<>();
            for (int k = 0; k < b.length; k++) {
                if (b[k] != null) {
                    got.put(want.get(k), new Fetched(b[k], src, entry.get(k)));
                } else {
                    still.add(want.get(k)); // missing here, or corrupt: the next nearest copy
                    stillAt.add(entry.get(k));
                }
            }
            want = still;
            entry = stillAt;
        }
        return got;
    }
}

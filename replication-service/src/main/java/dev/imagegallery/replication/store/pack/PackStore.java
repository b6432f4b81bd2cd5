package dev.imagegallery.replication.store.pack;


import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.CorruptChunkException;
import dev.imagegallery.replication.store.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * What the two backends ({@code store.fs.FsChunkStore}, {@code store.azure.AzureBlobChunkStore}) share: chunks
 * appended to numbered packs (one writer each) and found through a {@link ChunkIndex} (digest to pack, offset,
 * length; on disk for the filesystem backend, on the heap for Azure's); writer sessions whose chunks reach the index
 * only at commit, after the backend made their pack durable, so a crash leaves at most unindexed bytes at a pack's
 * end; verified reads; and {@link #collect()}: with an index that keeps reference counts (the filesystem's), it
 * visits only the manifests and chunks journalled since the last one; otherwise, and as {@link #collectAll()}, a mark
 * and sweep whose mark phase spares what open sessions use and marks into the index's own (on-disk) set. A backend says how packs, the index, manifests and refs are
 * written, read, listed and deleted.
 */
public abstract class PackStore implements ChunkStore {
    /** The most a pack holds. */
    public static final long PACK_MAX = 256L << 20;
    /** One index record: digest (32 bytes), pack (4), offset (8), length (4). */
    public static final int RECORD = 48;
    protected static final ThreadLocal<MessageDigest> SHA = ThreadLocal.withInitial(ChunkId::sha256);

    private final String region;
    private final int replica;
    /** Where each committed chunk is. */
    protected final ChunkIndex index;
    private final Set<PackSession> open = ConcurrentHashMap.newKeySet();
    /** Runs the sessions' {@link PackSession#commitSoon()}s (each waits on disks: a thread each, idle ones go). */
    private static final ExecutorService COMMITTERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "pack-committer");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger nextPack = new AtomicInteger(1);

    protected PackStore(String region, int replica, ChunkIndex index) {
        this.region = region;
        this.replica = replica;
        this.index = index;
    }

    // ---- what a backend provides ----

    /** The chunk's bytes as its pack holds them, or null when the pack ends before it; not verified yet. */
    protected abstract byte[] read(ChunkId id, Loc loc) throws IOException;

    /** A writer of this backend's packs. */
    protected abstract PackSession newSession() throws IOException;

    /**
     * Makes index records durable (after their packs are), in this order, and puts them into {@link #index}. Called
     * under the store's lock.
     */
    protected abstract void appendToIndex(List<Map.Entry<ChunkId, Loc>> entries) throws IOException;

    /** Replaces the persisted index by {@link #index} as it is now (after a sweep); nothing when the index is it. */
    protected abstract void rewriteIndex() throws IOException;

    /** Writes a manifest (the backend's half of {@link #putManifest}). */
    protected abstract void storeManifest(Manifest m) throws IOException;

    /** Whether a manifest is stored (without reading it). */
    protected boolean manifestExists(String contentHex) throws IOException {
        return manifest(contentHex).isPresent();
    }

    /**
     * A ref that named {@code contentHex} is about to be deleted or to name other content: with reference counts,
     * the manifest is journalled for the next collection (before the ref changes: a crash between the two only makes
     * that collection find it still named). A backend calls it from {@link #setRef} and {@link #deleteRef}.
     */
    protected final void unreferencing(String contentHex) throws IOException {
        ChunkIndex.RefCounts rc = index.counts();
        if (rc != null) {
            rc.unreferenced(contentHex);
        }
    }

    /** The names (content hex) of the stored manifests. */
    protected abstract List<String> manifestNames() throws IOException;

    protected abstract void deleteManifest(String contentHex) throws IOException;

    /** The numbers of the stored packs, indexed or not. */
    protected abstract List<Integer> packs() throws IOException;

    protected abstract void deletePack(int pack) throws IOException;

    /**
     * What a {@link RuntimeException} of the backend's client becomes while doing {@code what}: by default it is
     * rethrown as it is; a backend whose client throws unchecked exceptions for I/O failures answers an IOException.
     */
    protected IOException failure(String what, RuntimeException e) {
        throw e;
    }

    // ---- the index ----

    /** The next pack number above every one listed (the numbers of packs that exist when the store opens). */
    protected final void packsExist(Iterable<Integer> existing) {
        for (int p : existing) {
            nextPack.accumulateAndGet(p + 1, Math::max);
        }
    }

    /** Reads index records, in order; answers how many bytes held whole records (a torn tail is not). */
    protected static long readRecords(InputStream in, BiConsumer<ChunkId, Loc> each) throws IOException {
        long valid = 0;
        byte[] rec = new byte[RECORD];
        while (in.readNBytes(rec, 0, RECORD) == RECORD) {
            ByteBuffer bb = ByteBuffer.wrap(rec);
            ChunkId id = ChunkId.read(bb);
            each.accept(id, new Loc(bb.getInt(), bb.getLong(), bb.getInt()));
            valid += RECORD;
        }
        return valid;
    }

    /** Records {@code [from, to)} of {@code entries}, ready to write. */
    protected static ByteBuffer records(List<Map.Entry<ChunkId, Loc>> entries, int from, int to) {
        ByteBuffer buf = ByteBuffer.allocate((to - from) * RECORD);
        for (int i = from; i < to; i++) {
            var e = entries.get(i);
            e.getKey().write(buf);
            buf.putInt(e.getValue().pack()).putLong(e.getValue().offset()).putInt(e.getValue().length());
        }
        return buf.flip();
    }

    /** Appends committed entries to the index and makes them visible. */
    private synchronized void publish(Map<ChunkId, Loc> entries) throws IOException {
        appendToIndex(new ArrayList<>(entries.entrySet()));
    }

    /** The name a ref is stored under (its SHA-256 in hex: any ref is a safe file or blob name). */
    protected static String refKey(String ref) {
        return HexFormat.of().formatHex(SHA.get().digest(ref.getBytes(StandardCharsets.UTF_8)));
    }

    // ---- ChunkStore ----

    @Override
    public String region() {
        return region;
    }

    @Override
    public int replica() {
        return replica;
    }

    @Override
    public boolean has(ChunkId id) {
        try {
            return index.get(id) != null;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the index of " + this, e);
        }
    }

    @Override
    public byte[] get(ChunkId id) throws IOException {
        Loc loc = index.get(id);
        if (loc == null) {
            throw new CorruptChunkException(id, "chunk " + id + " is missing from " + this);
        }
        byte[] b = read(id, loc);
        if (b == null) {
            throw truncated(id);
        }
        if (!ChunkId.digest(SHA.get(), b, 0, b.length).equals(id)) {
            throw new CorruptChunkException(id, "chunk " + id + " in " + this + " does not match its digest");
        }
        return b;
    }

    protected final CorruptChunkException truncated(ChunkId id) {
        return new CorruptChunkException(id, "chunk " + id + " is truncated in " + this);
    }

    protected final CorruptChunkException packMissing(ChunkId id) {
        return new CorruptChunkException(id, "the pack of chunk " + id + " is missing from " + this);
    }

    @Override
    public Session session() throws IOException {
        PackSession s = newSession();
        open.add(s);
        return s;
    }

    @Override
    public void forEachChunk(Consumer<ChunkId> each) {
        try {
            index.forEach((id, loc) -> each.accept(id));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the index of " + this, e);
        }
    }

    @Override
    public long physicalBytes() {
        return index.bytes();
    }

    /**
     * With reference counts, the count of each chunk {@code m} names goes up (durably) before the manifest is stored,
     * so a crash between the two leaves counts too high (a leak the full collection reclaims), never a manifest whose
     * chunks a collection could free. A manifest already stored is not counted twice.
     */
    @Override
    public final void putManifest(Manifest m) throws IOException {
        ChunkIndex.RefCounts rc = index.counts();
        if (rc == null) {
            storeManifest(m);
            return;
        }
        synchronized (manifests) {
            if (manifestExists(m.contentHex)) {
                return;
            }
            rc.manifestStored(m);
            afterCountUp.run();
            storeManifest(m);
        }
    }

    /**
     * A session's look-up that finds a chunk stored and its hold on that chunk are one step against a collection's
     * test of the holds and its delete: sessions take the read side, the collection's test-and-delete (a batch at a
     * time) the write side. Without it a collection could test the holds between the two, delete the chunk, and the
     * session's version then named a chunk the store no longer had
     * ({@code IncrementalCollectionTest.aChunkASessionFindsWhileACollectionRunsIsNotDeletedUnderIt}).
     */
    private final ReentrantReadWriteLock reliance = new ReentrantReadWriteLock();

    /** Runs between a session's look-up that found a chunk stored and its hold on it (a test starts a collection). */
    public static volatile Runnable afterLookup = () -> {
    };

    /** Crash tests stop the process between a manifest's count-up and its write ... */
    public static volatile Runnable afterCountUp = () -> {
    };
    /** ... and between a manifest's delete and its count-down. */
    public static volatile Runnable afterManifestDelete = () -> {
    };

    /**
     * Serialises manifest writes with collections: a manifest is counted and stored, or dropped and counted down,
     * never both at once (the store's own lock would hold commits back while a large manifest is written).
     */
    private final Object manifests = new Object();

    /**
     * Incremental where the index keeps reference counts (and has counted them all): visits only the manifests and
     * chunks journalled since the last collection. Otherwise, or when the counts are not whole yet (a new or rebuilt
     * index), the full mark and sweep of {@link #collectAll()}.
     */
    @Override
    public synchronized GcResult collect() throws IOException {
        try {
            synchronized (manifests) {
                ChunkIndex.RefCounts rc = index.counts();
                return rc != null && rc.valid() ? incremental(rc) : sweep();
            }
        } catch (RuntimeException e) {
            throw failure("collect garbage in " + this, e);
        }
    }

    /**
     * The full mark and sweep: every live manifest and every index entry, whatever changed. The repair and audit
     * path: it reclaims what a crash leaked (a count left too high) and counts every reference again.
     */
    @Override
    public synchronized GcResult collectAll() throws IOException {
        try {
            synchronized (manifests) {
                return sweep();
            }
        } catch (RuntimeException e) {
            throw failure("collect garbage in " + this, e);
        }
    }

    /**
     * A collection proportional to the change: each journalled manifest that no ref names and no open session keeps
     * is read, deleted, and then its chunks counted down (and journalled); then each journalled chunk (named by a
     * manifest dropped now or earlier, or committed since the last collection) that no manifest references and no
     * open session uses leaves the index, and packs whose every entry is gone are deleted. The refs are listed (a
     * file each: versions and blobs, not chunks) to tell which journalled manifests are still named.
     */
    private GcResult incremental(ChunkIndex.RefCounts rc) throws IOException {
        Set<String> named = new HashSet<>(refs().values());
        Set<String> kept = new HashSet<>();
        Set<Integer> used = new HashSet<>();
        for (PackSession s : open) {
            synchronized (s) {
                kept.addAll(s.manifests);
                used.addAll(s.packs);
            }
        }
        int manifestsDropped = 0;
        for (String hex : rc.journalledManifests()) {
            if (named.contains(hex)) {
                rc.settled(hex);
            } else if (!kept.contains(hex)) { // (one an open session keeps is looked at again next time)
                Manifest m = manifest(hex).orElse(null);
                deleteManifest(hex);
                afterManifestDelete.run();
                if (m != null) {
                    rc.manifestDropped(m);
                    manifestsDropped++;
                } else {
                    rc.settled(hex); // gone already (a crash after its delete): what it referenced leaks
                }
            }
        }
        ChunkIndex.Reclaimed r = rc.reclaim(this::held, reliance.writeLock());
        if (r.entries() > 0) {
            rewriteIndex();
        }
        int packsDeleted = 0;
        for (int pack : rc.emptyPacks()) {
            if (!used.contains(pack)) {
                deletePack(pack);
                packsDeleted++;
            }
        }
        return new GcResult(manifestsDropped, r.entries(), r.bytes(), packsDeleted, r.visited());
    }

    /**
     * Mark: the manifests refs name or open sessions keep, their chunks, and what open sessions use or wrote, into
     * the index's set of marks (on disk for the filesystem index: the heap holds one manifest at a time). Sweep: every
     * other manifest, index entry and pack.
     */
    private GcResult sweep() throws IOException {
        Set<String> refsNamed = new HashSet<>(refs().values());
        Set<String> liveManifests = new HashSet<>(refsNamed);
        for (PackSession s : open) {
            synchronized (s) {
                liveManifests.addAll(s.manifests);
            }
        }
        int manifestsDropped = 0;
        Set<Integer> used = new HashSet<>();
        ChunkIndex.Swept swept;
        try (ChunkIndex.Marks live = index.marks()) {
            for (String name : manifestNames()) {
                if (!liveManifests.contains(name)) {
                    deleteManifest(name);
                    manifestsDropped++;
                    continue;
                }
                Manifest m = manifest(name).orElse(null);
                for (int i = 0; m != null && i < m.count(); i++) {
                    if (!m.isZero(i)) {
                        live.reference(m.chunk(i));
                    }
                }
            }
            swept = index.sweep(live, this::held, reliance.writeLock());
        }
        ChunkIndex.RefCounts rc = index.counts();
        for (String kept : liveManifests) {
            if (rc != null && !refsNamed.contains(kept)) {
                rc.unreferenced(kept); // an open session's manifest that no ref names yet: looked at next time
            }
        }
        long chunksDropped = swept.entries();
        long bytesFreed = swept.bytes();
        if (chunksDropped > 0) {
            rewriteIndex();
        }
        // the pack files first, then what uses them: a session names a pack before it makes its file, so a file
        // listed here belongs to a session still open below, or was committed (the index names it), or is garbage.
        // (Taken before the sweep, the sessions' packs missed the ones started meanwhile, and their files went.)
        List<Integer> files = packs();
        for (PackSession s : open) {
            synchronized (s) {
                used.addAll(s.packs);
            }
        }
        used.addAll(index.packs());
        int packsDeleted = 0;
        for (int pack : files) {
            if (!used.contains(pack)) {
                deletePack(pack);
                packsDeleted++;
            }
        }
        return new GcResult(manifestsDropped, chunksDropped, bytesFreed, packsDeleted, swept.visited());
    }

    /**
     * Whether an open session holds {@code id} alive: written and not yet committed, committed by it, or found stored
     * and relied on (its manifest not stored yet). Sessions keep the last two as {@link ChunkFilter}s (2 bytes a
     * chunk), so now and then a chunk no session holds is kept until the next collection.
     */
    private boolean held(ChunkId id) {
        for (PackSession s : open) {
            synchronized (s) {
                if (s.pending.containsKey(id) || s.committing.containsKey(id) || s.held.mightContain(id)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * A writer session: the bookkeeping both backends share (chunks put but not yet indexed, chunks it relies on, the
     * packs it wrote, the manifests it keeps alive), which {@link #collect()} spares. The backend writes the packs.
     */
    protected abstract class PackSession implements ChunkStore.Session {
        private Map<ChunkId, Loc> pending = new LinkedHashMap<>();
        /** What a {@link #commitSoon()} is committing in the background: this session's still, until indexed. */
        private volatile Map<ChunkId, Loc> committing = Map.of();
        /** That commit, until the next commit waits for it. */
        private Future<?> inFlight;
        /** Why a commit in the background failed: every commit after it fails so too. */
        private Throwable broken;
        /**
         * Chunks this session committed or found stored and relies on: kept alive until it closes. A filter, not a
         * set: a session ingesting or copying a 16 GiB image holds 4 million of them.
         */
        private final ChunkFilter held = new ChunkFilter();
        private final List<Integer> packs = new ArrayList<>();
        private final Set<String> manifests = new HashSet<>();
        private final Set<Integer> committedPacks = new HashSet<>();
        private boolean closed;

        /** Appends a chunk to the session's current pack (starting one with {@link #startPack()} when needed). */
        protected abstract Loc write(byte[] b, int off, int len) throws IOException;

        /** Makes everything written so far durable in its packs, and the packs complete up to it. */
        protected abstract void writeOut() throws IOException;

        /**
         * {@link #writeOut()} in two parts: what must be done now, on the session's thread (every chunk so far handed
         * to its pack), and what may be done later on another (returned: making them durable); null where the
         * backend cannot split it, and {@link #commitSoon()} commits at once.
         */
        protected Callable<Void> writeOutLater() throws IOException {
            return null;
        }

        /**
         * Ends the writes in flight and releases what the session holds (files, buffers): it is being discarded, so
         * what was not committed goes with it.
         */
        protected abstract void release();

        /** A new pack for this session alone. */
        protected final int startPack() {
            int pack = nextPack.getAndIncrement();
            synchronized (this) {
                packs.add(pack);
            }
            return pack;
        }

        @Override
        public boolean has(ChunkId id) {
            if (pending.containsKey(id) || committing.containsKey(id)) {
                return true;
            }
            Lock relying = reliance.readLock();
            relying.lock();
            try {
                if (PackStore.this.has(id)) {
                    afterLookup.run();
                    synchronized (this) {
                        held.add(id);
                    }
                    return true;
                }
                return false;
            } finally {
                relying.unlock();
            }
        }

        @Override
        public boolean[] hasAll(List<ChunkId> ids) {
            boolean[] out = new boolean[ids.size()];
            Lock relying = reliance.readLock();
            relying.lock();
            try {
                Loc[] locs;
                try {
                    locs = index.getAll(ids);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException("cannot read the index of " + PackStore.this, e);
                }
                for (int i = 0; i < out.length; i++) {
                    ChunkId id = ids.get(i);
                    if (pending.containsKey(id) || committing.containsKey(id)) {
                        out[i] = true;
                    } else if (locs[i] != null) {
                        synchronized (this) {
                            held.add(id);
                        }
                        out[i] = true;
                    }
                }
                return out;
            } finally {
                relying.unlock();
            }
        }

        @Override
        public final void put(ChunkId id, byte[] b, int off, int len) throws IOException {
            Loc loc;
            try {
                loc = write(b, off, len);
            } catch (RuntimeException e) {
                throw failure("write a pack of " + PackStore.this, e);
            }
            synchronized (this) {
                pending.put(id, loc);
            }
        }

        @Override
        public synchronized void keep(String contentHex) {
            manifests.add(contentHex);
        }

        @Override
        public final void commit() throws IOException {
            awaitCommitted();
            if (pending.isEmpty()) {
                return;
            }
            try {
                writeOut(); // the packs hold every chunk so far; then the index names them
                publish(pending);
            } catch (RuntimeException e) {
                throw failure("commit to " + PackStore.this, e);
            }
            synchronized (this) {
                committed(pending);
                pending.clear();
            }
        }

        /**
         * Hands what was put so far to a committer thread (after {@link #writeOutLater()}'s part here), so that an
         * upload goes on reading while its packs are forced and indexed: a 1 GiB upload waited 0.3 s on two such
         * commits (measured in the replication README).
         */
        @Override
        public final void commitSoon() throws IOException {
            awaitCommitted();
            if (pending.isEmpty()) {
                return;
            }
            Callable<Void> durable;
            try {
                durable = writeOutLater();
            } catch (RuntimeException e) {
                throw failure("commit to " + PackStore.this, e);
            }
            if (durable == null) {
                commit();
                return;
            }
            Map<ChunkId, Loc> entries;
            synchronized (this) {
                entries = pending;
                committing = entries;
                pending = new LinkedHashMap<>();
            }
            inFlight = COMMITTERS.submit(() -> {
                try {
                    durable.call(); // the packs hold these chunks durably; then the index names them
                    publish(entries);
                } catch (RuntimeException e) {
                    throw failure("commit to " + PackStore.this, e);
                }
                synchronized (this) {
                    committed(entries);
                    committing = Map.of();
                }
                return null;
            });
        }

        private void committed(Map<ChunkId, Loc> entries) {
            entries.values().forEach(l -> committedPacks.add(l.pack()));
            entries.keySet().forEach(held::add);
        }

        /** Waits for the last {@link #commitSoon()}, and throws its failure (or an earlier one's) as it was. */
        private void awaitCommitted() throws IOException {
            if (broken == null && inFlight != null) {
                try {
                    waitFor(inFlight);
                } catch (ExecutionException e) {
                    broken = e.getCause();
                } finally {
                    inFlight = null;
                }
            }
            if (broken instanceof IOException io) {
                throw io;
            } else if (broken instanceof RuntimeException r) {
                throw r;
            } else if (broken != null) {
                throw new IOException(broken);
            }
        }

        /** {@code f.get()}, interrupted or not (the interrupt kept): a commit must end before what follows it. */
        private static void waitFor(Future<?> f) throws ExecutionException {
            boolean interrupted = false;
            try {
                while (true) {
                    try {
                        f.get();
                        return;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /**
         * Discards what was not committed and deletes the packs that hold no indexed chunk. Never fails: a pack it
         * cannot delete costs space only, and the next {@link #collect()} deletes it.
         */
        @Override
        public final void close() {
            if (closed) {
                return; // a backend's buffers went back to its pool once: twice would hand them to two sessions
            }
            closed = true;
            try {
                if (inFlight != null) { // its packs are committed or not once it ends: then the rest is decided
                    try {
                        waitFor(inFlight);
                    } catch (ExecutionException e) {
                        // not committed: its packs go below
                    }
                }
                release();
                List<Integer> uncommitted;
                synchronized (this) {
                    uncommitted = packs.stream().filter(p -> !committedPacks.contains(p)).toList();
                }
                for (int p : uncommitted) {
                    deletePack(p);
                }
            } catch (IOException | RuntimeException e) {
                // left for the next collect()
            } finally {
                open.remove(this);
            }
        }
    }
}

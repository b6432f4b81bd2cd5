package dev.imagegallery.replication.store;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One replica store of one region: chunks named by SHA-256 (each stored once), manifests named by the content's
 * SHA-256, and refs (a blob or a version) naming manifests. A manifest is live while a ref names it, a chunk while a
 * live manifest or an open {@link Session} names it; {@link #collect()} frees the rest. Backends (each a
 * {@code store.pack.PackStore}): {@code store.fs.FsChunkStore} (packs on local disk) and
 * {@code store.azure.AzureBlobChunkStore} (packs as block blobs in an Azure storage account).
 */
public interface ChunkStore {
    String region();

    int replica();

    /** Whether a chunk is stored (committed); says nothing about its integrity, {@link #get} checks that. */
    boolean has(ChunkId id);

    /** The chunk's bytes, verified against its digest; {@link CorruptChunkException} when missing or corrupt. */
    byte[] get(ChunkId id) throws IOException;

    /**
     * Several chunks at once, each verified: {@code out[i]} holds chunk {@code ids.get(i)}, or null where this store
     * lacks it or holds a corrupt copy (another copy must serve it). Backends read neighbouring chunks together.
     */
    default byte[][] getAll(List<ChunkId> ids) throws IOException {
        byte[][] out = new byte[ids.size()][];
        for (int i = 0; i < out.length; i++) {
            ChunkId id = ids.get(i);
            if (has(id)) {
                try {
                    out[i] = get(id);
                } catch (CorruptChunkException e) {
                    // null: the caller tries the next copy
                }
            }
        }
        return out;
    }

    /** Opens a writer: chunks put through it become visible together at each {@link Session#commit()}. */
    Session session() throws IOException;

    Optional<Manifest> manifest(String contentHex) throws IOException;

    /** Stores a manifest; every chunk it names must be committed first. */
    void putManifest(Manifest m) throws IOException;

    void setRef(String ref, String contentHex) throws IOException;

    Optional<String> ref(String ref) throws IOException;

    void deleteRef(String ref) throws IOException;

    /** Every ref and the content it names. */
    Map<String, String> refs() throws IOException;

    /** Every committed chunk (for scrubbing). */
    void forEachChunk(Consumer<ChunkId> each);

    /**
     * One scrub pass: verifies the chunks committed since the last pass, plus about {@code fraction} of all the
     * store's chunks, continuing where the last pass stopped (a cursor kept with the store, wrapping round: passes of
     * {@code fraction} read every chunk once in {@code 1/fraction} passes); a {@code fraction} of 1 or more verifies
     * every chunk. Each chunk found corrupt, unreadable or missing is handed to {@code bad} with the problem. Answers
     * what it read and the manifests to check (those stored since the last pass, plus the same fraction of the live
     * ones). By default (a backend without a cursor) every pass is a whole one.
     */
    default ScrubPass scrub(double fraction, java.util.function.BiConsumer<ChunkId, String> bad) throws IOException {
        long[] n = {0, 0};
        forEachChunk(id -> {
            n[0]++;
            try {
                n[1] += get(id).length;
            } catch (CorruptChunkException e) {
                if (has(id)) { // else collected since the walk began
                    bad.accept(id, "corrupt");
                }
            } catch (IOException e) {
                bad.accept(id, "unreadable");
            }
        });
        return new ScrubPass(n[0], n[1], refs().values().stream().distinct().sorted().toList(), true);
    }

    /**
     * What a {@link #scrub} pass did: chunks verified, their bytes, the manifests to check, and whether the cursor
     * came round to where it started (every chunk verified at least once since).
     */
    record ScrubPass(long chunksChecked, long bytesRead, List<String> manifests, boolean wrapped) {
    }

    /** Bytes of committed chunks. */
    long physicalBytes();

    /**
     * Drops manifests no ref names and chunks no live manifest or open session names. A backend that keeps reference
     * counts visits only what changed since the last collection (manifests whose ref went, chunks committed or
     * unreferenced since); one that does not marks and sweeps everything ({@link #collectAll()}).
     */
    GcResult collect() throws IOException;

    /**
     * Drops {@code ref} (if it is there) and collects: what only it kept alive is freed now, not at the next
     * collection. Answers what the collection freed.
     */
    default GcResult release(String ref) throws IOException {
        deleteRef(ref);
        return collect();
    }

    /**
     * The full mark and sweep, whatever changed: reclaims what a crash leaked and counts every reference again (the
     * repair and audit path of a backend that keeps counts).
     */
    default GcResult collectAll() throws IOException {
        return collect();
    }

    /**
     * False once this instance must not be used any more and the store be opened again (an Azure store whose writer
     * lease another process took: its pack numbers and index copy may be stale). {@code RegionStores} does that.
     */
    default boolean usable() {
        return true;
    }

    /** Releases what the store holds open (files, caches); the store is not used afterwards. */
    default void close() {
    }

    /** What a collection did; {@code chunksVisited}: the index entries (or journalled chunks) it looked at. */
    record GcResult(int manifestsDropped, long chunksDropped, long bytesFreed, int packsDeleted, long chunksVisited) {
    }

    /** A writer. Not thread-safe; close it to discard what was not committed. */
    interface Session extends AutoCloseable {
        /** Stored or put (pending) in this session; a true answer keeps the chunk alive until the session closes. */
        boolean has(ChunkId id);

        /**
         * {@link #has} of each, in one call: {@code out[i]} for {@code ids.get(i)} (an on-disk index looks them up
         * together, where one lookup at a time cost a delta copy most of its time).
         */
        default boolean[] hasAll(List<ChunkId> ids) {
            boolean[] out = new boolean[ids.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = has(ids.get(i));
            }
            return out;
        }

        /** Adds a chunk whose digest the caller has verified. */
        void put(ChunkId id, byte[] b, int off, int len) throws IOException;

        /** Keeps a manifest alive until the session closes (while its ref is being written). */
        void keep(String contentHex);

        /** Makes every chunk put so far durable and visible (after any {@link #commitSoon()} before it). */
        void commit() throws IOException;

        /**
         * {@link #commit()}, finished in the background where the store can: the chunks put so far stay this
         * session's meanwhile ({@link #has}, spared by collections), and the next {@code commit} or
         * {@code commitSoon} waits for it and throws its failure (and so does every one after a failure). For the
         * commits that only bound what a long session holds (a large upload), which its caller need not wait for.
         */
        default void commitSoon() throws IOException {
            commit();
        }

        @Override
        void close();
    }
}

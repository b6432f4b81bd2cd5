package dev.imagegallery.replication.store.pack;

import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.Manifest;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.concurrent.locks.Lock;
import java.util.function.Predicate;

/**
 * Where each committed chunk of a {@link PackStore} is: {@code store.fs.RocksIndex} (on local disk, a bounded cache in
 * native memory, nothing per chunk on the heap), with both backends (the Azure one keeps its durable index in an
 * append blob and looks chunks up in a local copy). Writers are serialised by the store ({@link PackStore} holds its lock around
 * {@link #put} and {@link #sweep}); lookups run concurrently with them.
 */
public interface ChunkIndex extends AutoCloseable {
    /** Where the chunk is, or null. */
    Loc get(ChunkId id) throws IOException;

    /** {@link #get} of each, in one call (the on-disk index looks a batch up together). */
    default Loc[] getAll(List<ChunkId> ids) throws IOException {
        Loc[] out = new Loc[ids.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = get(ids.get(i));
        }
        return out;
    }

    /** Adds entries, a later one for a digest replacing the earlier; visible when this returns. */
    void put(List<Map.Entry<ChunkId, Loc>> entries) throws IOException;

    /** Every entry, in no promised order, without holding them all: a view as of the call. */
    void forEach(BiConsumer<ChunkId, Loc> each) throws IOException;

    /** Entries. */
    long count();

    /** Bytes the entries name. */
    long bytes();

    /** The packs at least one entry names. */
    Set<Integer> packs() throws IOException;

    /** A set of chunks to keep, for {@link #sweep}; on disk for an on-disk index. */
    Marks marks() throws IOException;

    /**
     * Removes every entry that {@code live} does not hold and {@code held} does not keep (an open session uses it),
     * durably, before it returns. {@code held} is asked, and the entries it does not keep are removed, under
     * {@code guard} (a batch at a time), whose other side a session takes to look a chunk up and hold it: so either
     * the session holds the chunk before it is asked about, or it looks after the removal and writes the chunk again.
     */
    Swept sweep(Marks live, Predicate<ChunkId> held, Lock guard) throws IOException;

    /**
     * The per-chunk reference counts this index keeps with every manifest write and delete, with which
     * {@link PackStore#collect()} visits only what changed; null when it keeps none (then every collection is a full
     * mark and sweep).
     */
    default RefCounts counts() {
        return null;
    }

    @Override
    void close();

    /**
     * Reference counts (how many stored manifests name each chunk, an entry naming it twice counting twice) and a
     * journal of what a collection must look at: manifests that may have lost their last ref (put since, or whose ref
     * was deleted or replaced) and chunks that may have lost their last reference (committed since, or named by a
     * manifest dropped since). The writes are ordered so that a crash can only leave a count too high (a leak, which
     * the full collection reclaims and recounts), never too low: a count goes up, durably, before its manifest is
     * stored, and down only after its manifest is deleted.
     */
    interface RefCounts {
        /** False until a full collection has counted every reference (a new or rebuilt index). */
        boolean valid();

        /**
         * Before {@code m} is stored: one reference more for each chunk it names, and {@code m} journalled (durable
         * when this returns).
         */
        void manifestStored(Manifest m) throws IOException;

        /** {@code contentHex} may have lost its last ref (journalled, durably, before the ref changes). */
        void unreferenced(String contentHex) throws IOException;

        /** The journalled manifests. */
        java.util.List<String> journalledManifests() throws IOException;

        /** A journalled manifest a ref still names (or one whose file was gone): out of the journal. */
        void settled(String contentHex) throws IOException;

        /**
         * After {@code m} is deleted: one reference less for each chunk it names, its chunks journalled and {@code m}
         * out of the journal, in one atomic, durable write.
         */
        void manifestDropped(Manifest m) throws IOException;

        /**
         * Visits the journalled chunks: removes from the index each that no manifest references and {@code held}
         * does not hold (an open session uses it; it stays journalled), with the pack counts they change, durably;
         * {@code guard} as in {@link ChunkIndex#sweep}.
         */
        Reclaimed reclaim(Predicate<ChunkId> held, Lock guard) throws IOException;

        /** Packs the index knows of whose every entry is gone. */
        Set<Integer> emptyPacks();
    }

    /** What a {@link RefCounts#reclaim} did: journalled chunks visited, entries removed and their bytes. */
    record Reclaimed(long visited, long entries, long bytes) {
    }

    /** The live set of a collection. */
    interface Marks extends AutoCloseable {
        /** A chunk an open session holds: kept, with no reference counted for it. */
        void mark(ChunkId id) throws IOException;

        /** A chunk a live manifest names: kept, one reference counted (an index with {@link RefCounts}). */
        default void reference(ChunkId id) throws IOException {
            mark(id);
        }

        @Override
        void close();
    }

    /** What a {@link #sweep} removed, and how many entries it visited. */
    record Swept(long entries, long bytes, long visited) {
    }
}

package dev.imagegallery.replication.store.pack;

import dev.imagegallery.replication.store.ChunkId;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Where each committed chunk of a {@link PackStore} is: {@link MemoryIndex} (a map on the heap, which the Azure
 * backend fills from its append blob) or {@code store.fs.RocksIndex} (on local disk, a bounded cache in native memory,
 * nothing per chunk on the heap). Writers are serialised by the store ({@link PackStore} holds its lock around
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

    /** Removes every entry {@code live} does not hold (durably, before it returns). */
    Swept sweep(Marks live) throws IOException;

    @Override
    void close();

    /** The live set of a collection. */
    interface Marks extends AutoCloseable {
        void mark(ChunkId id) throws IOException;

        @Override
        void close();
    }

    /** What a {@link #sweep} removed. */
    record Swept(long entries, long bytes) {
    }
}

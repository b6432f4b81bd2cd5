package dev.imagegallery.replication.content;

import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.CorruptChunkException;
import dev.imagegallery.replication.store.Manifest;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Writes a byte range of a manifest's content, {@link #WINDOW} chunks at a time: window w is read from the region's
 * replica {@code (w + start) mod n} (reads spread over the replicas) in one batch, verified. A chunk that replica lacks
 * or holds corrupt is then read alone, from that replica on: a store without the chunk is passed over, a corrupt copy
 * reported and skipped, for the next replica, then for other regions' stores. When no good copy exists the write
 * fails: a corrupt chunk is never served.
 */
public final class ContentReader {
    private static final byte[] ZEROS = new byte[64 << 10];
    /** Chunks asked of a store at once (1 MiB of 4 KiB chunks), as a copy asks them: one index lookup for all. */
    public static final int WINDOW = 256;

    private ContentReader() {
    }

    /**
     * @param local     the region's replica stores
     * @param remote    other stores to fall back on, nearest first
     * @param onCorrupt told about every bad copy met (never about a store that simply lacks the chunk)
     */
    public static void write(Manifest m, long from, long toExclusive, List<? extends ChunkStore> local,
                             List<? extends ChunkStore> remote, int start, OutputStream out,
                             Consumer<CorruptChunkException> onCorrupt) throws IOException {
        if (from >= toExclusive) {
            return;
        }
        int first = m.entryAt(from);
        int last = first; // exclusive
        while (last < m.count() && m.offset(last) < toExclusive) {
            last++;
        }
        for (int w = first; w < last; w += WINDOW) {
            int wEnd = Math.min(last, w + WINDOW);
            int spread = w / WINDOW + start;
            byte[][] got = window(m, w, wEnd, local, spread);
            for (int i = w; i < wEnd; i++) {
                long off = m.offset(i);
                int skip = (int) Math.max(0, from - off);
                int end = (int) Math.min(m.length(i), toExclusive - off);
                if (m.isZero(i)) {
                    for (int left = end - skip; left > 0; ) {
                        int n = Math.min(left, ZEROS.length);
                        out.write(ZEROS, 0, n);
                        left -= n;
                    }
                    continue;
                }
                byte[] b = got[i - w];
                if (b == null) { // not in that replica, or corrupt there: chunk by chunk, reporting what is bad
                    b = read(m.chunk(i), local, remote, spread, onCorrupt);
                }
                out.write(b, skip, end - skip);
            }
        }
    }

    /**
     * Entries {@code [from, to)} (zero ones left null) from one local replica, chosen by {@code spread}, in one
     * {@link ChunkStore#getAll} (one batched index lookup, neighbouring chunks read together): a chunk it lacks or
     * holds corrupt is null, for {@link #read} to find elsewhere.
     */
    private static byte[][] window(Manifest m, int from, int to, List<? extends ChunkStore> local, int spread)
            throws IOException {
        byte[][] out = new byte[to - from][];
        if (local.isEmpty()) {
            return out;
        }
        List<ChunkId> ids = new ArrayList<>(to - from);
        List<Integer> at = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            if (!m.isZero(i)) {
                ids.add(m.chunk(i));
                at.add(i - from);
            }
        }
        if (ids.isEmpty()) {
            return out;
        }
        byte[][] got;
        try {
            got = local.get(Math.floorMod(spread, local.size())).getAll(ids);
        } catch (IOException e) {
            return out; // that replica is unreadable: chunk by chunk, which reports it
        }
        for (int k = 0; k < got.length; k++) {
            out[at.get(k)] = got[k];
        }
        return out;
    }

    /**
     * One chunk from the first store, in spreading order, that holds a good copy. A store that does not hold the
     * chunk is passed over silently: replicas beyond the first never hold an uploaded blob, and a region may have
     * more replica stores than a version was copied to. Only a copy a store claims to hold and cannot deliver intact
     * (digest mismatch, short or unreadable) is reported to {@code onCorrupt}.
     */
    static byte[] read(ChunkId id, List<? extends ChunkStore> local, List<? extends ChunkStore> remote, int spread,
                       Consumer<CorruptChunkException> onCorrupt) throws IOException {
        int n = local.size();
        for (int k = 0; k < n + remote.size(); k++) {
            ChunkStore s = k < n ? local.get(Math.floorMod(spread + k, n)) : remote.get(k - n);
            if (!s.has(id)) {
                continue;
            }
            try {
                return s.get(id);
            } catch (CorruptChunkException e) {
                onCorrupt.accept(e);
            } catch (IOException e) {
                onCorrupt.accept(new CorruptChunkException(id, "chunk " + id + " is unreadable in " + s + ": "
                        + e.getMessage()));
            }
        }
        throw new CorruptChunkException(id, "no good copy of chunk " + id + " in any replica or region");
    }
}

package dev.imagegallery.replication.content;

import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.CorruptChunkException;
import dev.imagegallery.replication.store.Manifest;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.function.Consumer;

/**
 * Writes a byte range of a manifest's content. Chunk i is read from the region's replica {@code (i + start) mod n}
 * (reads spread over the replicas), verified; a store without the chunk is passed over, a corrupt copy reported and
 * skipped, for the next replica, then for other regions' stores. When no good copy exists the write fails: a corrupt
 * chunk is never served.
 */
public final class ContentReader {
    private static final byte[] ZEROS = new byte[64 << 10];

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
        for (int i = m.entryAt(from); i < m.count() && m.offset(i) < toExclusive; i++) {
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
            byte[] b = read(m.chunk(i), local, remote, i + start, onCorrupt);
            out.write(b, skip, end - skip);
        }
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

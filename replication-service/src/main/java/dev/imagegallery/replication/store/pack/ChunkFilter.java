package dev.imagegallery.replication.store.pack;

import dev.imagegallery.replication.store.ChunkId;

import java.util.ArrayList;
import java.util.List;

/**
 * A set of chunks that may answer yes for a chunk it does not hold (about 0.05 % per stage, well under 1 % in
 * all), never no for one it does: what a
 * writer session holds alive for a collection. A Bloom filter (16 bits a chunk, 11 probes from the digest's own bits)
 * that adds a stage twice as large whenever the last one is full, so it costs 2 bytes a chunk however many come. A set
 * of {@link ChunkId}s took some 80 bytes a chunk: 200 MB of heap for a session that ingests or copies a 16 GiB image.
 * Not thread-safe: its session guards it.
 */
final class ChunkFilter {
    private static final int BITS_PER_CHUNK = 16;
    private static final int PROBES = 11;
    /** The first stage's chunks; each stage doubles it, so every stage's bit count is a power of two. */
    private static final long FIRST = 1 << 12;

    private final List<long[]> stages = new ArrayList<>();
    private final List<Long> sizes = new ArrayList<>();
    private long capacity;
    private long inLast;
    private long added;

    void add(ChunkId id) {
        if (stages.isEmpty() || inLast >= capacity) {
            capacity = stages.isEmpty() ? FIRST : capacity * 2;
            long bits = capacity * BITS_PER_CHUNK;
            stages.add(new long[(int) ((bits + 63) >>> 6)]);
            sizes.add(bits);
            inLast = 0;
        }
        long[] last = stages.get(stages.size() - 1);
        long m = sizes.get(sizes.size() - 1);
        for (int i = 0; i < PROBES; i++) {
            long at = (id.a() + i * id.b()) & (m - 1); // m is a power of two
            last[(int) (at >>> 6)] |= 1L << at;
        }
        inLast++;
        added++;
    }

    boolean mightContain(ChunkId id) {
        for (int s = 0; s < stages.size(); s++) {
            long[] bits = stages.get(s);
            long m = sizes.get(s);
            boolean all = true;
            for (int i = 0; i < PROBES && all; i++) {
                long at = (id.a() + i * id.b()) & (m - 1); // m is a power of two
                all = (bits[(int) (at >>> 6)] & (1L << at)) != 0;
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    /** Chunks added (a chunk added twice counts twice). */
    long added() {
        return added;
    }
}

package dev.imagegallery.replication.store.pack;

import dev.imagegallery.replication.store.ChunkId;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.function.Predicate;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * A {@link ChunkIndex} on the heap (about 110 bytes a chunk): what the Azure backend loads from its append blob. The
 * filesystem backend keeps its index on disk ({@code store.fs.RocksIndex}).
 */
public final class MemoryIndex implements ChunkIndex {
    private final Map<ChunkId, Loc> map = new ConcurrentHashMap<>();

    @Override
    public Loc get(ChunkId id) {
        return map.get(id);
    }

    @Override
    public void put(List<Map.Entry<ChunkId, Loc>> entries) {
        entries.forEach(e -> map.put(e.getKey(), e.getValue()));
    }

    /** One entry (loading a persisted index). */
    public void put(ChunkId id, Loc loc) {
        map.put(id, loc);
    }

    /** A copy of every entry (to persist them). */
    public List<Map.Entry<ChunkId, Loc>> entries() {
        return List.copyOf(map.entrySet());
    }

    @Override
    public void forEach(BiConsumer<ChunkId, Loc> each) {
        map.forEach(each);
    }

    @Override
    public long count() {
        return map.size();
    }

    @Override
    public long bytes() {
        return map.values().stream().mapToLong(Loc::length).sum();
    }

    @Override
    public Set<Integer> packs() {
        Set<Integer> out = new HashSet<>();
        map.values().forEach(l -> out.add(l.pack()));
        return out;
    }

    @Override
    public Marks marks() {
        return new HeapMarks();
    }

    @Override
    public Swept sweep(Marks live, Predicate<ChunkId> held, Lock guard) {
        Set<ChunkId> keep = ((HeapMarks) live).set;
        long n = 0;
        long bytes = 0;
        long visited = map.size();
        guard.lock(); // (on the heap: the whole walk at once)
        try {
            for (Iterator<Map.Entry<ChunkId, Loc>> it = map.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (!keep.contains(e.getKey()) && !held.test(e.getKey())) {
                    it.remove();
                    n++;
                    bytes += e.getValue().length();
                }
            }
        } finally {
            guard.unlock();
        }
        return new Swept(n, bytes, visited);
    }

    @Override
    public void close() {
        map.clear();
    }

    private static final class HeapMarks implements Marks {
        final Set<ChunkId> set = new HashSet<>();

        @Override
        public void mark(ChunkId id) {
            set.add(id);
        }

        @Override
        public void close() {
            set.clear();
        }
    }
}

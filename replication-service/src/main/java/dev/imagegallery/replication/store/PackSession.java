package dev.imagegallery.replication.store;

import dev.imagegallery.replication.store.FsChunkStore.Loc;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the two pack stores ({@link FsChunkStore}, {@link AzureBlobChunkStore}) share: the bookkeeping of a writer
 * session (chunks put but not yet indexed, chunks it relies on, the packs it wrote, the manifests it keeps alive) and
 * the mark phase of {@code collect()} that must spare all of it. Each store writes its packs its own way.
 */
abstract class PackSession implements ChunkStore.Session {
    private final Map<ChunkId, Loc> index;
    private final Map<ChunkId, Loc> pending = new LinkedHashMap<>();
    /** Chunks this session found stored and relies on: kept alive until it closes. */
    private final Set<ChunkId> pins = new HashSet<>();
    /**
     * Chunks this session committed, kept alive the same way: a list, since they are distinct already, and hashing
     * every chunk of an image into a set again showed in the copy's profile.
     */
    private final List<ChunkId> committedChunks = new ArrayList<>();
    private final List<Integer> packs = new ArrayList<>();
    private final Set<String> manifests = new HashSet<>();
    private final Set<Integer> committedPacks = new HashSet<>();

    PackSession(Map<ChunkId, Loc> index) {
        this.index = index;
    }

    @Override
    public boolean has(ChunkId id) {
        if (pending.containsKey(id)) {
            return true;
        }
        if (index.containsKey(id)) {
            synchronized (this) {
                pins.add(id);
            }
            return true;
        }
        return false;
    }

    @Override
    public synchronized void keep(String contentHex) {
        manifests.add(contentHex);
    }

    /** A chunk written to a pack, not indexed yet. */
    final synchronized void pend(ChunkId id, Loc loc) {
        pending.put(id, loc);
    }

    final boolean nothingPending() {
        return pending.isEmpty();
    }

    /** The chunks written since the last commit (for the store to index). */
    final Map<ChunkId, Loc> pending() {
        return pending;
    }

    /** A pack this session started writing. */
    final synchronized void started(int pack) {
        packs.add(pack);
    }

    /** The pending chunks are indexed now: their packs stay, and the chunks stay alive until the session closes. */
    final synchronized void committed() {
        pending.values().forEach(l -> committedPacks.add(l.pack()));
        committedChunks.addAll(pending.keySet());
        pending.clear();
    }

    /** Packs this session wrote that hold no indexed chunk (to delete when it closes). */
    final synchronized List<Integer> uncommittedPacks() {
        return packs.stream().filter(p -> !committedPacks.contains(p)).toList();
    }

    // ---- the mark phase of collect(), shared by the two stores ----

    /** The manifests refs name, and those open sessions keep alive. */
    static Set<String> liveManifests(Collection<String> named, Collection<? extends PackSession> open) {
        Set<String> live = new HashSet<>(named);
        for (PackSession s : open) {
            synchronized (s) {
                live.addAll(s.manifests);
            }
        }
        return live;
    }

    /** Adds the (non-zero) chunks a live manifest names. */
    static void markChunks(Manifest m, Set<ChunkId> live) {
        for (int i = 0; m != null && i < m.count(); i++) {
            if (!m.isZero(i)) {
                live.add(m.chunk(i));
            }
        }
    }

    /** Adds the chunks open sessions use or wrote; answers the packs they are writing. */
    static Set<Integer> markSessions(Collection<? extends PackSession> open, Set<ChunkId> live) {
        Set<Integer> writing = new HashSet<>();
        for (PackSession s : open) {
            synchronized (s) {
                live.addAll(s.pins);
                live.addAll(s.committedChunks);
                live.addAll(s.pending.keySet());
                writing.addAll(s.packs);
            }
        }
        return writing;
    }

    /** Drops from the index every chunk not live. */
    static Swept sweepIndex(Map<ChunkId, Loc> index, Set<ChunkId> live) {
        long dropped = 0;
        long freed = 0;
        for (Iterator<Map.Entry<ChunkId, Loc>> it = index.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!live.contains(e.getKey())) {
                it.remove();
                dropped++;
                freed += e.getValue().length();
            }
        }
        return new Swept(dropped, freed);
    }

    record Swept(long chunks, long bytes) {
    }
}

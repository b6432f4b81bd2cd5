package dev.imagegallery.replication.store.fs;

import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.Manifest;
import dev.imagegallery.replication.store.pack.ChunkIndex;
import dev.imagegallery.replication.store.pack.Loc;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.IndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.UInt64AddOperator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.WriteOptions;

/**
 * The chunk index of a filesystem store, in RocksDB under {@code {store}/index/}: column family {@code chunks}
 * (digest, 32 bytes, to pack, offset and length, 16 bytes), {@code packs} (per pack: live entries, their bytes, and
 * how much of the pack's directory the index holds, see {@link FsChunkStore}) and the default one (a marker that the
 * index is complete). Nothing per chunk is on the heap: lookups go through a bloom filter and a block cache in native
 * memory, shared by every store of the process and bounded ({@link #CACHE_BYTES}, memtables counted in it).
 *
 * <p>Opening reads no entry: RocksDB checks its MANIFEST, write-ahead log and table files (checksums, sizes), and an
 * index that fails them, or lacks its completion marker (a rebuild cut short), is reported by {@link #open} as null so
 * that the store rebuilds it from the packs.
 */
public final class RocksIndex implements ChunkIndex {
    /**
     * Native memory for every index of the process: blocks read (with index and filter blocks) and memtables
     * ({@code -Dgallery.store.index-cache-bytes}, default 64 MiB).
     */
    static final long CACHE_BYTES = Long.getLong("gallery.store.index-cache-bytes", 64L << 20);
    private static final Cache CACHE;
    private static final WriteBufferManager WRITE_BUFFERS;
    /**
     * The open indexes and the bytes of their active memtables after their last write. RocksDB's write buffer manager,
     * which all of them share, flushes a memtable of whichever index writes once the budget is nearly spent, even when
     * another, idle, holds most of it: a store that took a large upload and then rested made every small commit of a
     * store copying beside it a flush of its own (3,344 table files of a few hundred entries each in one burst of
     * 1,000 small versions, and the compactions that merged them again). So each write looks at the sum first and
     * flushes the largest holder's memtables well before the manager would flush the writer's
     * ({@link #FLUSH_LARGEST_AT}, 5/8 of the budget; the manager acts at 7/8, or at 1/2 while flushes are still
     * under way).
     */
    private static final Map<RocksIndex, Long> ACTIVE = new java.util.concurrent.ConcurrentHashMap<>();
    static final long FLUSH_LARGEST_AT = CACHE_BYTES / 2 * 5 / 8;
    /** A family whose active memtable is smaller than this is left to its next flush. */
    private static final long FLUSH_FAMILY_FROM = 1L << 20;
    /** Flushes the budget's rule has started in this process (RocksDB's log calls them "Manual Flush" too). */
    private static final LongAdder BUDGET_FLUSHES = new LongAdder();
    private static final byte[] CHUNKS = "chunks".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PACKS = "packs".getBytes(StandardCharsets.UTF_8);
    private static final byte[] MARKS = "marks".getBytes(StandardCharsets.UTF_8);
    private static final byte[] COUNTS = "counts".getBytes(StandardCharsets.UTF_8);
    private static final byte[] JOURNAL = "journal".getBytes(StandardCharsets.UTF_8);
    private static final byte[] LOCATIONS = "locations".getBytes(StandardCharsets.UTF_8);
    private static final byte[] COMPLETE = "complete".getBytes(StandardCharsets.UTF_8);
    /** In the default family: the reference counts are whole (a full collection counted them since the last rebuild). */
    private static final byte[] COUNTED = "counted".getBytes(StandardCharsets.UTF_8);
    /** What its owner notes beside the entries (the Azure store: which remote index, and how far, they hold). */
    private static final byte[] SOURCE = "source".getBytes(StandardCharsets.UTF_8);
    private static final byte[] EMPTY = new byte[0];
    /** Merge operands of the counts (RocksDB's {@code UInt64AddOperator}: 8 bytes, little-endian, wrapping). */
    private static final byte[] PLUS_ONE = le(1);
    private static final byte[] MINUS_ONE = le(-1);
    private static final byte[] ZERO = le(0);
    private static final int BATCH = 8192;

    static {
        RocksDB.loadLibrary();
        CACHE = new LRUCache(CACHE_BYTES, -1, false, 0.5);
        WRITE_BUFFERS = new WriteBufferManager(CACHE_BYTES / 2, CACHE);
    }

    private final Path dir;
    private DBOptions dbOptions;
    private Tuning tuning;
    private RocksDB db;
    private ColumnFamilyHandle meta;
    private ColumnFamilyHandle chunks;
    private ColumnFamilyHandle packsCf;
    /** Chunk digest to how many stored manifests name it (merged with {@code UInt64AddOperator}). */
    private ColumnFamilyHandle countsCf;
    /**
     * What the next collection visits: {@code 'b'} + a sequence number (8 bytes) to the digests (32 bytes each) of a
     * batch of chunks (a commit's, a dropped manifest's), {@code 'c'} + one chunk's digest (the few a full collection
     * journals, and every one in indexes written before the batches), {@code 'm'} + manifest content hex. One entry
     * per batch, not per chunk: a key per committed chunk was a second insert into RocksDB's memtable for each, and
     * ingest took some 20 % longer.
     */
    private ColumnFamilyHandle journalCf;
    /**
     * Pack (4 bytes) and offset (8 bytes) to the digest put there and its length, in an index made with them ({@link #create(Path,
     * boolean, boolean)}; null otherwise): the chunks in pack order, for a scrubber that reads packs it cannot list
     * (the Azure store). Written with every put; an entry whose chunk moved or went stays until the scrubber that walks
     * them finds it so and forgets it ({@link #forgetLocations}).
     */
    private ColumnFamilyHandle locationsCf;
    /** The next batch's sequence number in the journal (above every one there, read at open). */
    private final AtomicLong journalSeq = new AtomicLong();
    /** Whether puts journal their entries for the scrubber ({@link #journalFresh}). */
    private volatile boolean journalFresh;
    private final Counts counts = new Counts();
    private volatile boolean counted;
    private final WriteOptions write;
    private final WriteOptions sync;
    private final WriteOptions noWal;
    /** Per pack: live entries, their bytes, directory bytes indexed (a few thousand packs at most: 400 GiB). */
    private Map<Integer, long[]> packs = new HashMap<>();
    private final boolean durable;
    /**
     * Held (shared) by every call that uses RocksDB's handles, and exclusively by {@link #reopen()}, which replaces
     * them: a handle used after it is closed is a native crash, not an exception.
     */
    private final ReentrantReadWriteLock handles = new ReentrantReadWriteLock();
    /**
     * Set when a call failed. RocksDB stops writing after a write fails (the disk full under its write-ahead log) and
     * refuses every later write until it is resumed, which RocksJava cannot ask for: the next call reopens the index
     * (and reloads the pack counts the failed write may have changed in memory). Without it a disk that filled for a
     * moment left the store unable to commit until the service restarted ({@code IndexDiskFullTest}).
     */
    private volatile boolean failed;
    private long count;
    private long bytes;
    /** Set once by {@link #close()}: RocksDB's handles must not be used after (a native crash, not an exception). */
    private volatile boolean closed;

    /** {@code handles}: the default family, chunks, packs, counts, journal. */
    private RocksIndex(Path dir, DBOptions dbOptions, Tuning tuning, RocksDB db, List<ColumnFamilyHandle> handles,
                       boolean durable) {
        this.dir = dir;
        this.durable = durable;
        this.dbOptions = dbOptions;
        this.tuning = tuning;
        this.db = db;
        this.meta = handles.get(0);
        this.chunks = handles.get(1);
        this.packsCf = handles.get(2);
        this.countsCf = handles.get(3);
        this.journalCf = handles.get(4);
        this.locationsCf = handles.size() > 5 ? handles.get(5) : null;
        this.write = new WriteOptions(); // the pack directories make a commit durable: see FsChunkStore
        this.sync = new WriteOptions().setSync(durable);
        this.noWal = new WriteOptions().setDisableWAL(true);
    }

    /**
     * The column families' options: {@code plain} for the small families, {@code chunks} for the one looked up per
     * chunk, {@code counts} with the merge operator. Only the chunks' memtables keep a Bloom filter, as only they are
     * asked for keys that are mostly absent; it is allocated whole with each memtable, so it is kept small: 0.02 of the
     * write buffer (328 KiB, about 13 bits for each of the 200,000 entries a full memtable holds). At 0.1 and in every
     * family, an index with a few entries in each held 7 MiB of the budget all indexes share.
     */
    private record Tuning(ColumnFamilyOptions plain, ColumnFamilyOptions chunks, ColumnFamilyOptions counts) {
        static Tuning make() {
            return new Tuning(cfOptions(), cfOptions().setMemtablePrefixBloomSizeRatio(0.02)
                    .setMemtableWholeKeyFiltering(true), cfOptions().setMergeOperator(new UInt64AddOperator()));
        }

        void close() {
            plain.close();
            chunks.close();
            counts.close();
        }
    }

    private static ColumnFamilyOptions cfOptions() {
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                .setBlockCache(CACHE)
                .setFilterPolicy(new BloomFilter(10, false))
                .setCacheIndexAndFilterBlocks(true)
                .setCacheIndexAndFilterBlocksWithHighPriority(true)
                .setPinL0FilterAndIndexBlocksInCache(true)
                .setIndexType(IndexType.kTwoLevelIndexSearch)
                .setPartitionFilters(true)
                .setPinTopLevelIndexAndFilter(true);
        return new ColumnFamilyOptions()
                .setTableFormatConfig(table)
                .setWriteBufferSize(16L << 20)
                .setCompressionType(CompressionType.NO_COMPRESSION) // digests do not compress; reads skip a step
                .setLevelCompactionDynamicLevelBytes(true);
    }

    private static byte[] le(long v) {
        return ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    private static long fromLe(byte[] v) {
        return v == null || v.length != 8 ? 0 : ByteBuffer.wrap(v).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static boolean has(List<byte[]> families, byte[] name) {
        return families.stream().anyMatch(f -> Arrays.equals(f, name));
    }

    private static DBOptions dbOptions(boolean create) {
        return new DBOptions()
                .setCreateIfMissing(create)
                .setCreateMissingColumnFamilies(create)
                .setParanoidChecks(true)
                .setSkipCheckingSstFileSizesOnDbOpen(false)
                .setSkipStatsUpdateOnDbOpen(true)
                .setWriteBufferManager(WRITE_BUFFERS)
                .setMaxTotalWalSize(64L << 20)
                .setMaxBackgroundJobs(2)
                .setMaxOpenFiles(512)
                .setKeepLogFileNum(2);
    }

    /**
     * Opens the index in {@code dir}: null when it is missing, incomplete or fails RocksDB's checks (the caller then
     * rebuilds it with {@link #create}). Another process holding it is an IOException.
     */
    public static RocksIndex open(Path dir, boolean durable) throws IOException {
        if (!Files.exists(dir.resolve("CURRENT"))) {
            return null;
        }
        DBOptions dbo = dbOptions(false);
        Tuning tuning = Tuning.make();
        ColumnFamilyOptions cfo = tuning.plain();
        ColumnFamilyOptions co = tuning.counts();
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        RocksDB db;
        boolean recount;
        try {
            List<byte[]> families;
            try (Options o = new Options()) {
                families = RocksDB.listColumnFamilies(o, dir.toString());
            }
            List<ColumnFamilyDescriptor> cfs = new ArrayList<>();
            cfs.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfo));
            cfs.add(new ColumnFamilyDescriptor(CHUNKS, tuning.chunks()));
            cfs.add(new ColumnFamilyDescriptor(PACKS, cfo));
            boolean hasCounts = has(families, COUNTS);
            boolean hasJournal = has(families, JOURNAL);
            if (hasCounts) {
                cfs.add(new ColumnFamilyDescriptor(COUNTS, co));
            }
            if (hasJournal) {
                cfs.add(new ColumnFamilyDescriptor(JOURNAL, cfo));
            }
            if (has(families, LOCATIONS)) {
                if (!hasJournal) { // made together: such an index is not one of ours
                    dbo.close();
                    tuning.close();
                    return null;
                }
                cfs.add(new ColumnFamilyDescriptor(LOCATIONS, cfo));
            }
            boolean marks = has(families, MARKS);
            if (marks) {
                cfs.add(new ColumnFamilyDescriptor(MARKS, co)); // left by a collection cut short
            }
            if (families.size() != cfs.size()) {
                dbo.close();
                tuning.close();
                return null;
            }
            db = RocksDB.open(dbo, dir.toString(), cfs, handles);
            if (marks) {
                db.dropColumnFamily(handles.get(handles.size() - 1));
                handles.remove(handles.size() - 1).close();
            }
            // an index of before the counts (or one cut short creating them): they are counted at the next collection
            recount = !hasCounts || !hasJournal;
            if (!hasCounts) {
                handles.add(3, db.createColumnFamily(new ColumnFamilyDescriptor(COUNTS, co)));
            }
            if (!hasJournal) {
                handles.add(db.createColumnFamily(new ColumnFamilyDescriptor(JOURNAL, cfo)));
            }
        } catch (RocksDBException e) {
            handles.forEach(ColumnFamilyHandle::close);
            dbo.close();
            tuning.close();
            if (locked(e)) {
                throw new IOException("the chunk index " + dir + " is open in another process: " + e.getMessage(), e);
            }
            return null;
        }
        RocksIndex index = new RocksIndex(dir, dbo, tuning, db, handles, durable);
        try {
            if (db.get(index.meta, COMPLETE) == null) {
                index.close();
                return null;
            }
            if (recount) {
                db.delete(index.meta, index.sync, COUNTED);
            }
            index.counted = db.get(index.meta, COUNTED) != null;
            index.loadPacks();
            index.loadJournalSeq();
            return index;
        } catch (RocksDBException | RuntimeException e) {
            index.close();
            return null;
        }
    }

    private static boolean locked(RocksDBException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("lock") || m.contains("Resource temporarily unavailable");
    }

    /** A new, empty index in {@code dir} (deleting whatever is there); {@link #complete()} it when it is filled. */
    public static RocksIndex create(Path dir, boolean durable) throws IOException {
        return create(dir, durable, false);
    }

    /** {@link #create(Path, boolean)}, keeping the chunks in pack order too when {@code locations} ({@link #locates}). */
    public static RocksIndex create(Path dir, boolean durable, boolean locations) throws IOException {
        FsChunkStore.deleteTree(dir);
        DBOptions dbo = dbOptions(true);
        Tuning tuning = Tuning.make();
        ColumnFamilyOptions cfo = tuning.plain();
        ColumnFamilyOptions co = tuning.counts();
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            List<ColumnFamilyDescriptor> cfs = new ArrayList<>(List.of(
                    new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfo),
                    new ColumnFamilyDescriptor(CHUNKS, tuning.chunks()), new ColumnFamilyDescriptor(PACKS, cfo),
                    new ColumnFamilyDescriptor(COUNTS, co), new ColumnFamilyDescriptor(JOURNAL, cfo)));
            if (locations) {
                cfs.add(new ColumnFamilyDescriptor(LOCATIONS, cfo));
            }
            RocksDB db = RocksDB.open(dbo, dir.toString(), cfs, handles);
            return new RocksIndex(dir, dbo, tuning, db, handles, durable); // not counted: a full collection counts
        } catch (RocksDBException e) {
            handles.forEach(ColumnFamilyHandle::close);
            dbo.close();
            tuning.close();
            throw new IOException("cannot create the chunk index " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Marks a filled index complete: everything so far is flushed to table files, then the marker is written. */
    public void complete() throws IOException {
        try (FlushOptions f = new FlushOptions().setWaitForFlush(true)) {
            db.flush(f, List.of(chunks, packsCf, countsCf, journalCf));
            db.put(meta, sync, COMPLETE, new byte[] {1});
        } catch (RocksDBException e) {
            throw io("complete", e);
        }
    }

    /** The reference counts are whole (an index created for a store with no chunk yet). */
    void counted() throws IOException {
        Lock entered = enter();
        try {
            try {
                db.put(meta, sync, COUNTED, new byte[] {1});
                counted = true;
            } catch (RocksDBException e) {
                throw io("write", e);
            }
        } finally {
            entered.unlock();
        }
    }

    private void loadPacks() {
        try (RocksIterator it = db.newIterator(packsCf)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                ByteBuffer v = ByteBuffer.wrap(it.value());
                long[] s = {v.getLong(), v.getLong(), v.getLong()};
                packs.put(ByteBuffer.wrap(it.key()).getInt(), s);
                count += s[0];
                bytes += s[1];
            }
        }
    }

    private void loadJournalSeq() throws RocksDBException {
        try (RocksIterator it = db.newIterator(journalCf)) {
            for (byte kind : new byte[] {'b', 'f'}) { // the batches for collections, and for the scrubber
                it.seekForPrev(new byte[] {(byte) (kind + 1)});
                if (it.isValid() && it.key()[0] == kind && it.key().length == 9) {
                    journalSeq.accumulateAndGet(ByteBuffer.wrap(it.key(), 1, 8).getLong() + 1, Math::max);
                }
            }
            it.status();
        }
    }

    /**
     * Makes every later (not bulk) {@link #put} journal its entries for the scrubber too: {@code 'f'} + a sequence
     * number to the part's entries (digest, pack, offset, length: 48 bytes each), in the same atomic write. A store
     * whose packs carry no directory of their own to scan (the Azure store) reads what changed since its last scrub
     * pass from them ({@link #fresh}), rather than read every chunk.
     */
    public void journalFresh(boolean on) {
        journalFresh = on;
    }

    /** One entry of the scrubber's journal: its sequence number and the entries one put committed. */
    public record Fresh(long seq, List<Map.Entry<ChunkId, Loc>> entries) {
    }

    /** The first entry of the scrubber's journal after sequence number {@code after} (-1: the first); null: none. */
    public Fresh fresh(long after) throws IOException {
        Lock entered = enter();
        try (RocksIterator it = db.newIterator(journalCf)) {
            it.seek(ByteBuffer.allocate(9).put((byte) 'f').putLong(Math.max(0, after + 1)).array());
            if (!it.isValid() || it.key()[0] != 'f' || it.key().length != 9) {
                it.status();
                return null;
            }
            ByteBuffer v = ByteBuffer.wrap(it.value());
            List<Map.Entry<ChunkId, Loc>> out = new ArrayList<>(v.remaining() / 48);
            while (v.remaining() >= 48) {
                ChunkId id = ChunkId.read(v);
                out.add(Map.entry(id, new Loc(v.getInt(), v.getLong(), v.getInt())));
            }
            return new Fresh(ByteBuffer.wrap(it.key(), 1, 8).getLong(), out);
        } catch (RocksDBException e) {
            throw io("read", e);
        } finally {
            entered.unlock();
        }
    }

    /** Whether the index keeps its chunks in pack order too (made so: {@link #create(Path, boolean, boolean)}). */
    public boolean locates() {
        return locationsCf != null;
    }

    /** The key of a place in the locations: pack, then offset (big-endian: pack order). */
    public static byte[] locationKey(Loc loc) {
        return ByteBuffer.allocate(12).putInt(loc.pack()).putLong(loc.offset()).array();
    }

    /**
     * Up to {@code max} chunks in pack order after place {@code key} ({@link #locationKey}; null: from the first), each
     * with the place it was put at: the caller checks that the index still names it there ({@link #getAll}) and
     * forgets the places that are stale ({@link #forgetLocations}). Read a part at a time (nothing held between).
     */
    public List<Map.Entry<ChunkId, Loc>> locatedAfter(byte[] key, int max) throws IOException {
        Lock entered = enter();
        try (ReadOptions ro = new ReadOptions().setFillCache(false);
             RocksIterator it = db.newIterator(locationsCf, ro)) {
            List<Map.Entry<ChunkId, Loc>> out = new ArrayList<>(Math.min(max, 4096));
            seekAfter(it, key);
            for (; it.isValid() && out.size() < max; it.next()) {
                ByteBuffer k = ByteBuffer.wrap(it.key());
                ByteBuffer v = ByteBuffer.wrap(it.value());
                ChunkId id = ChunkId.read(v);
                out.add(Map.entry(id, new Loc(k.getInt(), k.getLong(), v.getInt())));
            }
            it.status();
            return out;
        } catch (RocksDBException e) {
            throw io("read", e);
        } finally {
            entered.unlock();
        }
    }

    /** Forgets places whose chunk is no longer there (collected, or moved by a repair): found by the scrubber. */
    public void forgetLocations(List<Loc> stale) throws IOException {
        if (stale.isEmpty() || locationsCf == null) {
            return;
        }
        Lock entered = enter();
        try (WriteBatch b = new WriteBatch()) {
            for (Loc l : stale) {
                b.delete(locationsCf, locationKey(l));
            }
            db.write(write, b);
        } catch (RocksDBException e) {
            throw io("write", e);
        } finally {
            entered.unlock();
        }
    }

    private static void seekAfter(RocksIterator it, byte[] key) {
        if (key == null) {
            it.seekToFirst();
        } else {
            it.seek(key);
            if (it.isValid() && Arrays.equals(it.key(), key)) {
                it.next();
            }
        }
    }

    /** A new batch entry of the journal (key, value) naming {@code keys} (chunk digests); null when there are none. */
    private byte[][] journalBatch(List<byte[]> keys) {
        if (keys.isEmpty()) {
            return null;
        }
        byte[] k = ByteBuffer.allocate(9).put((byte) 'b').putLong(journalSeq.getAndIncrement()).array();
        byte[] v = new byte[32 * keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            System.arraycopy(keys.get(i), 0, v, 32 * i, 32);
        }
        return new byte[][] {k, v};
    }

    private static byte[] freshKey(long seq) {
        return ByteBuffer.allocate(9).put((byte) 'f').putLong(seq).array();
    }

    /**
     * The entries in pack order ({@code byPlace}, their {@link #packOrder}: a put writes them in key order), as the
     * scrubber reads their packs; 48 bytes each: digest, pack, offset, length.
     */
    private static byte[] freshValue(List<Map.Entry<ChunkId, Loc>> entries, int[] byPlace) {
        ByteBuffer v = ByteBuffer.allocate(48 * entries.size());
        for (int i : byPlace) {
            var e = entries.get(i);
            e.getKey().write(v);
            v.putInt(e.getValue().pack()).putLong(e.getValue().offset()).putInt(e.getValue().length());
        }
        return v.array();
    }

    /** The positions of {@code entries} in pack order (stable: equal places keep their order). */
    private static int[] packOrder(List<Map.Entry<ChunkId, Loc>> entries) {
        Integer[] byPlace = new Integer[entries.size()];
        Arrays.setAll(byPlace, i -> i);
        Arrays.sort(byPlace, java.util.Comparator.comparing(i -> entries.get(i).getValue(), Loc.ORDER));
        return Arrays.stream(byPlace).mapToInt(Integer::intValue).toArray();
    }

    /** The journal's key of one chunk. */
    private static byte[] journalKey(byte[] chunkKey) {
        byte[] k = new byte[33];
        k[0] = 'c';
        System.arraycopy(chunkKey, 0, k, 1, 32);
        return k;
    }

    /** The journal's key of a manifest. */
    private static byte[] journalKey(String contentHex) {
        return ("m" + contentHex).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] key(ChunkId id) {
        ByteBuffer b = ByteBuffer.allocate(32);
        id.write(b);
        return b.array();
    }

    private static byte[] value(Loc loc) {
        return ByteBuffer.allocate(16).putInt(loc.pack()).putLong(loc.offset()).putInt(loc.length()).array();
    }

    private static Loc loc(byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v);
        return new Loc(b.getInt(), b.getLong(), b.getInt());
    }

    private static byte[] packKey(int pack) {
        return ByteBuffer.allocate(4).putInt(pack).array();
    }

    @Override
    public Loc get(ChunkId id) throws IOException {
        Lock entered = enter();
        try {
            try {
                byte[] v = db.get(chunks, key(id));
                return v == null ? null : loc(v);
            } catch (RocksDBException e) {
                throw io("read", e);
            }
        } finally {
            entered.unlock();
        }
    }

    @Override
    public Loc[] getAll(List<ChunkId> ids) throws IOException {
        Lock entered = enter();
        try {
            List<byte[]> keys = new ArrayList<>(ids.size());
            List<ColumnFamilyHandle> cfs = new ArrayList<>(ids.size());
            for (ChunkId id : ids) {
                keys.add(key(id));
                cfs.add(chunks);
            }
            try {
                List<byte[]> got = db.multiGetAsList(cfs, keys);
                Loc[] out = new Loc[ids.size()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = got.get(i) == null ? null : loc(got.get(i));
                }
                return out;
            } catch (RocksDBException e) {
                throw io("read", e);
            }
        } finally {
            entered.unlock();
        }
    }

    @Override
    public void put(List<Map.Entry<ChunkId, Loc>> entries) throws IOException {
        put(entries, Map.of(), false);
    }

    /**
     * Adds entries and records, in the same atomic write, how far each pack's directory is now indexed
     * ({@code dirEnds}), so that opening replays only what lies beyond. {@code bulk}: no write-ahead log (a rebuild,
     * which {@link #complete()} makes durable).
     */
    synchronized void put(List<Map.Entry<ChunkId, Loc>> entries, Map<Integer, Long> dirEnds, boolean bulk)
            throws IOException {
        put(entries, dirEnds, bulk, null);
    }

    /**
     * Adds entries (journalled for the next collection unless {@code bulk}: a rebuild, made durable by
     * {@link #complete()}) and, in the same atomic write as the last of them, {@code source} as {@link #source()}
     * (unless null).
     */
    public void put(List<Map.Entry<ChunkId, Loc>> entries, boolean bulk, byte[] source) throws IOException {
        put(entries, Map.of(), bulk, source);
    }

    private synchronized void put(List<Map.Entry<ChunkId, Loc>> entries, Map<Integer, Long> dirEnds, boolean bulk,
                                  byte[] source) throws IOException {
        Lock entered = enter();
        try {
            // in key order (stable: of two entries for one chunk the later still wins): RocksDB's skip list inserts a
            // key beside the one before it cheaply, and a random key costs a search from the top (measured below)
            entries = new ArrayList<>(entries);
            entries.sort(Map.Entry.comparingByKey(ChunkId.ORDER));
            try {
                for (int from = 0; from == 0 || from < entries.size(); from += BATCH) { // once at least: dirEnds
                    List<Map.Entry<ChunkId, Loc>> part = entries.subList(from, Math.min(entries.size(), from + BATCH));
                    List<byte[]> keys = new ArrayList<>(part.size());
                    for (var e : part) {
                        keys.add(key(e.getKey()));
                    }
                    List<byte[]> before = keys.isEmpty() ? List.of()
                            : db.multiGetAsList(java.util.Collections.nCopies(keys.size(), chunks), keys);
                    Map<ChunkId, Loc> replaced = new HashMap<>();
                    Set<Integer> touched = new HashSet<>();
                    Rep batch = new Rep(part.size());
                    for (int i = 0; i < part.size(); i++) {
                        Loc loc = part.get(i).getValue();
                        ChunkId id = part.get(i).getKey();
                        Loc old = replaced.containsKey(id) ? replaced.get(id)
                                : before.get(i) == null ? null : loc(before.get(i));
                        if (old != null) {
                            account(old, -1, touched);
                        }
                        account(loc, 1, touched);
                        replaced.put(id, loc);
                        batch.put(chunks.getID(), keys.get(i), value(loc));
                    }
                    byte[][] journal = bulk ? null : journalBatch(keys);
                    boolean fresh = journal != null && journalFresh;
                    int[] byPlace = locationsCf != null || fresh ? packOrder(part) : null;
                    if (locationsCf != null) { // in pack order, for the same reason
                        for (int i : byPlace) {
                            Loc loc = part.get(i).getValue();
                            byte[] v = Arrays.copyOf(keys.get(i), 36); // the digest, then the length
                            ByteBuffer.wrap(v, 32, 4).putInt(loc.length());
                            batch.put(locationsCf.getID(), locationKey(loc), v);
                        }
                    }
                    if (journal != null) { // committed: the next collection looks whether any manifest names them
                        batch.put(journalCf.getID(), journal[0], journal[1]);
                        if (fresh) { // and the next scrub pass reads them
                            batch.put(journalCf.getID(), freshKey(journalSeq.getAndIncrement()),
                                    freshValue(part, byPlace));
                        }
                    }
                    boolean last = from + BATCH >= entries.size();
                    if (last) {
                        dirEnds.forEach((p, end) -> {
                            stats(p)[2] = Math.max(stats(p)[2], end);
                            touched.add(p);
                        });
                    }
                    for (int p : touched) {
                        batch.put(packsCf.getID(), packKey(p), packValue(stats(p)));
                    }
                    if (last && source != null) {
                        batch.put(meta.getID(), SOURCE, source);
                    }
                    try (WriteBatch b = batch.batch()) {
                        db.write(bulk ? noWal : write, b);
                    }
                }
            } catch (RocksDBException e) {
                throw io("write", e);
            }
            wrote();
        } finally {
            entered.unlock();
        }
    }

    /**
     * After a write (the handles entered): notes this index's active memtables and, when all indexes together hold
     * more than {@link #FLUSH_LARGEST_AT}, starts a flush of the largest holder's (see {@link #ACTIVE}).
     */
    private void wrote() {
        ACTIVE.put(this, active());
        long total = 0;
        long most = 0;
        RocksIndex largest = null;
        for (Map.Entry<RocksIndex, Long> e : ACTIVE.entrySet()) {
            total += e.getValue();
            if (e.getValue() > most) {
                most = e.getValue();
                largest = e.getKey();
            }
        }
        if (total > FLUSH_LARGEST_AT && most >= 2 * FLUSH_FAMILY_FROM) { // else many small ones: RocksDB's own rule
            largest.flushSoon();
        }
    }

    /** This index's active memtables in bytes (RocksDB's accounting: arenas and filters); 0 if it cannot tell. */
    private long active() {
        try {
            return db.getAggregatedLongProperty("rocksdb.cur-size-active-mem-table");
        } catch (RocksDBException e) {
            return 0;
        }
    }

    /**
     * Switches this index's larger active memtables (at least the largest) to be flushed by RocksDB's background
     * threads, without waiting for them. Called from another index's write as well: it takes no monitor, and gives up
     * when the index is being reopened or closed.
     */
    private void flushSoon() {
        Lock entered = handles.readLock();
        if (!entered.tryLock()) {
            return;
        }
        try {
            if (closed) {
                return;
            }
            List<ColumnFamilyHandle> families = new ArrayList<>(List.of(meta, chunks, packsCf, countsCf, journalCf));
            if (locationsCf != null) {
                families.add(locationsCf);
            }
            long[] sizes = new long[families.size()];
            long most = 0;
            for (int i = 0; i < sizes.length; i++) {
                sizes[i] = db.getLongProperty(families.get(i), "rocksdb.cur-size-active-mem-table");
                most = Math.max(most, sizes[i]);
            }
            List<ColumnFamilyHandle> flush = new ArrayList<>();
            for (int i = 0; i < sizes.length; i++) {
                if (sizes[i] > 0 && sizes[i] >= Math.min(most, FLUSH_FAMILY_FROM)) {
                    flush.add(families.get(i));
                }
            }
            if (!flush.isEmpty()) {
                try (FlushOptions f = new FlushOptions().setWaitForFlush(false).setAllowWriteStall(true)) {
                    db.flush(f, flush);
                }
                BUDGET_FLUSHES.increment();
            }
            ACTIVE.put(this, active());
        } catch (RocksDBException e) {
            // left to RocksDB's own flushes; a write that fails on it reopens the index
        } finally {
            entered.unlock();
        }
    }

    private long[] stats(int pack) {
        return packs.computeIfAbsent(pack, p -> new long[3]);
    }

    private void account(Loc loc, int sign, Set<Integer> touched) {
        long[] s = stats(loc.pack());
        s[0] += sign;
        s[1] += sign * (long) loc.length();
        count += sign;
        bytes += sign * (long) loc.length();
        touched.add(loc.pack());
    }

    private static byte[] packValue(long[] s) {
        return ByteBuffer.allocate(24).putLong(s[0]).putLong(s[1]).putLong(s[2]).array();
    }

    /** What was last noted with {@link #put(List, boolean, byte[])} or {@link #source(byte[])}; null if nothing. */
    public byte[] source() throws IOException {
        Lock entered = enter();
        try {
            return db.get(meta, SOURCE);
        } catch (RocksDBException e) {
            throw io("read", e);
        } finally {
            entered.unlock();
        }
    }

    /** Notes {@code source} (durably) without entries: the owner's source changed (a new remote generation). */
    public synchronized void source(byte[] source) throws IOException {
        Lock entered = enter();
        try {
            db.put(meta, sync, SOURCE, source);
        } catch (RocksDBException e) {
            throw io("write", e);
        } finally {
            entered.unlock();
        }
    }

    /** How many bytes of pack {@code pack}'s directory the index holds. */
    synchronized long dirIndexed(int pack) {
        long[] s = packs.get(pack);
        return s == null ? 0 : s[2];
    }

    /** Forgets a deleted pack (its entries are gone already). */
    synchronized void forget(int pack) throws IOException {
        Lock entered = enter();
        try {
            if (packs.remove(pack) != null) {
                try {
                    db.delete(packsCf, sync, packKey(pack));
                } catch (RocksDBException e) {
                    throw io("write", e);
                }
            }
        } finally {
            entered.unlock();
        }
    }

    @Override
    public void forEach(BiConsumer<ChunkId, Loc> each) throws IOException {
        Lock entered = enter();
        try {
            Snapshot snap = db.getSnapshot();
            try (ReadOptions ro = new ReadOptions().setSnapshot(snap).setFillCache(false);
                 RocksIterator it = db.newIterator(chunks, ro)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    each.accept(ChunkId.read(ByteBuffer.wrap(it.key())), loc(it.value()));
                }
                it.status();
            } catch (RocksDBException e) {
                throw io("read", e);
            } finally {
                db.releaseSnapshot(snap);
            }
        } finally {
            entered.unlock();
        }
    }

    @Override
    public synchronized long count() {
        return count;
    }

    @Override
    public synchronized long bytes() {
        return bytes;
    }

    @Override
    public synchronized Set<Integer> packs() {
        Set<Integer> out = new HashSet<>();
        packs.forEach((p, s) -> {
            if (s[0] > 0) {
                out.add(p);
            }
        });
        return out;
    }

    /** Every pack the index knows of, with its directory bytes indexed (for replaying directories at open). */
    synchronized Map<Integer, Long> known() {
        Map<Integer, Long> out = new TreeMap<>();
        packs.forEach((p, s) -> out.put(p, s[2]));
        return out;
    }

    /** Marks in a column family of their own (no write-ahead log: a cut-short collection's marks are dropped). */
    @Override
    public Marks marks() throws IOException {
        Lock entered = enter();
        try {
            try {
                return new DiskMarks(db.createColumnFamily(new ColumnFamilyDescriptor(MARKS, tuning.counts())));
            } catch (RocksDBException e) {
                throw io("mark", e);
            }
        } finally {
            entered.unlock();
        }
    }

    /**
     * Walks the entries and the marks together, both in key order (one pass over each, no lookups), deleting the
     * unmarked entries in batches with the pack counts they change, synced before the packs they free are deleted.
     * It counts the references again as it goes: the counts and the journal are cleared first (with the marker that
     * they are whole), each marked entry gets the references its marks counted, one that no manifest names (an open
     * session holds it) is journalled, and the marker is written last, so a sweep cut short leaves the next
     * collection a full one again.
     */
    @Override
    public synchronized Swept sweep(Marks live, Predicate<ChunkId> held, Lock guard) throws IOException {
        Lock entered = enter();
        try {
            DiskMarks marks = (DiskMarks) live;
            long n = 0;
            long freed = 0;
            long visited = 0;
            try {
                marks.flush();
                counted = false;
                db.delete(meta, sync, COUNTED);
                byte[] top = new byte[34];
                Arrays.fill(top, (byte) 0xff);
                db.deleteRange(countsCf, sync, EMPTY, top);
                db.deleteRange(journalCf, sync, new byte[] {'b'}, new byte[] {'d'});
                db.deleteRange(journalCf, sync, new byte[] {'m'}, new byte[] {'n'}); // the scrubber's 's' entries stay
                Snapshot snap = db.getSnapshot();
                try (ReadOptions ro = new ReadOptions().setSnapshot(snap).setFillCache(false);
                     ReadOptions mo = new ReadOptions().setFillCache(false);
                     RocksIterator it = db.newIterator(chunks, ro);
                     RocksIterator m = db.newIterator(marks.cf, mo)) {
                    m.seekToFirst();
                    try (Batches b = new Batches(guard)) {
                        for (it.seekToFirst(); it.isValid(); it.next()) {
                            visited++;
                            byte[] k = it.key();
                            while (m.isValid() && Arrays.compareUnsigned(m.key(), k) < 0) {
                                m.next();
                            }
                            if (m.isValid() && Arrays.equals(m.key(), k)) {
                                long refs = fromLe(m.value());
                                if (refs > 0) {
                                    b.batch.put(countsCf, k, le(refs));
                                } else {
                                    b.batch.put(journalCf, journalKey(k), EMPTY);
                                }
                            } else if (held.test(ChunkId.read(ByteBuffer.wrap(k)))) { // an open session's: no reference
                                b.batch.put(journalCf, journalKey(k), EMPTY);
                            } else {
                                Loc loc = loc(it.value());
                                b.batch.delete(chunks, k);
                                account(loc, -1, b.touched);
                                n++;
                                freed += loc.length();
                            }
                            if (b.batch.count() >= BATCH) {
                                b.next();
                            }
                        }
                        it.status();
                        m.status();
                        b.commit();
                    }
                } finally {
                    db.releaseSnapshot(snap);
                }
                db.put(meta, sync, COUNTED, new byte[] {1});
                counted = true;
            } catch (RocksDBException e) {
                throw io("sweep", e);
            }
            return new Swept(n, freed, visited);
        } finally {
            entered.unlock();
        }
    }

    @Override
    public RefCounts counts() {
        return counts;
    }

    /**
     * The manifests a scrub pass checks: the live ones stored since the last pass, and {@code fraction} of the live
     * ones (all, at 1 or more) from the cursor the last pass left; {@code stored} and {@code cursor} go to
     * {@link #scrubbed} (as state {@code "manifest"}) once the pass is done.
     */
    public record ManifestSlice(List<String> check, List<String> stored, byte[] cursor) {
    }

    /** {@link ManifestSlice} of {@code live} (the contents the store's refs name). */
    public ManifestSlice manifestSlice(java.util.Collection<String> live, double fraction) throws IOException {
        java.util.TreeSet<String> sorted = new java.util.TreeSet<>(live);
        List<String> stored = manifestsToScrub();
        java.util.LinkedHashSet<String> check = new java.util.LinkedHashSet<>();
        stored.stream().filter(sorted::contains).forEach(check::add);
        long n = fraction >= 1 ? sorted.size() : (long) Math.ceil(sorted.size() * fraction);
        byte[] mc = scrubState("manifest");
        String at = mc == null ? "" : new String(mc, StandardCharsets.UTF_8);
        for (long i = 0; i < n && !sorted.isEmpty(); i++) {
            String next = sorted.higher(at);
            at = next != null ? next : sorted.first();
            check.add(at);
        }
        return new ManifestSlice(List.copyOf(check), stored, at.getBytes(StandardCharsets.UTF_8));
    }

    /** The manifests stored since the scrubber last looked ({@code 's'} entries of the journal). */
    List<String> manifestsToScrub() throws IOException {
        return manifestsJournalled('s');
    }

    /** The manifests journalled under {@code kind} ({@code 'm'}: for a collection, {@code 's'}: for the scrubber). */
    private List<String> manifestsJournalled(char kind) throws IOException {
        Lock entered = enter();
        try {
            List<String> out = new ArrayList<>();
            try (RocksIterator it = db.newIterator(journalCf)) {
                for (it.seek(new byte[] {(byte) kind}); it.isValid() && it.key()[0] == kind; it.next()) {
                    out.add(new String(it.key(), 1, it.key().length - 1, StandardCharsets.UTF_8));
                }
                it.status();
            } catch (RocksDBException e) {
                throw io("read", e);
            }
            return out;
        } finally {
            entered.unlock();
        }
    }

    /** The scrubber's state: what the last pass reached (null: no pass yet). */
    public byte[] scrubState(String name) throws IOException {
        Lock entered = enter();
        try {
            try {
                return db.get(meta, ("scrub-" + name).getBytes(StandardCharsets.UTF_8));
            } catch (RocksDBException e) {
                throw io("read", e);
            }
        } finally {
            entered.unlock();
        }
    }

    /** Saves the scrubber's state and forgets the manifests it checked, in one write. */
    void scrubbed(Map<String, byte[]> state, List<String> manifests) throws IOException {
        scrubbed(state, manifests, -1);
    }

    /**
     * Saves the scrubber's state and forgets, in one write, the manifests it checked and its journal's entries up to
     * sequence number {@code freshUpTo} (-1: none).
     */
    public void scrubbed(Map<String, byte[]> state, List<String> manifests, long freshUpTo) throws IOException {
        Lock entered = enter();
        try {
            try (WriteBatch b = new WriteBatch()) {
                for (var e : state.entrySet()) {
                    b.put(meta, ("scrub-" + e.getKey()).getBytes(StandardCharsets.UTF_8), e.getValue());
                }
                for (String hex : manifests) {
                    b.delete(journalCf, ("s" + hex).getBytes(StandardCharsets.UTF_8));
                }
                if (freshUpTo >= 0) {
                    b.deleteRange(journalCf, freshKey(0), freshKey(freshUpTo + 1));
                }
                db.write(sync, b);
            } catch (RocksDBException e) {
                throw io("write", e);
            }
        } finally {
            entered.unlock();
        }
    }

    /** Chunks (each mention in a batch entry) and manifests journalled for collections: what the next one visits. */
    long journalled() throws IOException {
        Lock entered = enter();
        try {
            long n = 0;
            try (RocksIterator it = db.newIterator(journalCf)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    byte kind = it.key()[0];
                    n += kind == 'b' ? it.value().length / 32 : kind == 'c' || kind == 'm' ? 1 : 0;
                }
                it.status();
            } catch (RocksDBException e) {
                throw io("read", e);
            }
            return n;
        } finally {
            entered.unlock();
        }
    }

    /** How many stored manifests name {@code id}, as counted (tests look at it). */
    long references(ChunkId id) throws IOException {
        Lock entered = enter();
        try {
            try {
                return fromLe(db.get(countsCf, key(id)));
            } catch (RocksDBException e) {
                throw io("read", e);
            }
        } finally {
            entered.unlock();
        }
    }

    /** {@link RefCounts} in the families {@code counts} and {@code journal}. */
    private final class Counts implements RefCounts {
        @Override
        public boolean valid() {
            return counted;
        }

        @Override
        public void manifestStored(Manifest m) throws IOException {
            Lock entered = enter();
            try {
                // in parts (a 16 GiB image names 4 million chunks); the synced last write makes the earlier ones durable
                // with it (one write-ahead log), and a crash before it leaves counts too high only, never too low
                // each part in key order, as put() writes (the manifest's order is the content's: random keys)
                Rep batch = new Rep(BATCH);
                ChunkId[] part = new ChunkId[(int) Math.min(BATCH, m.count())];
                try {
                    int n = 0;
                    for (int i = 0; i <= m.count(); i++) {
                        if (i < m.count() && !m.isZero(i)) {
                            part[n++] = m.chunk(i);
                        }
                        if (n == part.length || (i == m.count() && n > 0)) {
                            Arrays.sort(part, 0, n, ChunkId.ORDER);
                            for (int j = 0; j < n; j++) {
                                batch.merge(countsCf.getID(), key(part[j]), PLUS_ONE);
                            }
                            n = 0;
                        }
                        if (batch.count >= BATCH && i < m.count()) {
                            try (WriteBatch b = batch.batch()) {
                                db.write(write, b);
                            }
                            batch = new Rep(BATCH);
                        }
                    }
                    batch.put(journalCf.getID(), journalKey(m.contentHex), EMPTY);
                    batch.put(journalCf.getID(), ("s" + m.contentHex).getBytes(StandardCharsets.UTF_8), EMPTY);
                    try (WriteBatch b = batch.batch()) {
                        db.write(sync, b);
                    }
                } catch (RocksDBException e) {
                    throw io("count the references of", e);
                }
                wrote();
            } finally {
                entered.unlock();
            }
        }

        @Override
        public void unreferenced(String contentHex) throws IOException {
            Lock entered = enter();
            try {
                try {
                    db.put(journalCf, sync, journalKey(contentHex), EMPTY);
                } catch (RocksDBException e) {
                    throw io("journal", e);
                }
            } finally {
                entered.unlock();
            }
        }

        @Override
        public List<String> journalledManifests() throws IOException {
            return manifestsJournalled('m');
        }

        @Override
        public void settled(String contentHex) throws IOException {
            Lock entered = enter();
            try {
                try {
                    db.delete(journalCf, sync, journalKey(contentHex));
                } catch (RocksDBException e) {
                    throw io("journal", e);
                }
            } finally {
                entered.unlock();
            }
        }

        @Override
        public void manifestDropped(Manifest m) throws IOException {
            Lock entered = enter();
            try {
                // in parts like manifestStored: a crash between them leaves the manifest journalled but its file gone,
                // and the next collection settles it without counting down again (what was not counted down leaks)
                Rep batch = new Rep(BATCH);
                List<byte[]> part = new ArrayList<>(BATCH);
                try {
                    for (int i = 0; i < m.count(); i++) {
                        if (m.isZero(i)) {
                            continue;
                        }
                        byte[] k = key(m.chunk(i));
                        batch.merge(countsCf.getID(), k, MINUS_ONE);
                        part.add(k);
                        if (part.size() >= BATCH) {
                            byte[][] journal = journalBatch(part);
                            batch.put(journalCf.getID(), journal[0], journal[1]);
                            try (WriteBatch b = batch.batch()) {
                                db.write(write, b);
                            }
                            batch = new Rep(BATCH);
                            part.clear();
                        }
                    }
                    byte[][] journal = journalBatch(part);
                    if (journal != null) {
                        batch.put(journalCf.getID(), journal[0], journal[1]);
                    }
                    batch.delete(journalCf.getID(), journalKey(m.contentHex));
                    try (WriteBatch b = batch.batch()) {
                        db.write(sync, b);
                    }
                } catch (RocksDBException e) {
                    throw io("count the references of", e);
                }
                wrote();
            } finally {
                entered.unlock();
            }
        }

        @Override
        public Reclaimed reclaim(Predicate<ChunkId> held, Lock guard) throws IOException {
            synchronized (RocksIndex.this) { // the monitor before the handles' lock, as every writer takes them
                Lock entered = enter();
                try {
                    long visited = 0;
                    long n = 0;
                    long freed = 0;
                    try (ReadOptions ro = new ReadOptions().setFillCache(false);
                         RocksIterator it = db.newIterator(journalCf, ro)) {
                        List<byte[]> part = new ArrayList<>(BATCH);
                        for (it.seek(new byte[] {'c'}); it.isValid() && it.key()[0] == 'c'; it.next()) {
                            part.add(Arrays.copyOfRange(it.key(), 1, 33));
                            if (part.size() == BATCH) {
                                long[] r = reclaim(part, held, null, guard);
                                n += r[0];
                                freed += r[1];
                                visited += part.size();
                                part.clear();
                            }
                        }
                        it.status();
                        long[] r = reclaim(part, held, null, guard);
                        n += r[0];
                        freed += r[1];
                        visited += part.size();
                        // the batches (the iterator does not see the entries this loop writes: it reads as of its start)
                        for (it.seek(new byte[] {'b'}); it.isValid() && it.key()[0] == 'b'; it.next()) {
                            byte[] entry = it.key();
                            byte[] v = it.value();
                            List<byte[]> keys = new ArrayList<>(v.length / 32);
                            Set<ByteBuffer> seen = new HashSet<>();
                            for (int at = 0; at + 32 <= v.length; at += 32) {
                                byte[] k = Arrays.copyOfRange(v, at, at + 32);
                                if (seen.add(ByteBuffer.wrap(k))) { // an entry is counted down once
                                    keys.add(k);
                                }
                            }
                            r = reclaim(keys, held, entry, guard);
                            n += r[0];
                            freed += r[1];
                            visited += keys.size();
                        }
                        it.status();
                    } catch (RocksDBException e) {
                        throw io("reclaim", e);
                    }
                    return new Reclaimed(visited, n, freed);
                } finally {
                    entered.unlock();
                }
            }
        }

        /**
         * One part of the journal: each chunk's count and entry looked up together, then one synced write.
         * {@code entry}: the batch entry naming {@code keys} (each once), replaced in the same write by one naming
         * only the chunks an open session still holds; null for single-chunk entries. The look-ups, the tests of the
         * holds and the write are under {@code guard}.
         */
        private long[] reclaim(List<byte[]> keys, Predicate<ChunkId> held, byte[] entry, Lock guard)
                throws RocksDBException, IOException {
            take(guard);
            try {
                return reclaimGuarded(keys, held, entry);
            } finally {
                guard.unlock();
            }
        }

        private long[] reclaimGuarded(List<byte[]> keys, Predicate<ChunkId> held, byte[] entry)
                throws RocksDBException {
            if (keys.isEmpty()) {
                if (entry != null) {
                    db.delete(journalCf, sync, entry);
                }
                return new long[2];
            }
            List<ColumnFamilyHandle> cfs = new ArrayList<>(2 * keys.size());
            List<byte[]> both = new ArrayList<>(2 * keys.size());
            for (byte[] k : keys) {
                cfs.add(countsCf);
                both.add(k);
                cfs.add(chunks);
                both.add(k);
            }
            List<byte[]> got = db.multiGetAsList(cfs, both);
            long n = 0;
            long freed = 0;
            Set<Integer> touched = new HashSet<>();
            List<byte[]> kept = new ArrayList<>();
            try (WriteBatch batch = new WriteBatch()) {
                for (int i = 0; i < keys.size(); i++) {
                    byte[] k = keys.get(i);
                    if (fromLe(got.get(2 * i)) > 0) {
                        if (entry == null) {
                            batch.delete(journalCf, journalKey(k)); // a manifest names it
                        }
                        continue;
                    }
                    if (held.test(ChunkId.read(ByteBuffer.wrap(k)))) {
                        kept.add(k);
                        continue; // an open session uses it: looked at again next time
                    }
                    byte[] v = got.get(2 * i + 1);
                    if (v != null) {
                        Loc loc = loc(v);
                        batch.delete(chunks, k);
                        account(loc, -1, touched);
                        n++;
                        freed += loc.length();
                    }
                    batch.delete(countsCf, k);
                    if (entry == null) {
                        batch.delete(journalCf, journalKey(k));
                    }
                }
                if (entry != null && kept.size() < keys.size()) { // (all held: the entry stays as it is)
                    batch.delete(journalCf, entry);
                    byte[][] again = journalBatch(kept);
                    if (again != null) {
                        batch.put(journalCf, again[0], again[1]);
                    }
                }
                commitSweep(batch, touched);
            }
            return new long[] {n, freed};
        }

        @Override
        public Set<Integer> emptyPacks() {
            synchronized (RocksIndex.this) {
                Set<Integer> out = new HashSet<>();
                packs.forEach((p, st) -> {
                    if (st[0] <= 0) {
                        out.add(p);
                    }
                });
                return out;
            }
        }
    }

    /**
     * A collection's writes, a batch at a time, each batch's tests of the sessions' holds and its write under the
     * store's {@code guard} (see {@link ChunkIndex#sweep}), which sessions wait for only a batch long.
     */
    private final class Batches implements AutoCloseable {
        private final Lock guard;
        private boolean holding;
        WriteBatch batch = new WriteBatch();
        final Set<Integer> touched = new HashSet<>();

        Batches(Lock guard) throws IOException {
            this.guard = guard;
            take(guard);
            holding = true;
        }

        /** Writes this batch (with the pack counts it changed) and starts the next. */
        void next() throws RocksDBException, IOException {
            commit();
            batch.close();
            batch = new WriteBatch();
            touched.clear();
            guard.unlock();
            holding = false;
            take(guard);
            holding = true;
        }

        void commit() throws RocksDBException {
            commitSweep(batch, touched);
        }

        @Override
        public void close() {
            batch.close();
            if (holding) {
                guard.unlock();
            }
        }
    }

    /**
     * Takes a collection's {@code guard}: a session holding its other side may be waiting to reopen this index after
     * a failed call, and the collection holds the index's monitor: it gives up instead of waiting for ever.
     */
    private void take(Lock guard) throws IOException {
        try {
            while (!guard.tryLock(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                if (failed) {
                    throw new IOException("the chunk index " + dir + " failed while a collection ran");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted collecting in " + dir, e);
        }
    }

    private void commitSweep(WriteBatch batch, Set<Integer> touched) throws RocksDBException {
        for (int p : touched) {
            batch.put(packsCf, packKey(p), packValue(stats(p)));
        }
        db.write(sync, batch);
    }

    /**
     * Flushes the memtables to table files (the next open then replays no write-ahead log) and closes the index.
     */
    @Override
    public synchronized void close() {
        handles.writeLock().lock();
        try {
            closeLocked();
        } finally {
            handles.writeLock().unlock();
        }
    }

    private void closeLocked() {
        if (closed) {
            return;
        }
        closed = true;
        ACTIVE.remove(this);
        try (FlushOptions f = new FlushOptions().setWaitForFlush(true)) {
            db.flush(f, List.of(chunks, packsCf, countsCf, journalCf));
        } catch (RocksDBException e) {
            // the write-ahead log holds what was not flushed
        }
        write.close();
        sync.close();
        noWal.close();
        closeHandles();
    }

    private void closeHandles() {
        meta.close();
        chunks.close();
        packsCf.close();
        countsCf.close();
        journalCf.close();
        if (locationsCf != null) {
            locationsCf.close();
        }
        db.close();
        dbOptions.close();
        tuning.close();
    }

    /** Bytes of this index's active memtables, over its column families (RocksDB's accounting: arena and filters). */
    /** How many flushes the budget's rule (see {@link #ACTIVE}) has started in this process. */
    static long budgetFlushes() {
        return BUDGET_FLUSHES.sum();
    }

    long memtableBytes() throws IOException {
        Lock entered = enter();
        try {
            return active();
        } finally {
            entered.unlock();
        }
    }

    /** Files of the index on disk, in bytes (for the benchmark). */
    long diskBytes() throws IOException {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /** Enters a call that uses RocksDB's handles (reopening the index first after a failure); unlock when done. */
    private Lock enter() throws IOException {
        if (failed && handles.getReadHoldCount() == 0) {
            reopen();
        }
        Lock held = handles.readLock();
        held.lock();
        if (closed) {
            held.unlock();
            throw new IOException("the chunk index " + dir + " is closed");
        }
        return held;
    }

    /** Closes RocksDB's handles and opens the index again, taking over the new handles and pack counts. */
    private synchronized void reopen() throws IOException {
        handles.writeLock().lock();
        try {
            if (!failed || closed) {
                return;
            }
            closeHandles();
            RocksIndex fresh = open(dir, durable);
            if (fresh == null) {
                closed = true;
                throw new IOException("the chunk index " + dir + " failed and cannot be opened again: it is rebuilt "
                        + "from the packs when the store opens next");
            }
            db = fresh.db;
            meta = fresh.meta;
            chunks = fresh.chunks;
            packsCf = fresh.packsCf;
            countsCf = fresh.countsCf;
            journalCf = fresh.journalCf;
            locationsCf = fresh.locationsCf;
            dbOptions = fresh.dbOptions;
            tuning = fresh.tuning;
            packs = fresh.packs;
            count = fresh.count;
            bytes = fresh.bytes;
            counted = fresh.counted;
            journalSeq.accumulateAndGet(fresh.journalSeq.get(), Math::max);
            fresh.write.close();
            fresh.sync.close();
            fresh.noWal.close();
            failed = false;
        } finally {
            handles.writeLock().unlock();
        }
    }

    private IOException io(String what, RocksDBException e) {
        failed = true;
        return new IOException("cannot " + what + " the chunk index " + dir + ": " + e.getMessage(), e);
    }

    /**
     * A write batch in RocksDB's own serialized form ({@code db/write_batch.cc}: an 8-byte sequence and a 4-byte count,
     * little-endian, then per record a tag, the column family's id and the key and value as varint-prefixed strings),
     * handed to RocksDB in one call rather than a JNI call per entry ({@code WriteBatch.put}).
     */
    static final class Rep {
        private static final byte DELETION = 0x0;
        private static final byte VALUE = 0x1;
        private static final byte MERGE = 0x2;
        private static final byte CF_DELETION = 0x4;
        private static final byte CF_VALUE = 0x5;
        private static final byte CF_MERGE = 0x6;
        private byte[] buf;
        private int len = 12;
        private int count;

        Rep(int entries) {
            buf = new byte[12 + entries * 56 + 256];
        }

        void put(int cf, byte[] key, byte[] value) {
            record(cf == 0 ? VALUE : CF_VALUE, cf, key, value);
        }

        /** A merge operand for {@code key} (the family's merge operator combines them). */
        void merge(int cf, byte[] key, byte[] value) {
            record(cf == 0 ? MERGE : CF_MERGE, cf, key, value);
        }

        void delete(int cf, byte[] key) {
            record(cf == 0 ? DELETION : CF_DELETION, cf, key, null);
        }

        private void record(byte tag, int cf, byte[] key, byte[] value) {
            int vl = value == null ? 0 : value.length;
            if (len + key.length + vl + 16 > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + key.length + vl + 16));
            }
            buf[len++] = tag;
            if (cf != 0) {
                varint(cf);
            }
            varint(key.length);
            System.arraycopy(key, 0, buf, len, key.length);
            len += key.length;
            if (value != null) {
                varint(value.length);
                System.arraycopy(value, 0, buf, len, value.length);
                len += value.length;
            }
            count++;
        }

        private void varint(int v) {
            while ((v & ~0x7f) != 0) {
                buf[len++] = (byte) ((v & 0x7f) | 0x80);
                v >>>= 7;
            }
            buf[len++] = (byte) v;
        }

        WriteBatch batch() {
            ByteBuffer.wrap(buf, 8, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(count);
            return new WriteBatch(Arrays.copyOf(buf, len));
        }
    }

    private final class DiskMarks implements Marks {
        final ColumnFamilyHandle cf;
        private WriteBatch batch = new WriteBatch();

        DiskMarks(ColumnFamilyHandle cf) {
            this.cf = cf;
        }

        @Override
        public void mark(ChunkId id) throws IOException {
            add(id, ZERO);
        }

        @Override
        public void reference(ChunkId id) throws IOException {
            add(id, PLUS_ONE);
        }

        private void add(ChunkId id, byte[] operand) throws IOException {
            Lock entered = enter();
            try {
                batch.merge(cf, key(id), operand);
                if (batch.count() >= BATCH) {
                    flush();
                }
            } catch (RocksDBException e) {
                throw io("mark", e);
            } finally {
                entered.unlock();
            }
        }

        void flush() throws RocksDBException {
            db.write(noWal, batch);
            batch.close();
            batch = new WriteBatch();
        }

        @Override
        public void close() {
            batch.close();
            try {
                db.dropColumnFamily(cf);
            } catch (RocksDBException e) {
                // dropped at the next open
            } finally {
                cf.close();
            }
        }
    }
}

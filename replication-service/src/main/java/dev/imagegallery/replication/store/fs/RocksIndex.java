package dev.imagegallery.replication.store.fs;

import dev.imagegallery.replication.store.ChunkId;
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
    private static final byte[] CHUNKS = "chunks".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PACKS = "packs".getBytes(StandardCharsets.UTF_8);
    private static final byte[] MARKS = "marks".getBytes(StandardCharsets.UTF_8);
    private static final byte[] COMPLETE = "complete".getBytes(StandardCharsets.UTF_8);
    private static final int BATCH = 8192;

    static {
        RocksDB.loadLibrary();
        CACHE = new LRUCache(CACHE_BYTES, -1, false, 0.5);
        WRITE_BUFFERS = new WriteBufferManager(CACHE_BYTES / 2, CACHE);
    }

    private final Path dir;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final RocksDB db;
    private final ColumnFamilyHandle meta;
    private final ColumnFamilyHandle chunks;
    private final ColumnFamilyHandle packsCf;
    private final WriteOptions write;
    private final WriteOptions sync;
    private final WriteOptions noWal;
    /** Per pack: live entries, their bytes, directory bytes indexed (a few thousand packs at most: 400 GiB). */
    private final Map<Integer, long[]> packs = new HashMap<>();
    private long count;
    private long bytes;
    /** Set once by {@link #close()}: RocksDB's handles must not be used after (a native crash, not an exception). */
    private volatile boolean closed;

    private RocksIndex(Path dir, DBOptions dbOptions, ColumnFamilyOptions cfOptions, RocksDB db,
                       List<ColumnFamilyHandle> handles, boolean durable) {
        this.dir = dir;
        this.dbOptions = dbOptions;
        this.cfOptions = cfOptions;
        this.db = db;
        this.meta = handles.get(0);
        this.chunks = handles.get(1);
        this.packsCf = handles.get(2);
        this.write = new WriteOptions(); // the pack directories make a commit durable: see FsChunkStore
        this.sync = new WriteOptions().setSync(durable);
        this.noWal = new WriteOptions().setDisableWAL(true);
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
    static RocksIndex open(Path dir, boolean durable) throws IOException {
        if (!Files.exists(dir.resolve("CURRENT"))) {
            return null;
        }
        DBOptions dbo = dbOptions(false);
        ColumnFamilyOptions cfo = cfOptions();
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        RocksDB db;
        try {
            List<byte[]> families;
            try (Options o = new Options()) {
                families = RocksDB.listColumnFamilies(o, dir.toString());
            }
            List<ColumnFamilyDescriptor> cfs = new ArrayList<>();
            cfs.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfo));
            cfs.add(new ColumnFamilyDescriptor(CHUNKS, cfo));
            cfs.add(new ColumnFamilyDescriptor(PACKS, cfo));
            boolean marks = families.stream().anyMatch(f -> Arrays.equals(f, MARKS));
            if (marks) {
                cfs.add(new ColumnFamilyDescriptor(MARKS, cfo)); // left by a collection cut short
            }
            if (families.size() != cfs.size()) {
                dbo.close();
                cfo.close();
                return null;
            }
            db = RocksDB.open(dbo, dir.toString(), cfs, handles);
            if (marks) {
                db.dropColumnFamily(handles.get(3));
                handles.remove(3).close();
            }
        } catch (RocksDBException e) {
            handles.forEach(ColumnFamilyHandle::close);
            dbo.close();
            cfo.close();
            if (locked(e)) {
                throw new IOException("the chunk index " + dir + " is open in another process: " + e.getMessage(), e);
            }
            return null;
        }
        RocksIndex index = new RocksIndex(dir, dbo, cfo, db, handles, durable);
        try {
            if (db.get(index.meta, COMPLETE) == null) {
                index.close();
                return null;
            }
            index.loadPacks();
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
    static RocksIndex create(Path dir, boolean durable) throws IOException {
        FsChunkStore.deleteTree(dir);
        DBOptions dbo = dbOptions(true);
        ColumnFamilyOptions cfo = cfOptions();
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            RocksDB db = RocksDB.open(dbo, dir.toString(), List.of(
                    new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfo),
                    new ColumnFamilyDescriptor(CHUNKS, cfo), new ColumnFamilyDescriptor(PACKS, cfo)), handles);
            return new RocksIndex(dir, dbo, cfo, db, handles, durable);
        } catch (RocksDBException e) {
            handles.forEach(ColumnFamilyHandle::close);
            dbo.close();
            cfo.close();
            throw new IOException("cannot create the chunk index " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Marks a filled index complete: everything so far is flushed to table files, then the marker is written. */
    void complete() throws IOException {
        try (FlushOptions f = new FlushOptions().setWaitForFlush(true)) {
            db.flush(f, List.of(chunks, packsCf));
            db.put(meta, sync, COMPLETE, new byte[] {1});
        } catch (RocksDBException e) {
            throw io("complete", e);
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
        open();
        try {
            byte[] v = db.get(chunks, key(id));
            return v == null ? null : loc(v);
        } catch (RocksDBException e) {
            throw io("read", e);
        }
    }

    @Override
    public Loc[] getAll(List<ChunkId> ids) throws IOException {
        open();
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
        open();
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
                try (WriteBatch b = batch.batch()) {
                    db.write(bulk ? noWal : write, b);
                }
            }
        } catch (RocksDBException e) {
            throw io("write", e);
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

    /** How many bytes of pack {@code pack}'s directory the index holds. */
    synchronized long dirIndexed(int pack) {
        long[] s = packs.get(pack);
        return s == null ? 0 : s[2];
    }

    /** Forgets a deleted pack (its entries are gone already). */
    synchronized void forget(int pack) throws IOException {
        if (packs.remove(pack) != null) {
            try {
                db.delete(packsCf, sync, packKey(pack));
            } catch (RocksDBException e) {
                throw io("write", e);
            }
        }
    }

    @Override
    public void forEach(BiConsumer<ChunkId, Loc> each) throws IOException {
        open();
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
        try {
            return new DiskMarks(db.createColumnFamily(new ColumnFamilyDescriptor(MARKS, cfOptions)));
        } catch (RocksDBException e) {
            throw io("mark", e);
        }
    }

    /**
     * Walks the entries and the marks together, both in key order (one pass over each, no lookups), deleting the
     * unmarked entries in batches with the pack counts they change, synced before the packs they free are deleted.
     */
    @Override
    public synchronized Swept sweep(Marks live) throws IOException {
        open();
        DiskMarks marks = (DiskMarks) live;
        long n = 0;
        long freed = 0;
        try {
            marks.flush();
            Snapshot snap = db.getSnapshot();
            try (ReadOptions ro = new ReadOptions().setSnapshot(snap).setFillCache(false);
                 ReadOptions mo = new ReadOptions().setFillCache(false);
                 RocksIterator it = db.newIterator(chunks, ro);
                 RocksIterator m = db.newIterator(marks.cf, mo)) {
                m.seekToFirst();
                WriteBatch batch = new WriteBatch();
                Set<Integer> touched = new HashSet<>();
                try {
                    for (it.seekToFirst(); it.isValid(); it.next()) {
                        byte[] k = it.key();
                        while (m.isValid() && Arrays.compareUnsigned(m.key(), k) < 0) {
                            m.next();
                        }
                        if (m.isValid() && Arrays.equals(m.key(), k)) {
                            continue;
                        }
                        Loc loc = loc(it.value());
                        batch.delete(chunks, k);
                        account(loc, -1, touched);
                        n++;
                        freed += loc.length();
                        if (batch.count() >= BATCH) {
                            commitSweep(batch, touched);
                            batch.close();
                            batch = new WriteBatch();
                            touched.clear();
                        }
                    }
                    it.status();
                    m.status();
                    commitSweep(batch, touched);
                } finally {
                    batch.close();
                }
            } finally {
                db.releaseSnapshot(snap);
            }
        } catch (RocksDBException e) {
            throw io("sweep", e);
        }
        return new Swept(n, freed);
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
        if (closed) {
            return;
        }
        closed = true;
        try (FlushOptions f = new FlushOptions().setWaitForFlush(true)) {
            db.flush(f, List.of(chunks, packsCf));
        } catch (RocksDBException e) {
            // the write-ahead log holds what was not flushed
        }
        write.close();
        sync.close();
        noWal.close();
        meta.close();
        chunks.close();
        packsCf.close();
        db.close();
        dbOptions.close();
        cfOptions.close();
    }

    /** Files of the index on disk, in bytes (for the benchmark). */
    long diskBytes() throws IOException {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private void open() throws IOException {
        if (closed) {
            throw new IOException("the chunk index " + dir + " is closed");
        }
    }

    private IOException io(String what, RocksDBException e) {
        return new IOException("cannot " + what + " the chunk index " + dir + ": " + e.getMessage(), e);
    }

    /**
     * A write batch in RocksDB's own serialized form ({@code db/write_batch.cc}: an 8-byte sequence and a 4-byte count,
     * little-endian, then per record a tag, the column family's id and the key and value as varint-prefixed strings),
     * handed to RocksDB in one call rather than a JNI call per entry ({@code WriteBatch.put}).
     */
    static final class Rep {
        private static final byte VALUE = 0x1;
        private static final byte CF_VALUE = 0x5;
        private byte[] buf;
        private int len = 12;
        private int count;

        Rep(int entries) {
            buf = new byte[12 + entries * 56 + 256];
        }

        void put(int cf, byte[] key, byte[] value) {
            if (len + key.length + value.length + 16 > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + key.length + value.length + 16));
            }
            if (cf == 0) {
                buf[len++] = VALUE;
            } else {
                buf[len++] = CF_VALUE;
                varint(cf);
            }
            varint(key.length);
            System.arraycopy(key, 0, buf, len, key.length);
            len += key.length;
            varint(value.length);
            System.arraycopy(value, 0, buf, len, value.length);
            len += value.length;
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
            try {
                batch.put(cf, key(id), new byte[0]);
                if (batch.count() >= BATCH) {
                    flush();
                }
            } catch (RocksDBException e) {
                throw io("mark", e);
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

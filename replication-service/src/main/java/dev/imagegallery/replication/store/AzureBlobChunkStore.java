package dev.imagegallery.replication.store;

import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.AppendBlobCreateOptions;
import com.azure.storage.blob.specialized.AppendBlobClient;
import com.azure.storage.blob.specialized.BlockBlobClient;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A replica store in one container of a region's Azure storage account (the same contract as {@link FsChunkStore}):
 *
 * <ul>
 * <li>{@code packs/pack-N}: block blobs of chunks, appended 4 MiB block by 4 MiB block (Put Block) by one session
 * each, made visible by Put Block List at the session's commit, at most {@link #PACK_MAX} each. Never one blob per
 * chunk.</li>
 * <li>{@code index/NNNNNNNNNN}: an append blob of 48-byte records (digest, pack, offset, length; the last record of a
 * digest wins), loaded into memory at open; a session appends its records only after its pack's block list is
 * committed, so a crash leaves at most unindexed bytes in a pack. Append blocks are atomic and hold whole records.
 * {@link #collect()} writes the compacted index as the next generation, marks it {@code complete} in its metadata,
 * then deletes the old one; opening takes the newest complete generation.</li>
 * <li>{@code manifests/{contentHex}} and {@code refs/{sha256(ref)}} (body: content hex, newline, ref).</li>
 * </ul>
 *
 * A chunk is read by a ranged download of its pack, verified against its digest. Reads fetch an aligned window of
 * {@code readAhead} bytes around the chunk and keep the last {@link #WINDOWS} windows (packs are written in the
 * order content is read, so sequential reads cost one request a window); memory stays bounded by
 * {@code WINDOWS × readAhead} plus one 4 MiB buffer per open session.
 */
public final class AzureBlobChunkStore implements ChunkStore {
    public static final long PACK_MAX = 256L << 20;
    static final int BLOCK = 4 << 20;
    static final int RECORD = FsChunkStore.RECORD;
    /** Records per append block (an append block is at most 4 MiB). */
    static final int RECORDS_PER_APPEND = BLOCK / RECORD;
    /** A block blob holds at most 50 000 blocks; a pack rolls well before. */
    static final int MAX_BLOCKS = 40_000;
    static final int WINDOWS = 16;
    static final String COMPLETE = "complete";
    private static final Pattern PACK = Pattern.compile("packs/pack-(\\d+)");
    private static final ThreadLocal<MessageDigest> SHA = ThreadLocal.withInitial(RegionStores::sha256);

    private final String region;
    private final int replica;
    private final BlobContainerClient container;
    /** Prepended to every blob name of this store ({@code ""} or {@code "tenants/{namespace}/"}). */
    private final String prefix;
    private final int readAhead;
    private final Map<ChunkId, FsChunkStore.Loc> index = new ConcurrentHashMap<>();
    private final Set<AzSession> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger nextPack = new AtomicInteger(1);
    /** Recently read windows of packs, least recently used first; key {@code pack << 32 | window}. */
    private final LinkedHashMap<Long, byte[]> windows = new LinkedHashMap<>(WINDOWS * 2, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
            return size() > WINDOWS;
        }
    };
    private AppendBlobClient indexOut;
    private long indexGeneration;

    public AzureBlobChunkStore(String region, int replica, BlobContainerClient container, int readAhead)
            throws IOException {
        this(region, replica, container, "", readAhead);
    }

    /**
     * A store whose blobs are named {@code prefix + name} in the container ({@code ""}, or a namespace such as
     * {@code tenants/contoso/}): several stores share a container without seeing each other's blobs.
     */
    public AzureBlobChunkStore(String region, int replica, BlobContainerClient container, String prefix,
                               int readAhead) throws IOException {
        this.region = region;
        this.replica = replica;
        this.container = container;
        this.prefix = prefix;
        this.readAhead = Math.max(Chunking.FIXED, readAhead);
        try {
            container.createIfNotExists();
            for (BlobItem b : container.listBlobs(new ListBlobsOptions().setPrefix(prefix + "packs/"), null)) {
                Matcher m = PACK.matcher(rel(b.getName()));
                if (m.matches()) {
                    nextPack.accumulateAndGet(Integer.parseInt(m.group(1)) + 1, Math::max);
                }
            }
            openIndex();
        } catch (RuntimeException e) {
            throw io("open " + this, e);
        }
    }

    /** Loads the newest complete index generation (creating the first), and drops every other one. */
    private void openIndex() throws IOException {
        BlobItem newest = null;
        List<BlobItem> all = new ArrayList<>();
        for (BlobItem b : container.listBlobs(new ListBlobsOptions().setPrefix(prefix + "index/")
                .setDetails(new BlobListDetails().setRetrieveMetadata(true)), null)) {
            all.add(b);
            boolean complete = b.getMetadata() != null && "true".equals(b.getMetadata().get(COMPLETE));
            if (complete && (newest == null || b.getName().compareTo(newest.getName()) > 0)) {
                newest = b;
            }
        }
        if (newest == null) {
            indexGeneration = 1;
            indexOut = createIndex(indexGeneration);
            indexOut.setMetadata(Map.of(COMPLETE, "true"));
        } else {
            indexGeneration = Long.parseLong(rel(newest.getName()).substring("index/".length()));
            indexOut = container.getBlobClient(newest.getName()).getAppendBlobClient();
            Long size = newest.getProperties().getContentLength();
            if (size != null && size > 0) {
                try (InputStream in = new BufferedInputStream(indexOut.openInputStream(), 1 << 20)) {
                    byte[] rec = new byte[RECORD];
                    while (in.readNBytes(rec, 0, RECORD) == RECORD) {
                        ByteBuffer bb = ByteBuffer.wrap(rec);
                        ChunkId id = ChunkId.read(bb);
                        index.put(id, new FsChunkStore.Loc(bb.getInt(), bb.getLong(), bb.getInt()));
                    }
                }
            }
        }
        for (BlobItem b : all) {
            if (!rel(b.getName()).equals(indexName(indexGeneration))) {
                container.getBlobClient(b.getName()).deleteIfExists(); // older, or an unfinished compaction
            }
        }
    }

    private AppendBlobClient createIndex(long generation) {
        AppendBlobClient c = blob(indexName(generation)).getAppendBlobClient();
        c.createWithResponse(new AppendBlobCreateOptions(), null, Context.NONE);
        return c;
    }

    static String indexName(long generation) {
        return String.format("index/%010d", generation);
    }

    static String packName(int pack) {
        return "packs/pack-" + pack;
    }

    @Override
    public String region() {
        return region;
    }

    @Override
    public int replica() {
        return replica;
    }

    private BlobClient blob(String name) {
        return container.getBlobClient(prefix + name);
    }

    /** A listed blob's name inside this store (without the prefix). */
    private String rel(String listed) {
        return listed.substring(prefix.length());
    }

    /** The container holding this store. */
    public BlobContainerClient container() {
        return container;
    }

    @Override
    public boolean has(ChunkId id) {
        return index.containsKey(id);
    }

    @Override
    public byte[] get(ChunkId id) throws IOException {
        FsChunkStore.Loc loc = index.get(id);
        if (loc == null) {
            throw new CorruptChunkException(id, "chunk " + id + " is missing from " + this);
        }
        byte[] b;
        try {
            b = read(loc);
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                throw new CorruptChunkException(id, "the pack of chunk " + id + " is missing from " + this);
            }
            if (e.getStatusCode() == 416) {
                throw new CorruptChunkException(id, "chunk " + id + " is truncated in " + this);
            }
            throw io("read chunk " + id + " from " + this, e);
        } catch (RuntimeException e) {
            throw io("read chunk " + id + " from " + this, e);
        }
        if (b == null) {
            throw new CorruptChunkException(id, "chunk " + id + " is truncated in " + this);
        }
        if (!ChunkId.digest(SHA.get(), b, 0, b.length).equals(id)) {
            throw new CorruptChunkException(id, "chunk " + id + " in " + this + " does not match its digest");
        }
        return b;
    }

    /** The chunk's bytes from its window (fetched when not cached), or null when the pack is too short. */
    private byte[] read(FsChunkStore.Loc loc) {
        long w = loc.offset() / readAhead;
        long start = w * readAhead;
        long end = loc.offset() + loc.length();
        if (end > start + readAhead) { // straddles two windows: fetch just the chunk
            byte[] b = download(loc.pack(), loc.offset(), loc.length());
            return b.length == loc.length() ? b : null;
        }
        long key = ((long) loc.pack() << 32) | w;
        byte[] data;
        synchronized (windows) {
            data = windows.get(key);
        }
        if (data == null || data.length < end - start) {
            data = download(loc.pack(), start, readAhead);
            synchronized (windows) {
                windows.put(key, data);
            }
        }
        if (data.length < end - start) {
            return null;
        }
        int from = (int) (loc.offset() - start);
        byte[] b = new byte[loc.length()];
        System.arraycopy(data, from, b, 0, b.length);
        return b;
    }

    private byte[] download(int pack, long offset, int length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(length);
        blob(packName(pack)).downloadStreamWithResponse(out, new BlobRange(offset, (long) length),
                null, null, false, null, Context.NONE);
        return out.toByteArray();
    }

    /** Forgets the cached windows (after something outside changed a pack: tests, repairs). */
    public void dropCache() {
        synchronized (windows) {
            windows.clear();
        }
    }

    /** Where a chunk lives: its pack blob's name, and its offset in {@code offset[0]} (tests corrupt it there). */
    public Optional<String> packOf(ChunkId id, long[] offset) {
        FsChunkStore.Loc loc = index.get(id);
        if (loc == null) {
            return Optional.empty();
        }
        offset[0] = loc.offset();
        return Optional.of(prefix + packName(loc.pack()));
    }

    @Override
    public Session session() {
        AzSession s = new AzSession();
        open.add(s);
        return s;
    }

    @Override
    public Optional<Manifest> manifest(String contentHex) throws IOException {
        try (InputStream in = new BufferedInputStream(
                blob("manifests/" + contentHex).openInputStream(), 1 << 16)) {
            return Optional.of(Manifest.readFrom(in));
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                return Optional.empty();
            }
            throw io("read manifest " + contentHex + " from " + this, e);
        } catch (RuntimeException e) {
            throw io("read manifest " + contentHex + " from " + this, e);
        }
    }

    @Override
    public void putManifest(Manifest m) throws IOException {
        BlockBlobClient blob = blob("manifests/" + m.contentHex).getBlockBlobClient();
        try (OutputStream out = new BufferedOutputStream(blob.getBlobOutputStream(true), 1 << 20)) {
            m.writeTo(out); // committed (visible) only when the stream closes
        } catch (RuntimeException e) {
            throw io("write manifest " + m.contentHex + " to " + this, e);
        }
    }

    @Override
    public synchronized void setRef(String ref, String contentHex) throws IOException {
        try {
            blob(refName(ref)).upload(BinaryData.fromString(contentHex + "\n" + ref), true);
        } catch (RuntimeException e) {
            throw io("write ref " + ref + " to " + this, e);
        }
    }

    @Override
    public Optional<String> ref(String ref) throws IOException {
        return readRef(refName(ref)).map(lines -> lines[0]);
    }

    private Optional<String[]> readRef(String blobName) throws IOException {
        try {
            String body = blob(blobName).downloadContent().toString();
            return Optional.of(body.split("\n", 2));
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                return Optional.empty();
            }
            throw io("read " + blobName + " from " + this, e);
        } catch (RuntimeException e) {
            throw io("read " + blobName + " from " + this, e);
        }
    }

    @Override
    public synchronized void deleteRef(String ref) throws IOException {
        try {
            blob(refName(ref)).deleteIfExists();
        } catch (RuntimeException e) {
            throw io("delete ref " + ref + " from " + this, e);
        }
    }

    @Override
    public Map<String, String> refs() throws IOException {
        Map<String, String> all = new HashMap<>();
        try {
            for (BlobItem b : container.listBlobs(new ListBlobsOptions().setPrefix(prefix + "refs/"), null)) {
                readRef(rel(b.getName())).filter(l -> l.length == 2).ifPresent(l -> all.put(l[1], l[0]));
            }
        } catch (RuntimeException e) {
            throw io("list the refs of " + this, e);
        }
        return all;
    }

    private static String refName(String ref) {
        byte[] d = SHA.get().digest(ref.getBytes(StandardCharsets.UTF_8));
        return "refs/" + HexFormat.of().formatHex(d);
    }

    @Override
    public void forEachChunk(Consumer<ChunkId> each) {
        index.keySet().forEach(each);
    }

    @Override
    public long physicalBytes() {
        return index.values().stream().mapToLong(FsChunkStore.Loc::length).sum();
    }

    @Override
    public synchronized GcResult collect() throws IOException {
        try {
            return sweep();
        } catch (RuntimeException e) {
            throw io("collect garbage in " + this, e);
        }
    }

    private GcResult sweep() throws IOException {
        Set<String> liveManifests = PackSession.liveManifests(refs().values(), open);
        Set<ChunkId> live = new HashSet<>();
        int manifestsDropped = 0;
        for (BlobItem b : container.listBlobs(new ListBlobsOptions().setPrefix(prefix + "manifests/"), null)) {
            String name = rel(b.getName()).substring("manifests/".length());
            if (!liveManifests.contains(name)) {
                container.getBlobClient(b.getName()).deleteIfExists();
                manifestsDropped++;
                continue;
            }
            PackSession.markChunks(manifest(name).orElse(null), live);
        }
        Set<Integer> writing = PackSession.markSessions(open, live);
        PackSession.Swept swept = PackSession.sweepIndex(index, live);
        if (swept.chunks() > 0) {
            long next = indexGeneration + 1;
            AppendBlobClient out = createIndex(next);
            List<Map.Entry<ChunkId, FsChunkStore.Loc>> entries = new ArrayList<>(index.entrySet());
            append(out, entries);
            out.setMetadata(Map.of(COMPLETE, "true"));
            String old = indexName(indexGeneration);
            indexOut = out;
            indexGeneration = next;
            blob(old).deleteIfExists();
        }
        Set<Integer> used = new HashSet<>(writing);
        index.values().forEach(l -> used.add(l.pack()));
        int packsDeleted = 0;
        for (BlobItem b : container.listBlobs(new ListBlobsOptions().setPrefix(prefix + "packs/"), null)) {
            Matcher m = PACK.matcher(rel(b.getName()));
            if (m.matches() && !used.contains(Integer.parseInt(m.group(1)))) {
                container.getBlobClient(b.getName()).deleteIfExists();
                packsDeleted++;
            }
        }
        if (packsDeleted > 0) {
            dropCache();
        }
        return new GcResult(manifestsDropped, swept.chunks(), swept.bytes(), packsDeleted);
    }

    /** Appends index records, at most {@link #RECORDS_PER_APPEND} per (atomic) append block. */
    private static void append(AppendBlobClient out, List<Map.Entry<ChunkId, FsChunkStore.Loc>> entries) {
        for (int from = 0; from < entries.size(); from += RECORDS_PER_APPEND) {
            int to = Math.min(entries.size(), from + RECORDS_PER_APPEND);
            ByteBuffer buf = ByteBuffer.allocate((to - from) * RECORD);
            for (int i = from; i < to; i++) {
                var e = entries.get(i);
                e.getKey().write(buf);
                buf.putInt(e.getValue().pack()).putLong(e.getValue().offset()).putInt(e.getValue().length());
            }
            out.appendBlock(new ByteArrayInputStream(buf.array()), buf.capacity());
        }
    }

    /** Appends committed entries to the index and makes them visible. */
    private synchronized void publish(Map<ChunkId, FsChunkStore.Loc> entries) {
        append(indexOut, new ArrayList<>(entries.entrySet()));
        index.putAll(entries);
    }

    static IOException io(String what, RuntimeException e) {
        if (e instanceof UncheckedIOException u) {
            return new IOException("cannot " + what + ": " + u.getCause().getMessage(), u.getCause());
        }
        return new IOException("cannot " + what + ": " + e.getMessage(), e);
    }

    @Override
    public void close() {
        dropCache();
    }

    @Override
    public String toString() {
        return region + "/" + container.getBlobContainerName() + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    final class AzSession extends PackSession {
        private final byte[] buf = new byte[BLOCK];
        private int buffered;
        private BlockBlobClient out;
        private List<String> blocks = new ArrayList<>();
        private int pack;
        private long written;

        AzSession() {
            super(index);
        }

        @Override
        public void put(ChunkId id, byte[] b, int off, int len) throws IOException {
            try {
                if (out == null || written + buffered + len > PACK_MAX || blocks.size() >= MAX_BLOCKS) {
                    roll();
                }
                if (buf.length - buffered < len) {
                    flush();
                }
            } catch (RuntimeException e) {
                throw io("write a pack of " + AzureBlobChunkStore.this, e);
            }
            FsChunkStore.Loc loc = new FsChunkStore.Loc(pack, written + buffered, len);
            System.arraycopy(b, off, buf, buffered, len);
            buffered += len;
            pend(id, loc);
        }

        /** Commits the pack being written (its chunks stay unindexed until {@link #commit()}) and starts the next. */
        private void roll() {
            if (out != null) {
                flush();
                out.commitBlockList(blocks, true);
            }
            pack = nextPack.getAndIncrement();
            started(pack);
            out = blob(packName(pack)).getBlockBlobClient();
            blocks = new ArrayList<>();
            written = 0;
        }

        /** Stages the buffer as the pack's next block (Put Block). */
        private void flush() {
            if (buffered == 0) {
                return;
            }
            String id = Base64.getEncoder().encodeToString(
                    String.format("%08d", blocks.size()).getBytes(StandardCharsets.US_ASCII));
            out.stageBlock(id, new ByteArrayInputStream(buf, 0, buffered), buffered);
            blocks.add(id);
            written += buffered;
            buffered = 0;
        }

        @Override
        public void commit() throws IOException {
            if (nothingPending()) {
                return;
            }
            try {
                flush();
                out.commitBlockList(blocks, true); // the pack holds every block so far; then the index names them
                publish(pending());
            } catch (RuntimeException e) {
                throw io("commit to " + AzureBlobChunkStore.this, e);
            }
            committed();
        }

        @Override
        public void close() {
            try {
                for (int p : uncommittedPacks()) {
                    blob(packName(p)).deleteIfExists(); // staged blocks expire on their own
                }
            } catch (RuntimeException e) {
                // an unindexed pack left behind costs space only; the next collect() deletes it
            } finally {
                open.remove(this);
            }
        }
    }
}

package dev.imagegallery.replication.store.azure;

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
import com.azure.storage.blob.specialized.BlobLeaseClient;
import com.azure.storage.blob.specialized.BlobLeaseClientBuilder;
import com.azure.storage.blob.specialized.BlockBlobClient;
import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.Manifest;
import dev.imagegallery.replication.store.pack.Loc;
import dev.imagegallery.replication.store.pack.PackStore;
import dev.imagegallery.replication.store.fs.RocksIndex;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.ArrayList;
import java.util.Arrays;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A replica store in one container of a region's Azure storage account (a {@link PackStore}, as the filesystem
 * backend is):
 *
 * <ul>
 * <li>{@code packs/pack-N}: block blobs of chunks, appended 4 MiB block by 4 MiB block (Put Block) by one session
 * each, made visible by Put Block List at the session's commit, at most {@link #PACK_MAX} each. Never one blob per
 * chunk.</li>
 * <li>{@code index/NNNNNNNNNN}: an append blob of the pack store's 48-byte records, the durable index; a session
 * appends its records only after its pack's block list is committed, so a crash leaves at most unindexed bytes in a
 * pack. Append blocks are atomic and hold whole records. The store looks chunks up in a copy of it on local disk
 * (a {@link RocksIndex}: nothing per chunk on the heap, reference counts for incremental collections), which notes
 * the generation (and its creation time) and how many of its bytes it holds: at open only what was appended since
 * is read; a copy of another generation, or none, is rebuilt from the blob (leaving out records of packs that no
 * longer exist).
 * {@link #collect()} writes the compacted index as the next generation, marks it {@code complete} in its metadata,
 * then deletes the old one; opening takes the newest complete generation. An append blob takes at most 50,000
 * blocks (one per session commit here), so a commit that would pass {@link #INDEX_BLOCKS} first writes the next
 * generation the same way, whether or not anything was collected.</li>
 * <li>{@code manifests/{contentHex}} and {@code refs/{sha256(ref)}} (body: content hex, newline, ref).</li>
 * </ul>
 *
 * A chunk is read by a ranged download of its pack, verified against its digest. Reads fetch an aligned window of
 * {@code readAhead} bytes around the chunk and keep the last {@link #WINDOWS} windows (packs are written in the
 * order content is read, so sequential reads cost one request a window); memory stays bounded by
 * {@code WINDOWS × readAhead} plus one 4 MiB buffer per open session.
 */
public final class AzureBlobChunkStore extends PackStore {
    static final int BLOCK = 4 << 20;
    /** Records per append block (an append block is at most 4 MiB). */
    static final int RECORDS_PER_APPEND = BLOCK / RECORD;
    /** A block blob holds at most 50 000 blocks; a pack rolls well before. */
    static final int MAX_BLOCKS = 40_000;
    /**
     * The blocks an index generation takes before the next commit rolls it over: an append blob holds at most 50,000
     * (Azure's limit, which Azurite enforces too: beyond it every append is 409 {@code BlockCountExceedsLimit}).
     */
    public static final int INDEX_BLOCKS = 49_000;
    static final int WINDOWS = 16;
    static final String COMPLETE = "complete";
    private static final Pattern PACK = Pattern.compile("packs/pack-(\\d+)");

    private final BlobContainerClient container;
    /** Prepended to every blob name of this store ({@code ""} or {@code "tenants/{namespace}/"}). */
    private final String prefix;
    private final int readAhead;
    /** Recently read windows of packs, least recently used first; key {@code pack << 32 | window}. */
    private final LinkedHashMap<Long, byte[]> windows = new LinkedHashMap<>(WINDOWS * 2, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
            return size() > WINDOWS;
        }
    };
    /** The index's copy on local disk, up to date with the remote generation (as {@link #source()} says). */
    private final RocksIndex rocks;
    private AppendBlobClient indexOut;
    private long indexGeneration;
    /** The generation blob's creation time (epoch ms): a container made again starts at generation 1 again. */
    private long indexCreated;
    /** Bytes of records in the generation (-1: not known after a failed append; the next commit rolls over). */
    private long indexLength;
    /** The blocks the current generation holds, and how many it may take. */
    private int indexBlocks;
    private final int indexBlocksMax;
    /** Whether opening filled the local copy from a whole generation (it noted another, or nothing). */
    private boolean rebuilt;

    public AzureBlobChunkStore(String region, int replica, BlobContainerClient container, int readAhead,
                               Path localIndex) throws IOException {
        this(region, replica, container, "", readAhead, localIndex);
    }

    /**
     * A store whose blobs are named {@code prefix + name} in the container ({@code ""}, or a namespace such as
     * {@code tenants/contoso/}): several stores share a container without seeing each other's blobs. Its index's
     * local copy is the RocksDB in {@code localIndex} (one directory per store, on local disk).
     */
    public AzureBlobChunkStore(String region, int replica, BlobContainerClient container, String prefix,
                               int readAhead, Path localIndex) throws IOException {
        this(region, replica, container, prefix, readAhead, localIndex, INDEX_BLOCKS);
    }

    /** As above, with the index rolled over at {@code indexBlocksMax} blocks (the tests' small figures). */
    public AzureBlobChunkStore(String region, int replica, BlobContainerClient container, String prefix,
                               int readAhead, Path localIndex, int indexBlocksMax) throws IOException {
        this(region, replica, container, prefix, readAhead, localIndex, indexBlocksMax, LEASE_WAIT);
    }

    /**
     * As above, waiting at most {@code leaseWait} for the store's writer lease (another process's, or one a crashed
     * process left, which expires within {@link #LEASE_SECONDS}) before the open fails.
     */
    public AzureBlobChunkStore(String region, int replica, BlobContainerClient container, String prefix,
                               int readAhead, Path localIndex, int indexBlocksMax, Duration leaseWait)
            throws IOException {
        this(region, replica, container, prefix, readAhead, opening(container, prefix, localIndex, leaseWait),
                indexBlocksMax);
    }

    private AzureBlobChunkStore(String region, int replica, BlobContainerClient container, String prefix,
                                int readAhead, Local local, int indexBlocksMax) throws IOException {
        super(region, replica, local.rocks());
        this.lease = local.lease();
        this.heldUntil = local.leasedAt() + TimeUnit.SECONDS.toNanos(LEASE_SECONDS - LEASE_MARGIN);
        this.rocks = local.rocks();
        rocks.journalFresh(true); // what each commit adds, for the next scrub pass
        this.container = container;
        this.prefix = prefix;
        this.readAhead = Math.max(4096, readAhead); // at least a chunk
        this.indexBlocksMax = indexBlocksMax;
        try {
            if (indexBlocksMax < 2 || indexBlocksMax > 50_000) {
                throw new IllegalArgumentException("an index generation takes 2 to 50,000 blocks: " + indexBlocksMax);
            }
            // renewed from now on: rebuilding the copy of a large index (some 40 s at 100 million records) must not
            // outlast the lease
            renewal = LEASES.scheduleWithFixedDelay(() -> {
                if (renewing.compareAndSet(false, true)) { // each store's renewal on a thread of its own: one
                    RENEWALS.execute(() -> {              // account that does not answer delays no other store's
                        try {
                            renewWriterLease();
                        } finally {
                            renewing.set(false);
                        }
                    });
                }
            }, LEASE_SECONDS / 4, LEASE_SECONDS / 4, TimeUnit.SECONDS);
            Set<Integer> packs = new HashSet<>(packs());
            packsExist(packs);
            openIndex(local, packs);
        } catch (RuntimeException e) {
            abandon();
            throw io("open " + this, e);
        } catch (IOException e) {
            abandon();
            throw e;
        }
    }

    /** An open that failed: what it took goes back. */
    private void abandon() {
        if (renewal != null) {
            renewal.cancel(false);
        }
        rocks.close();
        releaseQuietly(lease);
    }

    /**
     * The local copy as it is found (null {@code newest}: the store has no index generation yet), and the writer lease
     * taken first (at {@code leasedAt}, {@link System#nanoTime()}).
     */
    private record Local(RocksIndex rocks, boolean current, BlobItem newest, List<BlobItem> all, BlobLeaseClient lease,
                         long leasedAt) {
    }

    /**
     * Seconds of a store's writer lease: one process writes a store (its packs are numbered from what it found at
     * open, its index copy is its own, and its collections delete packs its index does not name: a second writer
     * beside it would overwrite and delete the first one's packs). The lease on blob {@code writer} is renewed every
     * quarter of it; a process that has not renewed it for {@code LEASE_SECONDS - LEASE_MARGIN} stops writing, well
     * before another can take it.
     */
    public static final int LEASE_SECONDS = 60;
    static final int LEASE_MARGIN = 20;
    /** How long an open waits for a lease another process holds (a crashed one's expires within a minute). */
    public static final Duration LEASE_WAIT = Duration.ofSeconds(LEASE_SECONDS + 15);
    private static final ScheduledExecutorService LEASES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "azure-store-leases");
        t.setDaemon(true);
        return t;
    });
    /** The renewals themselves (blocking requests, retried by the SDK): a thread each while one runs. */
    private static final java.util.concurrent.ExecutorService RENEWALS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "azure-store-lease-renewal");
        t.setDaemon(true);
        return t;
    });
    /** Whether this store's renewal is running (the next waits for it rather than pile up behind it). */
    private final java.util.concurrent.atomic.AtomicBoolean renewing = new java.util.concurrent.atomic.AtomicBoolean();
    private final BlobLeaseClient lease;
    /** The writer blob's metadata naming the lease id of the process that last took it. */
    static final String OWNER = "owner";
    /** Set when another process has been the writer: this instance writes no more. */
    private volatile boolean fenced;
    /** {@link System#nanoTime()} until which this process may write (its last renewal's start plus the lease, less the margin). */
    private volatile long heldUntil;
    private ScheduledFuture<?> renewal;

    /** Takes the writer lease (waiting up to {@code wait}), then opens the local copy: nothing is read before. */
    private static Local opening(BlobContainerClient container, String prefix, Path localIndex, Duration wait)
            throws IOException {
        long[] at = new long[1];
        BlobLeaseClient lease = takeLease(container, prefix, wait, at);
        try {
            Local l = local(container, prefix, localIndex);
            return new Local(l.rocks(), l.current(), l.newest(), l.all(), lease, at[0]);
        } catch (IOException | RuntimeException e) {
            releaseQuietly(lease);
            throw e;
        }
    }

    private static BlobLeaseClient takeLease(BlobContainerClient container, String prefix, Duration wait, long[] at)
            throws IOException {
        BlobClient writer = container.getBlobClient(prefix + "writer");
        try {
            container.createIfNotExists();
            if (!writer.exists()) {
                writer.upload(BinaryData.fromBytes(new byte[0]), false);
            }
        } catch (BlobStorageException e) {
            if (e.getStatusCode() != 409 && e.getStatusCode() != 412) { // made meanwhile, or leased already
                throw io("make the writer blob of " + container.getBlobContainerName() + "/" + prefix, e);
            }
        } catch (RuntimeException e) {
            throw io("make the writer blob of " + container.getBlobContainerName() + "/" + prefix, e);
        }
        BlobLeaseClient lease = new BlobLeaseClientBuilder().blobClient(writer)
                .leaseId(java.util.UUID.randomUUID().toString()).buildClient();
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            long started = System.nanoTime();
            boolean taken = false;
            try {
                lease.acquireLease(LEASE_SECONDS);
                at[0] = started;
                taken = true;
            } catch (BlobStorageException e) {
                if (e.getStatusCode() != 409) {
                    throw io("take the writer lease of " + container.getBlobContainerName() + "/" + prefix, e);
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException("the store " + container.getBlobContainerName() + "/" + prefix + " is "
                            + "written by another replication-service: its writer lease (blob " + prefix + "writer) "
                            + "was held throughout " + wait.toSeconds() + " s; a store has one writer");
                }
            } catch (RuntimeException e) {
                throw io("take the writer lease of " + container.getBlobContainerName() + "/" + prefix, e);
            }
            if (taken) {
                try {
                    // the writer's mark: a process that finds another's here after its lease lapsed knows its state
                    // (pack numbers, index copy) may be stale (renewWriterLease)
                    writer.setMetadataWithResponse(Map.of(OWNER, lease.getLeaseId()),
                            new com.azure.storage.blob.models.BlobRequestConditions().setLeaseId(lease.getLeaseId()),
                            null, Context.NONE);
                    return lease;
                } catch (RuntimeException e) {
                    releaseQuietly(lease);
                    throw io("mark the writer of " + container.getBlobContainerName() + "/" + prefix, e);
                }
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for the writer lease of " + container.getBlobContainerName()
                        + "/" + prefix, e);
            }
        }
    }

    /**
     * Renews the writer lease (the scheduler calls it every quarter of the lease). Lapsed (this process was cut off for
     * longer than the lease): taken again only if no other process marked itself the writer meanwhile; else, or when
     * another holds it now, this store is fenced for good (writes refused, {@link #usable()} false: the stores open it
     * again, with fresh state). Failing otherwise (the account did not answer): writes go on until the last renewal's
     * margin runs out.
     */
    public void renewWriterLease() {
        long started = System.nanoTime();
        try {
            lease.renewLease();
            heldUntil = started + TimeUnit.SECONDS.toNanos(LEASE_SECONDS - LEASE_MARGIN);
        } catch (BlobStorageException e) {
            try {
                lease.acquireLease(LEASE_SECONDS);
                String owner = blob("writer").getProperties().getMetadata().get(OWNER);
                if (lease.getLeaseId().equals(owner)) {
                    heldUntil = started + TimeUnit.SECONDS.toNanos(LEASE_SECONDS - LEASE_MARGIN);
                } else {
                    fence("another process was its writer while this one's lease had lapsed");
                    releaseQuietly(lease); // for the store opened anew
                }
            } catch (BlobStorageException again) {
                if (again.getStatusCode() == 409) {
                    fence("another process holds its writer lease");
                } else {
                    LOG.log(System.Logger.Level.WARNING, "the writer lease of " + this + " could not be renewed: "
                            + again.getMessage());
                }
            } catch (RuntimeException again) {
                LOG.log(System.Logger.Level.WARNING, "the writer lease of " + this + " could not be renewed: "
                        + again.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the writer lease of " + this + " could not be renewed: "
                    + e.getMessage());
        }
    }

    private void fence(String why) {
        fenced = true;
        heldUntil = System.nanoTime();
        LOG.log(System.Logger.Level.WARNING, this + " writes no more: " + why + "; it is opened again on next use");
    }

    /** False once another process has been this store's writer: it must be opened again (fresh pack numbers, index). */
    @Override
    public boolean usable() {
        return !fenced;
    }

    /** Refuses a write once this process may no longer hold the writer lease. */
    private void requireWriter() throws IOException {
        if (fenced || System.nanoTime() - heldUntil > 0) {
            throw new IOException("cannot write to " + this + ": this process no longer holds the store's writer "
                    + "lease (another replication-service may be writing it)");
        }
    }

    private void requireWriterUnchecked() {
        try {
            requireWriter();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void releaseQuietly(BlobLeaseClient lease) {
        try {
            lease.releaseLease();
        } catch (RuntimeException e) {
            // it expires on its own within LEASE_SECONDS
        }
    }

    private static final System.Logger LOG = System.getLogger(AzureBlobChunkStore.class.getName());

    /**
     * Lists the remote index generations and opens the local copy: kept when it notes the newest complete generation
     * (same creation time) and no more of it than the blob holds, else made anew (empty, filled by
     * {@link #openIndex}).
     */
    private static Local local(BlobContainerClient container, String prefix, Path dir) throws IOException {
        BlobItem newest = null;
        List<BlobItem> all = new ArrayList<>();
        try {
            container.createIfNotExists();
            for (BlobItem b : container.listBlobs(new ListBlobsOptions().setPrefix(prefix + "index/")
                    .setDetails(new BlobListDetails().setRetrieveMetadata(true)), null)) {
                all.add(b);
                boolean complete = b.getMetadata() != null && "true".equals(b.getMetadata().get(COMPLETE));
                if (complete && (newest == null || b.getName().compareTo(newest.getName()) > 0)) {
                    newest = b;
                }
            }
        } catch (RuntimeException e) {
            throw io("list the index of " + container.getBlobContainerName() + "/" + prefix, e);
        }
        Files.createDirectories(dir.getParent());
        RocksIndex rocks = RocksIndex.open(dir, true);
        boolean current = false;
        if (rocks != null) {
            long[] noted;
            try {
                noted = source(rocks.source());
            } catch (IOException e) {
                rocks.close();
                throw e;
            }
            current = newest != null && noted != null && rocks.locates() // a copy of before the places: made anew
                    && noted[0] == generationOf(newest.getName().substring(prefix.length()))
                    && noted[1] == createdOf(newest) && noted[2] <= lengthOf(newest);
            if (!current) {
                rocks.close();
                rocks = null;
            }
        }
        if (rocks == null) {
            rocks = RocksIndex.create(dir, true, true); // with the chunks in pack order: the scrubber walks them
        }
        return new Local(rocks, current, newest, all, null, 0);
    }

    private static long generationOf(String relName) {
        return Long.parseLong(relName.substring("index/".length()));
    }

    private static long createdOf(BlobItem b) {
        return b.getProperties().getCreationTime() == null ? 0
                : b.getProperties().getCreationTime().toInstant().toEpochMilli();
    }

    /** Bytes of whole records in a generation blob. */
    private static long lengthOf(BlobItem b) {
        Long size = b.getProperties().getContentLength();
        return size == null ? 0 : size / RECORD * RECORD;
    }

    /** What the local copy notes: generation, creation time, bytes held; null if nothing (or not this form). */
    private static long[] source(byte[] b) {
        if (b == null || b.length != 24) {
            return null;
        }
        ByteBuffer bb = ByteBuffer.wrap(b);
        return new long[] {bb.getLong(), bb.getLong(), bb.getLong()};
    }

    private byte[] source() {
        return ByteBuffer.allocate(24).putLong(indexGeneration).putLong(indexCreated).putLong(indexLength).array();
    }

    /**
     * Brings the local copy up to the newest complete generation (creating the first): what was appended since it
     * last noted, or the whole generation into a new copy. Then drops every other generation.
     */
    private void openIndex(Local local, Set<Integer> packs) throws IOException {
        BlobItem newest = local.newest();
        if (newest == null) {
            indexGeneration = 1;
            indexOut = createIndex(indexGeneration);
            indexOut.setMetadata(Map.of(COMPLETE, "true"));
            indexCreated = indexOut.getProperties().getCreationTime().toInstant().toEpochMilli();
            indexBlocks = 0;
            indexLength = 0;
            rocks.complete();
            rocks.source(source());
        } else {
            indexGeneration = generationOf(rel(newest.getName()));
            indexCreated = createdOf(newest);
            indexLength = lengthOf(newest);
            indexOut = container.getBlobClient(newest.getName()).getAppendBlobClient();
            Integer blocks = indexOut.getProperties().getCommittedBlockCount();
            indexBlocks = blocks == null ? 0 : blocks;
            long from = local.current() ? source(rocks.source())[2] : 0;
            rebuilt = !local.current();
            if (from < indexLength) {
                try (InputStream in = new BufferedInputStream(indexOut.openInputStream(
                        new BlobRange(from, indexLength - from), null), 1 << 20)) {
                    replay(in, packs, !local.current());
                }
            }
            if (!local.current()) {
                rocks.complete();
            }
            rocks.source(source());
        }
        for (BlobItem b : local.all()) {
            if (!rel(b.getName()).equals(indexName(indexGeneration))) {
                container.getBlobClient(b.getName()).deleteIfExists(); // older, or an unfinished compaction
            }
        }
    }

    /**
     * Index records into the local copy, 8,192 at a time; on a rebuild ({@code bulk}) without the records of packs
     * that no longer exist (a generation written before a collection deleted them, the copy that knew it lost).
     */
    private void replay(InputStream in, Set<Integer> packs, boolean bulk) throws IOException {
        List<Map.Entry<ChunkId, Loc>> batch = new ArrayList<>(8192);
        IOException[] failed = new IOException[1];
        readRecords(in, (id, loc) -> {
            if (failed[0] != null || (bulk && !packs.contains(loc.pack()))) {
                return;
            }
            batch.add(Map.entry(id, loc));
            if (batch.size() == 8192) {
                try {
                    rocks.put(batch, bulk, null);
                } catch (IOException e) {
                    failed[0] = e;
                }
                batch.clear();
            }
        });
        if (failed[0] != null) {
            throw failed[0];
        }
        rocks.put(batch, bulk, null);
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
    protected byte[] read(ChunkId id, Loc loc) throws IOException {
        try {
            return window(loc);
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                throw packMissing(id);
            }
            if (e.getStatusCode() == 416) {
                throw truncated(id);
            }
            throw io("read chunk " + id + " from " + this, e);
        } catch (RuntimeException e) {
            throw io("read chunk " + id + " from " + this, e);
        }
    }

    /** The chunk's bytes from its window (fetched when not cached), or null when the pack is too short. */
    private byte[] window(Loc loc) {
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
    public Optional<String> packOf(ChunkId id, long[] offset) throws IOException {
        Loc loc = rocks.get(id);
        if (loc == null) {
            return Optional.empty();
        }
        offset[0] = loc.offset();
        return Optional.of(prefix + packName(loc.pack()));
    }

    @Override
    protected PackSession newSession() {
        return new AzSession();
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

    /** The manifest blob, visible only once the whole of it is written. */
    @Override
    protected void storeManifest(Manifest m) throws IOException {
        requireWriter();
        BlockBlobClient blob = blob("manifests/" + m.contentHex).getBlockBlobClient();
        try (OutputStream out = new BufferedOutputStream(blob.getBlobOutputStream(true), 1 << 20)) {
            m.writeTo(out); // committed (visible) only when the stream closes
        } catch (RuntimeException e) {
            throw io("write manifest " + m.contentHex + " to " + this, e);
        }
    }

    @Override
    public synchronized void setRef(String ref, String contentHex) throws IOException {
        requireWriter();
        Optional<String> before = ref(ref);
        if (before.isPresent() && !before.get().equals(contentHex)) {
            unreferencing(before.get()); // journalled before the ref changes, for the next (incremental) collection
        }
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
        requireWriter();
        Optional<String> before = ref(ref);
        if (before.isPresent()) {
            unreferencing(before.get());
        }
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
        return "refs/" + refKey(ref);
    }

    @Override
    protected IOException failure(String what, RuntimeException e) {
        return io(what, e);
    }

    @Override
    protected List<String> manifestNames() {
        List<String> names = new ArrayList<>();
        for (BlobItem b : container.listBlobs(new ListBlobsOptions().setPrefix(prefix + "manifests/"), null)) {
            names.add(rel(b.getName()).substring("manifests/".length()));
        }
        return names;
    }

    @Override
    protected void deleteManifest(String contentHex) throws IOException {
        requireWriter();
        blob("manifests/" + contentHex).deleteIfExists();
    }

    @Override
    protected List<Integer> packs() {
        List<Integer> packs = new ArrayList<>();
        for (BlobItem b : container.listBlobs(new ListBlobsOptions().setPrefix(prefix + "packs/"), null)) {
            Matcher m = PACK.matcher(rel(b.getName()));
            if (m.matches()) {
                packs.add(Integer.parseInt(m.group(1)));
            }
        }
        return packs;
    }

    @Override
    protected void deletePack(int pack) throws IOException {
        requireWriter();
        blob(packName(pack)).deleteIfExists(); // staged blocks of an uncommitted one expire on their own
        dropCache();
    }

    /**
     * Writes the local copy's entries as the next generation, marks it complete, notes it in the local copy, then
     * deletes the old one (a crash before the note: the next open rebuilds the copy from the new generation).
     */
    @Override
    protected void rewriteIndex() throws IOException {
        requireWriter();
        long next = indexGeneration + 1;
        AppendBlobClient out = createIndex(next);
        List<Map.Entry<ChunkId, Loc>> part = new ArrayList<>();
        int[] blocks = {0};
        long[] length = {0};
        rocks.forEach((id, loc) -> {
            part.add(Map.entry(id, loc));
            if (part.size() == RECORDS_PER_APPEND) {
                blocks[0] = append(out, part, blocks[0]);
                length[0] += (long) part.size() * RECORD;
                part.clear();
            }
        });
        blocks[0] = append(out, part, blocks[0]);
        length[0] += (long) part.size() * RECORD;
        out.setMetadata(Map.of(COMPLETE, "true"));
        String old = indexName(indexGeneration);
        indexOut = out;
        indexGeneration = next;
        indexCreated = out.getProperties().getCreationTime().toInstant().toEpochMilli();
        indexBlocks = blocks[0];
        indexLength = length[0];
        rocks.source(source());
        blob(old).deleteIfExists();
    }

    /**
     * One scrub pass over the index's local copy, nothing of it loaded: first what was committed since the last pass
     * (the copy journals each commit's entries for it, {@link RocksIndex#journalFresh}), then the slice of about
     * {@code fraction} of the store's bytes in pack order (the copy keeps the chunks' places,
     * {@link RocksIndex#locatedAfter}) from the place the last pass stopped at, wrapping round. Entries are read a part
     * at a time, and neighbouring chunks of a pack fetched by one ranged download of up to {@link #SCRUB_SPAN} (not
     * through the read windows, which stay the readers'); an entry the index no longer names there (collected, or
     * replaced by a repair) is passed over, and its place forgotten.
     */
    @Override
    public ScrubPass scrub(double fraction, java.util.function.BiConsumer<ChunkId, String> bad) throws IOException {
        synchronized (scrubbing) {
            boolean whole = fraction >= 1;
            Verify verify = new Verify(bad);
            long freshUpTo = -1;
            for (RocksIndex.Fresh f; (f = rocks.fresh(freshUpTo)) != null; freshUpTo = f.seq()) {
                if (!whole) { // a whole pass reads them below anyway
                    verify.check(f.entries());
                }
            }
            long fresh = verify.bytes;
            long budget = whole ? Long.MAX_VALUE : (long) Math.ceil(rocks.bytes() * fraction);
            byte[] kept = whole ? null : rocks.scrubState("cursor");
            byte[] start = kept == null || kept.length != 12 ? null : kept;
            byte[] at = start;
            boolean wrapped = false; // came round past the last place: every chunk read since the cursor began
            while (verify.bytes - fresh < budget) {
                long left = budget - (verify.bytes - fresh);
                int max = (int) Math.min(SCRUB_PART, Math.max(1, left / 4096 + 1));
                List<Map.Entry<ChunkId, Loc>> part = rocks.locatedAfter(at, max);
                if (wrapped && start != null) { // the second lap stops where this pass began
                    part = part.stream().filter(e -> Arrays.compareUnsigned(
                            RocksIndex.locationKey(e.getValue()), start) <= 0).toList();
                }
                if (part.isEmpty()) {
                    if (wrapped || start == null) {
                        wrapped = true;
                        break; // round once, or the first lap of a store read from its first place
                    }
                    wrapped = true;
                    at = null;
                    continue;
                }
                rocks.forgetLocations(verify.check(part));
                at = RocksIndex.locationKey(part.get(part.size() - 1).getValue());
                if (wrapped && start != null && Arrays.equals(at, start)) {
                    break;
                }
            }
            RocksIndex.ManifestSlice ms = rocks.manifestSlice(refs().values(), fraction);
            Map<String, byte[]> state = new HashMap<>();
            state.put("manifest", ms.cursor());
            if (!whole && at != null) {
                state.put("cursor", at);
            }
            rocks.scrubbed(state, ms.stored(), freshUpTo);
            return new ScrubPass(verify.checked, verify.bytes, ms.check(), wrapped || whole);
        }
    }

    /** Entries a scrub pass reads from the local copy at a time (some 4 MiB of chunks). */
    static final int SCRUB_PART = 1024;
    /** A scrub's download takes neighbouring chunks of a pack together, across gaps of at most this... */
    static final int SCRUB_GAP = 64 << 10;
    /** ...up to this many bytes in one request. */
    static final int SCRUB_SPAN = 4 << 20;
    /** One pass at a time per store (its cursor). */
    private final Object scrubbing = new Object();

    /** Verifies parts of index entries against their packs: what a scrub pass read and found. */
    private final class Verify {
        final java.util.function.BiConsumer<ChunkId, String> bad;
        long checked;
        /** Bytes of the entries passed over (live or not): what the slice's budget counts. */
        long bytes;

        Verify(java.util.function.BiConsumer<ChunkId, String> bad) {
            this.bad = bad;
        }

        /** Verifies the entries the index still names where they say; answers the places of the others. */
        List<Loc> check(List<Map.Entry<ChunkId, Loc>> part) throws IOException {
            List<ChunkId> ids = new ArrayList<>(part.size());
            for (var e : part) {
                ids.add(e.getKey());
                bytes += e.getValue().length();
            }
            Loc[] now = rocks.getAll(ids);
            List<Map.Entry<ChunkId, Loc>> live = new ArrayList<>();
            List<Loc> stale = new ArrayList<>();
            for (int i = 0; i < now.length; i++) {
                if (part.get(i).getValue().equals(now[i])) {
                    live.add(part.get(i));
                } else {
                    stale.add(part.get(i).getValue());
                }
            }
            live.sort(java.util.Comparator.comparingInt((Map.Entry<ChunkId, Loc> e) -> e.getValue().pack())
                    .thenComparingLong(e -> e.getValue().offset()));
            for (int i = 0; i < live.size(); ) {
                Loc first = live.get(i).getValue();
                long end = first.offset() + first.length();
                int j = i + 1;
                for (; j < live.size(); j++) {
                    Loc l = live.get(j).getValue();
                    if (l.pack() != first.pack() || l.offset() < end || l.offset() - end > SCRUB_GAP
                            || l.offset() + l.length() - first.offset() > SCRUB_SPAN) {
                        break;
                    }
                    end = l.offset() + l.length();
                }
                run(live.subList(i, j), first, end);
                i = j;
            }
            return stale;
        }

        /** One download of {@code [first.offset, end)} of a pack, and the chunks in it verified. */
        private void run(List<Map.Entry<ChunkId, Loc>> run, Loc first, long end) throws IOException {
            byte[] data;
            String problem = null;
            try {
                data = download(first.pack(), first.offset(), (int) (end - first.offset()));
            } catch (BlobStorageException e) {
                data = new byte[0];
                problem = e.getStatusCode() == 404 ? "missing" : e.getStatusCode() == 416 ? "corrupt" : "unreadable";
            } catch (RuntimeException e) {
                data = new byte[0];
                problem = "unreadable";
            }
            MessageDigest sha = SHA.get();
            for (var e : run) {
                Loc l = e.getValue();
                int rel = (int) (l.offset() - first.offset());
                checked++;
                boolean ok = problem == null && rel + l.length() <= data.length
                        && ChunkId.digest(sha, data, rel, l.length()).equals(e.getKey());
                if (!ok && l.equals(rocks.get(e.getKey()))) { // else collected or repaired meanwhile
                    bad.accept(e.getKey(), problem != null ? problem : "corrupt");
                }
            }
        }
    }

    /** Whether opening rebuilt the index's local copy from the whole remote generation. */
    public boolean indexRebuilt() {
        return rebuilt;
    }

    /** The index generation being appended to. */
    public synchronized long indexGeneration() {
        return indexGeneration;
    }

    /**
     * Appends index records, at most {@link #RECORDS_PER_APPEND} per (atomic) append block, to a blob holding
     * {@code blocks} blocks; answers how many it holds after (as the service counts them).
     */
    private static int append(AppendBlobClient out, List<Map.Entry<ChunkId, Loc>> entries, int blocks) {
        for (int from = 0; from < entries.size(); from += RECORDS_PER_APPEND) {
            ByteBuffer buf = records(entries, from, Math.min(entries.size(), from + RECORDS_PER_APPEND));
            Integer count = out.appendBlock(new ByteArrayInputStream(buf.array()), buf.remaining())
                    .getBlobCommittedBlockCount();
            blocks = count != null ? count : blocks + 1;
        }
        return blocks;
    }

    private static int blocksFor(int records) {
        return (records + RECORDS_PER_APPEND - 1) / RECORDS_PER_APPEND;
    }

    /**
     * The remote generation first (the durable index), then the local copy with how far it now holds it. Either
     * failing leaves the two apart for now: the next commit rolls over to a generation written from the local copy.
     */
    @Override
    protected void appendToIndex(List<Map.Entry<ChunkId, Loc>> entries) throws IOException {
        requireWriter();
        if (indexLength < 0 || indexBlocks + blocksFor(entries.size()) > indexBlocksMax) {
            // the local copy's entries as the next generation (a crash midway leaves the current one in force),
            // then these entries after them
            rewriteIndex();
        }
        try {
            indexBlocks = append(indexOut, entries, indexBlocks);
            indexLength += (long) entries.size() * RECORD;
            rocks.put(entries, false, source());
        } catch (IOException | RuntimeException e) {
            indexLength = -1;
            throw e;
        }
    }

    static IOException io(String what, RuntimeException e) {
        if (e instanceof UncheckedIOException u) {
            return new IOException("cannot " + what + ": " + u.getCause().getMessage(), u.getCause());
        }
        return new IOException("cannot " + what + ": " + e.getMessage(), e);
    }

    @Override
    public void close() {
        if (renewal != null) {
            renewal.cancel(false);
        }
        dropCache();
        rocks.close();
        releaseQuietly(lease);
    }

    @Override
    public String toString() {
        return region() + "/" + container.getBlobContainerName() + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    final class AzSession extends PackSession {
        private final byte[] buf = new byte[BLOCK];
        private int buffered;
        private BlockBlobClient out;
        private List<String> blocks = new ArrayList<>();
        private int pack;
        private long written;

        @Override
        protected Loc write(byte[] b, int off, int len) {
            if (out == null || written + buffered + len > PACK_MAX || blocks.size() >= MAX_BLOCKS) {
                roll();
            }
            if (buf.length - buffered < len) {
                flush();
            }
            Loc loc = new Loc(pack, written + buffered, len);
            System.arraycopy(b, off, buf, buffered, len);
            buffered += len;
            return loc;
        }

        /** Commits the pack being written (its chunks stay unindexed until {@link #commit()}) and starts the next. */
        private void roll() {
            requireWriterUnchecked();
            if (out != null) {
                flush();
                out.commitBlockList(blocks, true);
            }
            pack = startPack();
            out = blob(packName(pack)).getBlockBlobClient();
            blocks = new ArrayList<>();
            written = 0;
        }

        /** Stages the buffer as the pack's next block (Put Block). */
        private void flush() {
            if (buffered == 0) {
                return;
            }
            requireWriterUnchecked();
            String id = Base64.getEncoder().encodeToString(
                    String.format("%08d", blocks.size()).getBytes(StandardCharsets.US_ASCII));
            out.stageBlock(id, new ByteArrayInputStream(buf, 0, buffered), buffered);
            blocks.add(id);
            written += buffered;
            buffered = 0;
        }

        @Override
        protected void writeOut() {
            flush();
            requireWriterUnchecked();
            out.commitBlockList(blocks, true);
        }

        @Override
        protected void release() {
            // nothing held but the heap buffer
        }
    }
}

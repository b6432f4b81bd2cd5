package dev.imagegallery.replication.service;

import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.db.StoredTime;
import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.common.outbox.OutboxRelay;
import dev.imagegallery.events.BlobRef;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.events.Regions;
import dev.imagegallery.replication.config.StoreConfig;
import dev.imagegallery.replication.content.Ingest;
import dev.imagegallery.replication.content.TenantStores;
import dev.imagegallery.replication.domain.Blob;
import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.Manifest;
import dev.imagegallery.replication.store.StoreFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Uploads into a region's store and downloads from it. Blocking (it streams files), so it talks to the database
 * through the reactive pool and waits, on the worker thread it runs on.
 */
@ApplicationScoped
@Startup // its gauges (ingesting uploads, usable bytes) exist from the start, not from the first blob request
public class BlobService {
    static final Pattern SHA256 = Pattern.compile("^(sha256:)?([0-9a-fA-F]{64})$");
    static final Pattern REGION = Pattern.compile("^[A-Za-z0-9 ]{1,64}$");
    static final Duration DB_WAIT = Duration.ofSeconds(30);

    private final TenantStores stores;
    private final Pool pool;
    private final Outbox outbox;
    private final StoreConfig config;
    private final ExecutorService hasher;
    private final int uploadSlotCount;
    private final Semaphore uploadSlots;
    /** Striped locks of blob names (see {@link #lockOf}). */
    private final ReentrantLock[] keyLocks = new ReentrantLock[256];
    private final Counter uploadsRefusedFull;

    public BlobService(TenantStores stores, Pool pool, StoreConfig config, MeterRegistry registry, Outbox outbox) {
        this.outbox = outbox;
        this.stores = stores;
        this.pool = pool;
        this.config = config;
        this.hasher = stores.hashers();
        this.uploadSlotCount = Math.max(1, config.maxConcurrentUploads());
        this.uploadSlots = new Semaphore(uploadSlotCount, true);
        for (int i = 0; i < keyLocks.length; i++) {
            keyLocks[i] = new ReentrantLock();
        }
        Gauge.builder("gallery.replication.uploads.ingesting", this, BlobService::uploadsInProgress)
                .description("Uploads and block-list commits ingesting now (at most "
                        + "gallery.store.max-concurrent-uploads; others wait for a slot)")
                .strongReference(true) // held weakly, the gauge vanished from /q/metrics in one CI run of DiskFullTest
                .register(registry);
        this.uploadsRefusedFull = StorageFull.counter(registry, "upload");
        StorageFull.gauge(registry, stores.root());
    }

    /** Uploads holding an ingest slot now. */
    public int uploadsInProgress() {
        return uploadSlotCount - uploadSlots.availablePermits();
    }

    public static String validRegion(String region) {
        if (region == null || !REGION.matcher(region).matches()) {
            throw ArmException.invalid("InvalidRegion", "The region must be a region name such as 'westeurope' (or "
                    + "its display name, 'West Europe'): letters, digits and spaces, at most 64.", "region");
        }
        String r = Regions.normalise(region);
        if (r == null) {
            throw ArmException.notFound("RegionNotFound", "The region '" + region + "' does not exist; known regions "
                    + "are " + Regions.names() + ".", "region");
        }
        return r;
    }

    public static String validSubscription(String sub) {
        try {
            if (sub.length() != 36) {
                throw new IllegalArgumentException();
            }
            return UUID.fromString(sub).toString();
        } catch (IllegalArgumentException e) {
            throw ArmException.invalid("InvalidSubscriptionId", "The subscription id '" + printable(sub)
                    + "' is not a GUID.", "subscriptionId");
        }
    }

    public static String validName(String name) {
        if (name == null || !BlobRef.NAME.matcher(name).matches()) {
            throw ArmException.invalid("InvalidBlobName", "The blob name '" + printable(name) + "' is invalid: use 1 "
                    + "to 255 letters, digits, periods, hyphens and underscores, starting with a letter or digit.",
                    "name");
        }
        return name;
    }

    /** A value echoed in an error message: control characters replaced, at most 100 characters. */
    public static String printable(String s) {
        if (s == null) {
            return "";
        }
        String p = s.replaceAll("\\p{Cntrl}", "?");
        return p.length() > 100 ? p.substring(0, 100) + "..." : p;
    }

    /** Parses the optional X-Content-SHA256 header (hex, or sha256:hex; at most once); null when absent. */
    public static String expectedDigest(List<String> values) {
        if (values == null || values.isEmpty()) {
            return null;
        }
        String header = values.get(0);
        if (values.size() == 1 && (header == null || header.isBlank())) {
            return null;
        }
        var m = SHA256.matcher(header == null ? "" : header.trim());
        if (values.size() > 1) {
            throw ArmException.invalid("InvalidHeaderValue", "X-Content-SHA256 may be sent once, not "
                    + values.size() + " times.", "X-Content-SHA256");
        }
        if (!m.matches()) {
            throw ArmException.invalid("InvalidHeaderValue", "X-Content-SHA256 must be 64 hex digits, optionally "
                    + "prefixed with 'sha256:'.", "X-Content-SHA256");
        }
        return m.group(2).toLowerCase(Locale.ROOT);
    }

    /**
     * Streams the body into the region's first replica store of the tenant's namespace (the tenant owning the
     * subscription); nothing becomes visible unless every byte announced arrived and the digest checks out.
     * {@code contentLength} is the request's Content-Length, or -1; {@code expectedMd5} is Content-MD5, Base64, or null
     * (Azure's Put Blob checks it, 400 {@code Md5Mismatch}); {@code condition} is the write's preconditions on the
     * blob's current content (its digest, if it has one), checked under the blob's lock as the upload commits.
     */
    public Blob upload(String tenant, String region, String sub, String name, String expectedHex, String expectedMd5,
                       java.util.function.Consumer<Optional<String>> condition, InputStream body, long contentLength) {
        byte[] md5 = md5Of(expectedMd5);
        acquireSlot();
        try {
            ChunkStore store = stores.of(tenant).store(region, 0);
            java.security.MessageDigest md = md5 == null ? null : md5Digest();
            InputStream in = atMost(body, config.maxBlobSize(), "blob");
            Ingest.Result r = ingest(store, md == null ? in : new java.security.DigestInputStream(in, md),
                    contentLength);
            if (md != null && !java.security.MessageDigest.isEqual(md.digest(), md5)) {
                discard(store, r);
                throw ArmException.invalid("Md5Mismatch", "The MD5 value specified in the request did not match "
                        + "the MD5 value calculated by the server; nothing was stored.", "Content-MD5");
            }
            return commit(tenant, region, sub, name, expectedHex, condition, store, r);
        } catch (RuntimeException e) {
            throw full(region, e);
        } finally {
            uploadSlots.release();
        }
    }

    /**
     * 507 when {@code e} is a full disk (the ingest session was discarded on its way out: nothing of the upload is
     * indexed, and what it wrote to packs goes with it), 503 when the store failed otherwise (an I/O failure outside
     * the body: opening the store, committing, the manifest, the ref), else {@code e} itself.
     */
    private RuntimeException full(String region, RuntimeException e) {
        if (e instanceof ArmException) {
            return e;
        }
        if (StorageFull.is(e)) {
            return refusedFull(region, e);
        }
        if (e instanceof UncheckedIOException || StoreFailure.is(e)) {
            return unavailable(region, e);
        }
        return e;
    }

    /** 503 for an upload whose store failed (logged): the server's failure, which the client may retry. */
    private static ArmException unavailable(String region, Exception e) {
        Log.warnf("region %s: an upload's store failed (answered 503): %s", region, e.getMessage());
        return StorageFull.unavailable(region, "nothing was stored");
    }

    /** 507 for an upload that found the disk full (counted, logged). */
    private ArmException refusedFull(String region, Exception e) {
        uploadsRefusedFull.increment();
        Log.warnf("region %s: an upload found the disk full (answered 507): %s", region, e.getMessage());
        return StorageFull.refused(region);
    }

    private void acquireSlot() {
        try {
            if (!uploadSlots.tryAcquire(config.uploadSlotWaitMillis(), TimeUnit.MILLISECONDS)) {
                throw new ArmException(503, "ServerBusy", "The service is ingesting " + uploadSlotCount
                        + " uploads already and none finished within " + config.uploadSlotWaitMillis() + " ms; "
                        + "nothing was stored. Retry later.", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ArmException(503, "ServerBusy", "The upload was interrupted while waiting for a free slot; "
                    + "nothing was stored.", null);
        }
    }

    private Ingest.Result ingest(ChunkStore store, InputStream body, long contentLength) {
        try {
            return Ingest.ingest(body, store, hasher, contentLength);
        } catch (IOException | UncheckedIOException e) {
            if (StorageFull.is(e)) {
                throw refusedFull(store.region(), e);
            }
            if (StoreFailure.is(e)) {
                throw unavailable(store.region(), e);
            }
            throw uploadIncomplete("The upload was interrupted or truncated: " + e.getMessage());
        }
    }

    /**
     * Makes ingested content the blob's: chunks, manifest, then (under the blob's lock) the ref and the row, so that
     * concurrent uploads and deletions of one name leave the ref naming what the row names. The session keeps the
     * manifest alive until the ref does: a collection running meanwhile (another blob's deletion) cannot drop it.
     */
    /** Drops an ingested upload that will not be committed (and, after a large one, what it committed as it went). */
    private static void discard(ChunkStore store, Ingest.Result r) {
        r.session().close();
        if (r.usedBytes() >= Ingest.COMMIT_EVERY) {
            Ingest.collectQuietly(store);
        }
    }

    private Blob commit(String tenant, String region, String sub, String name, String expectedHex,
                        java.util.function.Consumer<Optional<String>> condition, ChunkStore store,
                        Ingest.Result r) {
        Blob b = new Blob();
        b.key = Blob.keyOf(region, sub, name);
        b.region = region;
        b.subscriptionId = sub.toLowerCase(Locale.ROOT);
        b.name = name;
        b.tenantId = tenant;
        b.digest = r.digestHex();
        b.sizeBytes = r.manifest().size;
        b.usedBytes = r.usedBytes();
        b.format = r.manifest().format;
        b.createdAt = StoredTime.now(); // its event says what the row says
        String ref = blobRef(region, sub, name);
        try (ChunkStore.Session session = r.session()) {
            if (expectedHex != null && !expectedHex.equals(r.digestHex())) {
                session.close();
                if (r.usedBytes() >= Ingest.COMMIT_EVERY) {
                    Ingest.collectQuietly(store); // what a large upload committed as it went
                }
                throw ArmException.invalid("ContentDigestMismatch", "The content's SHA-256 is sha256:"
                        + r.digestHex() + " but X-Content-SHA256 says sha256:" + expectedHex
                        + "; nothing was stored.", "X-Content-SHA256");
            }
            session.commit();
            session.keep(r.digestHex());
            store.putManifest(r.manifest());
            ReentrantLock lock = lockOf(b.key);
            lock.lock();
            try {
                Optional<String> before = store.ref(ref);
                try {
                    condition.accept(before); // a write of the same name committed since the upload started
                } catch (ArmException e) {
                    Ingest.collectQuietly(store); // its content, stored under no name
                    throw e;
                }
                store.setRef(ref, r.digestHex());
                try {
                    upsert(b);
                } catch (RuntimeException e) {
                    if (before.isPresent()) {
                        store.setRef(ref, before.get()); // the row still names the old content: keep it alive
                    } else {
                        store.deleteRef(ref);
                    }
                    throw e;
                }
            } finally {
                lock.unlock();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b;
    }

    /** The blob's row and its {@code BlobCommitted} event (catalog creates managed images only from known blobs). */
    private void upsert(Blob b) {
        pool.withTransaction(conn -> conn.preparedQuery("INSERT INTO blob (key, region, subscription_id, name, "
                        + "digest, size_bytes, used_bytes, format, created_at, tenant_id) VALUES ($1, $2, $3, $4, $5, "
                        + "$6, $7, $8, $9, $10) ON CONFLICT (key) DO UPDATE SET digest = EXCLUDED.digest, size_bytes = "
                        + "EXCLUDED.size_bytes, used_bytes = EXCLUDED.used_bytes, format = EXCLUDED.format, created_at = "
                        + "EXCLUDED.created_at, tenant_id = EXCLUDED.tenant_id")
                        .execute(Tuple.from(new Object[]{b.key, b.region, b.subscriptionId, b.name, b.digest,
                                b.sizeBytes, b.usedBytes, b.format, OffsetDateTime.ofInstant(b.createdAt,
                                ZoneOffset.UTC), b.tenantId}))
                        .flatMap(x -> outbox.emit(conn, EventTypes.BLOB_COMMITTED, subject(b.region, b.subscriptionId,
                                b.name), new Payloads.BlobCommitted(b.region, b.subscriptionId, b.name, b.digest,
                                b.sizeBytes, b.createdAt))))
                .await().atMost(DB_WAIT);
        OutboxRelay.wakeAll();
    }

    /** The subject (and Kafka key) of a blob's events: its path on the data plane. */
    static String subject(String region, String sub, String name) {
        return BlobRef.pathOf(region, sub, name);
    }

    /** The lock of one blob name: its ref, row and staged blocks change under it. */
    private ReentrantLock lockOf(String key) {
        return keyLocks[Math.floorMod(key.hashCode(), keyLocks.length)];
    }

    /**
     * Deletes a blob (Azure Delete Blob): its row first, then its ref in the region's store and its staged blocks
     * (under the blob's lock), then the store collects what nothing references any more (a version replicated from
     * the blob keeps its own ref to the same chunks). A crash between the two leaves an unnamed ref, never a row naming
     * freed content.
     */
    /**
     * Deletes the blob (or the blocks staged for a name never committed). {@code condition} sees the blob as it is under
     * its lock, before anything is deleted, and refuses the DELETE by throwing (its preconditions).
     */
    public void delete(String tenant, String region, String sub, String name,
                       java.util.function.Consumer<Blob> condition) {
        String key = Blob.keyOf(region, sub, name);
        ChunkStore store;
        ReentrantLock lock = lockOf(key);
        lock.lock();
        try {
            Blob current;
            try {
                current = find(region, sub, name);
            } catch (ArmException e) {
                if (e.status() != 404) {
                    throw e;
                }
                current = null;
            }
            if (current != null) {
                condition.accept(current);
            }
            var rows = pool.withTransaction(conn -> conn.preparedQuery("DELETE FROM blob WHERE key = $1 "
                            + "RETURNING tenant_id").execute(Tuple.of(key))
                    .call(r -> r.rowCount() == 0 ? Uni.createFrom().voidItem()
                            : outbox.emit(conn, EventTypes.BLOB_DELETED, subject(region, sub, name),
                            new Payloads.BlobDeleted(region, sub, name, Instant.now()))))
                    .await().atMost(DB_WAIT);
            OutboxRelay.wakeAll();
            if (rows.rowCount() == 0) {
                // blocks staged for a blob never committed go with the DELETE too (they were kept for good)
                if (Files.isDirectory(stagingDir(region, sub, name))) {
                    deleteTree(stagingDir(region, sub, name));
                    return;
                }
                throw blobNotFound(region, name);
            }
            String owner = rows.iterator().next().getString("tenant_id");
            store = stores.of(owner != null ? owner : tenant).store(region, 0);
            store.deleteRef(blobRef(region, sub, name));
            deleteTree(stagingDir(region, sub, name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            lock.unlock();
        }
        try {
            store.collect();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** 400 UploadIncomplete: the body broke off, stalled or was shorter than its Content-Length. */
    public static ArmException uploadIncomplete(String why) {
        return ArmException.invalid("UploadIncomplete", why + "; nothing was stored.", "body");
    }

    private static ArmException blobNotFound(String region, String name) {
        return ArmException.notFound("BlobNotFound", "The blob '" + name + "' does not exist in region '" + region
                + "'.", name);
    }

    public Blob find(String region, String sub, String name) {
        var rows = pool.preparedQuery("SELECT * FROM blob WHERE key = $1")
                .execute(Tuple.of(Blob.keyOf(region, sub, name))).await().atMost(DB_WAIT);
        if (rows.size() == 0) {
            throw blobNotFound(region, name);
        }
        Row r = rows.iterator().next();
        Blob b = new Blob();
        b.key = r.getString("key");
        b.region = r.getString("region");
        b.subscriptionId = r.getString("subscription_id");
        b.name = r.getString("name");
        b.tenantId = r.getString("tenant_id");
        b.digest = r.getString("digest");
        b.sizeBytes = r.getLong("size_bytes");
        b.usedBytes = r.getLong("used_bytes");
        b.format = r.getString("format");
        b.createdAt = r.getOffsetDateTime("created_at").toInstant();
        return b;
    }

    static String blobRef(String region, String sub, String name) {
        return "blob:" + Blob.keyOf(region, sub, name);
    }

    /** The manifest of a blob's content in its region (in its tenant's stores). */
    public Manifest manifestOf(Blob b) {
        ArmException missing = ArmException.notFound("BlobNotFound", "The content of blob '" + b.name
                + "' is missing from region '" + b.region + "'.", b.name);
        if (b.tenantId == null) {
            throw missing; // a row from before tenant namespaces whose subscription was unknown: nothing to read
        }
        try {
            return stores.of(b.tenantId).store(b.region, 0).manifest(b.digest).orElseThrow(() -> missing);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // --- Put Block / Put Block List: a large upload in resumable pieces ---

    /**
     * Stages one block (any size up to the disk) of a blob; blocks stay invisible until a block list commits them. The
     * body goes to a file of its own first; only a whole block is moved among the blob's staged blocks, under the
     * blob's lock (a commit or a deletion of the blob may be running).
     */
    public long putBlock(String region, String sub, String name, String blockId, InputStream body,
                         long contentLength) {
        return putBlock(region, sub, name, blockId, body, contentLength, null, null);
    }

    /**
     * Stages a block; {@code expectedHex} (X-Content-SHA256) and {@code expectedMd5} (Content-MD5, Base64, as Azure's
     * SDKs send it for a block) are checked before it is staged: both were taken and ignored (a hostile probe staged a
     * block under a digest of zeros).
     */
    public long putBlock(String region, String sub, String name, String blockId, InputStream body,
                         long contentLength, String expectedHex, String expectedMd5) {
        String id = blockKey(blockId);
        byte[] md5 = md5Of(expectedMd5);
        Path dir = stagingDir(region, sub, name);
        try {
            Path incoming = dir.getParent().resolve("incoming");
            Files.createDirectories(incoming);
            Path tmp = incoming.resolve(UUID.randomUUID() + ".part");
            long n;
            java.security.MessageDigest sha = ChunkId.sha256();
            java.security.MessageDigest md = md5 == null ? null : md5Digest();
            try (var out = Files.newOutputStream(tmp)) {
                InputStream in = new java.security.DigestInputStream(atMost(body, MAX_BLOCK_BYTES, "block"), sha);
                n = (md == null ? in : new java.security.DigestInputStream(in, md)).transferTo(out);
            } catch (IOException e) {
                Files.deleteIfExists(tmp);
                if (StorageFull.is(e)) {
                    throw refusedFull(region, e);
                }
                throw uploadIncomplete("The block upload was interrupted: " + e.getMessage());
            } catch (RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            if (contentLength >= 0 && n != contentLength) {
                Files.deleteIfExists(tmp);
                throw uploadIncomplete("Received " + n + " of " + contentLength + " bytes");
            }
            String got = HexFormat.of().formatHex(sha.digest());
            if (expectedHex != null && !expectedHex.equals(got)) {
                Files.deleteIfExists(tmp);
                throw ArmException.invalid("ContentDigestMismatch", "The block's SHA-256 is sha256:" + got
                        + " but X-Content-SHA256 says sha256:" + expectedHex + "; the block was not staged.",
                        "X-Content-SHA256");
            }
            if (md != null && !java.security.MessageDigest.isEqual(md5, md.digest())) {
                Files.deleteIfExists(tmp);
                throw ArmException.invalid("Md5Mismatch", "The MD5 value specified in the request did not match "
                        + "the MD5 value calculated by the server; the block was not staged.", "Content-MD5");
            }
            ReentrantLock lock = lockOf(Blob.keyOf(region, sub, name));
            lock.lock();
            try {
                Files.createDirectories(dir);
                Files.move(tmp, dir.resolve(id), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } finally {
                lock.unlock();
            }
            return n;
        } catch (IOException e) {
            throw full(region, new UncheckedIOException(e));
        }
    }

    /**
     * Commits staged blocks, in the order given, as the blob's content (then forgets every staged block), with the
     * write's preconditions on the blob's current content checked as it commits. Holds the blob's lock throughout
     * (taken after the upload slot, as uploads take them), so a concurrent commit of the same blob waits and then finds
     * the blocks gone rather than reading them as they are deleted.
     */
    public Blob commitBlocks(String tenant, String region, String sub, String name, List<String> blockIds,
                             String expectedHex, java.util.function.Consumer<Optional<String>> condition) {
        Path dir = stagingDir(region, sub, name);
        acquireSlot();
        try {
            ReentrantLock lock = lockOf(Blob.keyOf(region, sub, name));
            lock.lock();
            try {
                List<Path> parts = new ArrayList<>();
                long total = 0;
                for (String id : blockIds) {
                    Path p = dir.resolve(blockKey(id));
                    if (!Files.isRegularFile(p)) {
                        throw ArmException.invalid("InvalidBlockList", "The block list names block '" + id
                                + "', which was never uploaded (or was already committed); nothing was committed.",
                                "body");
                    }
                    parts.add(p);
                    total += Files.size(p);
                    if (total > config.maxBlobSize()) {
                        throw ArmException.invalid("InvalidBlockList", "The blocks of the list add up to more than "
                                + config.maxBlobSize() + " bytes, the largest blob this system stores; nothing was "
                                + "committed.", "BlockList");
                    }
                }
                ChunkStore store = stores.of(tenant).store(region, 0);
                Blob b;
                try (InputStream in = new BlockStream(parts)) {
                    b = commit(tenant, region, sub, name, expectedHex, condition, store, ingest(store, in, total));
                }
                deleteTree(dir);
                return b;
            } finally {
                lock.unlock();
            }
        } catch (IOException e) {
            throw full(region, new UncheckedIOException(e));
        } catch (RuntimeException e) {
            throw full(region, e);
        } finally {
            uploadSlots.release();
        }
    }

    /** Azure's largest block (4000 MiB): a larger Put Block is 413 {@code RequestBodyTooLarge}. */
    public static final long MAX_BLOCK_BYTES = 4000L << 20;

    /** 413 {@code RequestBodyTooLarge} for a body past {@code max} bytes. */
    public static ArmException tooLarge(String what, long max) {
        return new ArmException(413, "RequestBodyTooLarge", "The request body is too large: a " + what
                + " takes at most " + max + " bytes.", "Content-Length");
    }

    /** The body, cut off with {@link #tooLarge} as soon as more than {@code max} bytes of it have been read. */
    static InputStream atMost(InputStream in, long max, String what) {
        return new java.io.FilterInputStream(in) {
            private long read;

            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    count(1);
                }
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = super.read(buf, off, len);
                if (n > 0) {
                    count(n);
                }
                return n;
            }

            private void count(long n) {
                read += n;
                if (read > max) {
                    throw tooLarge(what, max);
                }
            }
        };
    }

    /** Content-MD5 as Azure takes it: the Base64 of 16 bytes; null when not given; 400 naming it otherwise. */
    public static byte[] md5Of(String header) {
        if (header == null) {
            return null;
        }
        try {
            byte[] md5 = Base64.getDecoder().decode(header.strip());
            if (md5.length == 16) {
                return md5;
            }
        } catch (IllegalArgumentException e) {
            // refused below
        }
        throw ArmException.invalid("InvalidHeaderValue", "Content-MD5 must be the Base64 of a 16-byte MD5 digest.",
                "Content-MD5");
    }

    public static java.security.MessageDigest md5Digest() {
        try {
            return java.security.MessageDigest.getInstance("MD5");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String blockKey(String blockId) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(blockId == null ? "" : blockId);
        } catch (IllegalArgumentException e) {
            raw = new byte[0];
        }
        // one id, one spelling: the decoder also took "QQ" and "QR==" for "QQ==" (no padding, stray bits), so three
        // ids named one block and the last written won the commit
        if (raw.length > 0 && !Base64.getEncoder().encodeToString(raw).equals(blockId)) {
            throw ArmException.invalid("InvalidQueryParameterValue", "blockid must be canonical Base64 (padded, "
                    + "with no stray bits): '" + Base64.getEncoder().encodeToString(raw) + "' names those bytes.",
                    "blockid");
        }
        if (raw.length == 0 || raw.length > 64) {
            throw ArmException.invalid("InvalidQueryParameterValue", "blockid must be Base64 of 1 to 64 bytes.",
                    "blockid");
        }
        return HexFormat.of().formatHex(raw);
    }

    Path stagingDir(String region, String sub, String name) {
        String key = HexFormat.of().formatHex(ChunkId.sha256().digest(
                Blob.keyOf(region, sub, name).getBytes(StandardCharsets.UTF_8)));
        return stores.root().resolve(region).resolve("staging").resolve(key);
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a leftover staging folder only costs disk
        }
    }

    /** The staged blocks, one after another, opened one at a time. */
    static final class BlockStream extends InputStream {
        private final java.util.Iterator<Path> parts;
        private InputStream current = InputStream.nullInputStream();

        BlockStream(List<Path> parts) {
            this.parts = parts.iterator();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                int n = current.read(b, off, len);
                if (n >= 0) {
                    return n;
                }
                current.close();
                if (!parts.hasNext()) {
                    return -1;
                }
                current = Files.newInputStream(parts.next());
            }
        }

        @Override
        public void close() throws IOException {
            current.close();
        }
    }

    /** The blob's URI on {@code base} (the origin the client called, see {@code Origins}), or on this service's own. */
    public String uriOf(Blob b, String base) {
        return (base != null ? base : config.publicBaseUrl()) + BlobRef.pathOf(b.region, b.subscriptionId, b.name);
    }
}

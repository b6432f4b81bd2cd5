package dev.imagegallery.replication.service;

import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.events.Regions;
import dev.imagegallery.replication.config.StoreConfig;
import dev.imagegallery.replication.domain.Blob;
import dev.imagegallery.replication.store.RegionStores;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Uploads into a region's store and downloads from it. Blocking (it streams files), so it talks to the database
 * through the reactive pool and waits, on the worker thread it runs on.
 */
@ApplicationScoped
public class BlobService {
    static final Pattern NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$");
    static final Pattern SHA256 = Pattern.compile("^(sha256:)?([0-9a-fA-F]{64})$");
    static final Duration DB_WAIT = Duration.ofSeconds(30);

    private final RegionStores stores;
    private final Pool pool;
    private final StoreConfig config;

    public BlobService(RegionStores stores, Pool pool, StoreConfig config) {
        this.stores = stores;
        this.pool = pool;
        this.config = config;
    }

    public static String validRegion(String region) {
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
            throw ArmException.invalid("InvalidSubscriptionId", "The subscription id '" + sub + "' is not a GUID.",
                    "subscriptionId");
        }
    }

    public static String validName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw ArmException.invalid("InvalidBlobName", "The blob name '" + name + "' is invalid: use 1 to 255 "
                    + "letters, digits, periods, hyphens and underscores, starting with a letter or digit.", "name");
        }
        return name;
    }

    /** Parses the optional X-Content-SHA256 header (hex, or sha256:hex); null when absent. */
    public static String expectedDigest(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        var m = SHA256.matcher(header.trim());
        if (!m.matches()) {
            throw ArmException.invalid("InvalidHeaderValue", "X-Content-SHA256 must be 64 hex digits, optionally "
                    + "prefixed with 'sha256:'.", "X-Content-SHA256");
        }
        return m.group(2).toLowerCase(Locale.ROOT);
    }

    /** Streams the body into the region's store; nothing becomes visible unless the digest checks out. */
    public Blob upload(String region, String sub, String name, String expectedHex, InputStream body) {
        RegionStores.Written w;
        try {
            w = stores.ingest(region, body);
        } catch (IOException e) {
            throw ArmException.invalid("UploadIncomplete", "The upload was interrupted or truncated: "
                    + e.getMessage(), null);
        }
        if (expectedHex != null && !expectedHex.equals(w.digestHex())) {
            stores.discard(w);
            throw ArmException.invalid("ContentDigestMismatch", "The content's SHA-256 is sha256:" + w.digestHex()
                    + " but X-Content-SHA256 says sha256:" + expectedHex + "; nothing was stored.",
                    "X-Content-SHA256");
        }
        try {
            stores.commit(w, region, 0);
        } catch (IOException e) {
            stores.discard(w);
            throw new UncheckedIOException(e);
        }
        Blob b = new Blob();
        b.key = Blob.keyOf(region, sub, name);
        b.region = region;
        b.subscriptionId = sub.toLowerCase(Locale.ROOT);
        b.name = name;
        b.digest = w.digestHex();
        b.sizeBytes = w.sizeBytes();
        b.usedBytes = w.usedBytes();
        b.format = w.format();
        b.createdAt = Instant.now();
        pool.preparedQuery("INSERT INTO blob (key, region, subscription_id, name, digest, size_bytes, used_bytes, "
                        + "format, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (key) DO UPDATE "
                        + "SET digest = EXCLUDED.digest, size_bytes = EXCLUDED.size_bytes, used_bytes = "
                        + "EXCLUDED.used_bytes, format = EXCLUDED.format, created_at = EXCLUDED.created_at")
                .execute(Tuple.from(new Object[]{b.key, b.region, b.subscriptionId, b.name, b.digest, b.sizeBytes,
                        b.usedBytes, b.format, OffsetDateTime.ofInstant(b.createdAt, ZoneOffset.UTC)}))
                .await().atMost(DB_WAIT);
        return b;
    }

    public Blob find(String region, String sub, String name) {
        var rows = pool.preparedQuery("SELECT * FROM blob WHERE key = $1")
                .execute(Tuple.of(Blob.keyOf(region, sub, name))).await().atMost(DB_WAIT);
        if (rows.size() == 0) {
            throw ArmException.notFound("BlobNotFound", "The blob '" + name + "' does not exist in region '" + region
                    + "'.", name);
        }
        Row r = rows.iterator().next();
        Blob b = new Blob();
        b.key = r.getString("key");
        b.region = r.getString("region");
        b.subscriptionId = r.getString("subscription_id");
        b.name = r.getString("name");
        b.digest = r.getString("digest");
        b.sizeBytes = r.getLong("size_bytes");
        b.usedBytes = r.getLong("used_bytes");
        b.format = r.getString("format");
        b.createdAt = r.getOffsetDateTime("created_at").toInstant();
        return b;
    }

    public Path contentPath(Blob b) {
        return stores.objectPath(b.region, 0, b.digest);
    }

    public String uriOf(Blob b) {
        return config.publicBaseUrl() + "/blobs/" + b.region + "/" + b.subscriptionId + "/" + b.name;
    }
}

package dev.imagegallery.catalog.service;

import dev.imagegallery.catalog.config.CatalogConfig;
import dev.imagegallery.catalog.persistence.BlobView;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.db.RowWait;
import dev.imagegallery.events.BlobRef;
import dev.imagegallery.events.Payloads;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;

/**
 * Which blobs the data plane holds, from replication-service's events: a managed image is created only from a blob
 * that exists (a blob URI naming nothing, or another subscription's blob, used to be accepted and the version built on
 * it failed later).
 */
@ApplicationScoped
public class BlobCatalog {

    private final Pool pool;
    private final Vertx vertx;
    private final CatalogConfig config;

    public BlobCatalog(Pool pool, Vertx vertx, CatalogConfig config) {
        this.pool = pool;
        this.vertx = vertx;
        this.config = config;
    }

    /**
     * Fails with 400 naming {@code target} unless the blob is committed. A blob uploaded a moment ago may not be known
     * yet (its event is under way): the answer waits for it up to {@code gallery.catalog.blob-wait}. Polls with a
     * timer of the caller's Vert.x context, so the request goes on where it started.
     */
    public Uni<Void> requireCommitted(BlobRef ref, String target) {
        return RowWait.until(pool, vertx, "SELECT 1 FROM blob_view WHERE blob_key = $1", Tuple.of(BlobView.keyOf(ref)),
                config.blobWait()).map(found -> {
                    if (!found) {
                        throw ArmException.invalidParameter(target, "The blob '" + ref.uri() + "' does not exist (or "
                                + "its upload has not been committed).");
                    }
                    return null;
                });
    }

    // ---- from replication-service's events (inside the consumer's transaction) ----

    public Uni<Void> committed(Payloads.BlobCommitted e) {
        String key = BlobView.keyOf(e.region(), e.subscriptionId(), e.name());
        return BlobView.<BlobView>findById(key).flatMap(existing -> {
            BlobView b = existing != null ? existing : new BlobView();
            b.key = key;
            b.digest = e.digest();
            b.sizeBytes = e.sizeBytes();
            b.committedAt = e.committedAt() == null ? Instant.now() : e.committedAt();
            return existing != null ? Uni.createFrom().voidItem() : b.persist().replaceWithVoid();
        });
    }

    public Uni<Void> deleted(Payloads.BlobDeleted e) {
        return BlobView.delete("key", BlobView.keyOf(e.region(), e.subscriptionId(), e.name())).replaceWithVoid();
    }
}

package dev.imagegallery.replication.service;

import dev.imagegallery.events.Payloads;
import dev.imagegallery.replication.content.TenantStores;
import dev.imagegallery.replication.domain.ImageContent;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.Manifest;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * Keeps the content of each managed image (catalog-service's {@code ManagedImageChanged}) in its blob's region for as
 * long as the image exists: a ref {@code image:{id}} in the tenant's first replica store there, where uploads land,
 * and a row saying what it is. A version of the image copies it from there when the blob holds other content by then
 * (uploaded again) or none (deleted): before, the image named only its blob, and its versions got whatever the blob
 * held. Runs inside the consumer's transaction; the store's work (blocking file I/O) on a worker thread.
 */
@ApplicationScoped
public class ImageContents {
    private final TenantStores stores;
    private final Vertx vertx;

    public ImageContents(TenantStores stores, Vertx vertx) {
        this.stores = stores;
        this.vertx = vertx;
    }

    /** Sizes of a kept content: {@code size} bytes, {@code used} of them outside zero runs. */
    private record Kept(long size, long used) {
    }

    public Uni<Void> changed(Payloads.ManagedImageChanged e) {
        String key = ImageContent.keyOf(e.imageId());
        String region = e.sourceBlob().region();
        if (e.deleted()) {
            return ImageContent.<ImageContent>findById(key).flatMap(kept -> {
                if (kept == null) {
                    return Uni.createFrom().voidItem();
                }
                String tenant = kept.tenantId;
                return vertx.executeBlocking(() -> release(tenant, kept.region, key))
                        .flatMap(x -> ImageContent.delete("imageKey", key)).replaceWithVoid();
            });
        }
        return ReplicationService.tenantOf(e.tenantId(), e.subscriptionId()).flatMap(tenant -> {
            if (tenant == null) {
                Log.warnf("image %s: its subscription's tenant is unknown; its content is not kept", e.imageId());
                return Uni.createFrom().voidItem();
            }
            // the tenant's own store: content never crosses tenants, whatever blob the event names
            return vertx.executeBlocking(() -> keep(tenant, region, key, e.digest()))
                    .flatMap(kept -> kept.map(k -> ImageContent.<ImageContent>findById(key).flatMap(existing -> {
                        ImageContent ic = existing != null ? existing : new ImageContent();
                        ic.imageKey = key;
                        ic.tenantId = tenant;
                        ic.region = region;
                        ic.digest = e.digest();
                        ic.sizeBytes = k.size();
                        ic.usedBytes = k.used();
                        ic.createdAt = existing != null ? existing.createdAt : Instant.now();
                        return existing != null ? Uni.createFrom().voidItem() : ic.persist().replaceWithVoid();
                    })).orElseGet(() -> Uni.createFrom().voidItem()));
        });
    }

    /** Names the content in the region's first store, if it is there (empty: gone before the image kept it). */
    private Optional<Kept> keep(String tenant, String region, String key, String digest) throws Exception {
        ChunkStore store = stores.of(tenant).store(region, 0);
        Optional<Manifest> m = store.manifest(digest.toLowerCase(Locale.ROOT));
        if (m.isEmpty()) {
            // the blob was uploaded again (or deleted) and collected before this event: versions of the image fail,
            // naming the blob, rather than copy other bytes
            Log.warnf("image %s: its content sha256:%s is no longer in %s; not kept", key, digest, store);
            return Optional.empty();
        }
        store.setRef(ImageContent.refOf(key), m.get().contentHex);
        return Optional.of(new Kept(m.get().size, m.get().usedBytes()));
    }

    /** Drops the image's ref and collects what nothing else references (versions of it keep their own refs). */
    private Void release(String tenant, String region, String key) throws Exception {
        ChunkStore store = stores.of(tenant).store(region, 0);
        Log.infof("image %s deleted: released its content in %s: %s", key, store,
                store.release(ImageContent.refOf(key)));
        return null;
    }
}

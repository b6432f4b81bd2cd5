package dev.imagegallery.catalog.service;

import dev.imagegallery.catalog.config.CatalogConfig;
import dev.imagegallery.catalog.domain.ManagedImageSpec;
import dev.imagegallery.catalog.domain.ResourceIds;
import dev.imagegallery.common.arm.Tags;
import dev.imagegallery.catalog.domain.Validation;
import dev.imagegallery.catalog.persistence.BlobView;
import dev.imagegallery.catalog.persistence.ImageVersion;
import dev.imagegallery.catalog.persistence.ManagedImage;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.events.BlobRef;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Managed images, the sources of versions: a blob of this system's data plane, in the image's region. */
@ApplicationScoped
public class ManagedImageService {
    private final CatalogConfig config;
    private final BlobCatalog blobs;
    private final Outbox outbox;

    public ManagedImageService(CatalogConfig config, BlobCatalog blobs, Outbox outbox) {
        this.config = config;
        this.blobs = blobs;
        this.outbox = outbox;
    }

    /**
     * PUT: the body's rules (no database), then, for a new image, its blob must exist (checked outside the
     * transaction: the answer may wait for the blob's event), then the write.
     */
    public Uni<Upsert<ManagedImage>> put(String tenantId, String sub, String rg, String name, ManagedImageSpec spec,
                                         String called) {
        var checked = ManagedImageSpec.check(spec, rg, name, sub, config.dataPlaneUrl(),
                config.dataPlaneAliases().orElse(java.util.List.of()), called);
        return exists(sub, rg, name)
                .flatMap(exists -> exists ? Uni.createFrom().voidItem()
                        : blobs.requireCommitted(checked.blob(), ManagedImageSpec.BLOB_URI_TARGET))
                .flatMap(v -> write(tenantId, sub, rg, name, checked, spec.tags()));
    }

    @WithSession
    public Uni<Boolean> exists(String sub, String rg, String name) {
        return ManagedImage.count("key", ResourceIds.key(ResourceIds.managedImage(sub, rg, name))).map(n -> n > 0);
    }

    @WithTransaction
    public Uni<Upsert<ManagedImage>> write(String tenantId, String sub, String rg, String name,
                                           ManagedImageSpec.Checked spec, Map<String, String> tags) {
        String id = ResourceIds.managedImage(sub, rg, name);
        return ManagedImage.<ManagedImage>findById(ResourceIds.key(id)).flatMap(existing -> {
            if (existing != null) {
                Validation.immutable("properties.storageProfile.osDisk.blobUri", existing.blobUri, spec.blobUri());
                Validation.immutable("location", existing.location, spec.location());
                existing.tags = Tags.json(tags);
                return Uni.createFrom().item(new Upsert<>(existing, false));
            }
            // the content the image is made of: the blob's as it is now (a blob uploaded again later has other bytes)
            return BlobView.<BlobView>findById(BlobView.keyOf(spec.blob())).flatMap(blob -> {
                if (blob == null) { // deleted since requireCommitted found it
                    throw ArmException.invalidParameter(ManagedImageSpec.BLOB_URI_TARGET, "The blob '"
                            + spec.blob().uri() + "' does not exist (or its upload has not been committed).");
                }
                // replication-service keeps that content in the blob's region while the image exists
                return create(id, sub, rg, name, spec, tags, blob).call(u -> outbox.emit(
                        EventTypes.MANAGED_IMAGE_CHANGED, id, new Payloads.ManagedImageChanged(id, u.value()
                                .subscriptionId, tenantId, spec.blob(), blob.digest, false)));
            });
        });
    }

    private static Uni<Upsert<ManagedImage>> create(String id, String sub, String rg, String name,
                                                    ManagedImageSpec.Checked spec, Map<String, String> tags,
                                                    BlobView blob) {
        ManagedImage mi = new ManagedImage();
        mi.key = ResourceIds.key(id);
        mi.subscriptionId = sub.toLowerCase(Locale.ROOT);
        mi.resourceGroup = rg;
        mi.name = name;
        mi.location = spec.location();
        mi.osType = spec.osType();
        mi.osState = spec.osState();
        mi.blobUri = spec.blobUri();
        mi.sourceDigest = blob.digest;
        mi.sourceSizeBytes = blob.sizeBytes;
        mi.tags = Tags.json(tags);
        mi.provisioningState = "Succeeded";
        mi.createdAt = Instant.now();
        return mi.<ManagedImage>persist().map(x -> new Upsert<>(mi, true));
    }

    @WithSession
    public Uni<ManagedImage> managedImage(String sub, String rg, String name) {
        String id = ResourceIds.managedImage(sub, rg, name);
        return ManagedImage.<ManagedImage>findById(ResourceIds.key(id)).map(mi -> {
            if (mi == null) {
                throw ArmException.notFound("ImageNotFound", "The image '" + name + "' was not found.", id);
            }
            return mi;
        });
    }

    @WithSession
    public Uni<List<ManagedImage>> managedImages(String sub, String rg, int offset, int limit) {
        if (rg == null) {
            return ManagedImage.<ManagedImage>find("subscriptionId = ?1 order by key", sub.toLowerCase(Locale.ROOT))
                    .range(offset, offset + limit - 1).list();
        }
        return ManagedImage.<ManagedImage>find("subscriptionId = ?1 and lower(resourceGroup) = ?2 order by key",
                sub.toLowerCase(Locale.ROOT), rg.toLowerCase(Locale.ROOT)).range(offset, offset + limit - 1).list();
    }

    @WithTransaction
    public Uni<Boolean> deleteManagedImage(String sub, String rg, String name) {
        String id = ResourceIds.managedImage(sub, rg, name);
        return ManagedImage.<ManagedImage>findById(ResourceIds.key(id)).flatMap(mi -> {
            if (mi == null) {
                return Uni.createFrom().item(false);
            }
            return ImageVersion.count("lower(sourceId) = ?1 and provisioningState = 'Creating'", ResourceIds.key(id))
                    .flatMap(n -> {
                        if (n > 0) {
                            throw ArmException.conflict("ImageInUseByGalleryImageVersion", "The image '" + name
                                    + "' is the source of " + n + " image version(s) still being created.", id);
                        }
                        // replication-service lets the image's content go (versions made from it keep their own)
                        Uni<?> released = mi.sourceDigest == null ? Uni.createFrom().voidItem()
                                : outbox.emit(EventTypes.MANAGED_IMAGE_CHANGED, id, new Payloads.ManagedImageChanged(
                                        id, mi.subscriptionId, null, BlobRef.parse(mi.blobUri), mi.sourceDigest,
                                        true));
                        return released.flatMap(x -> ManagedImage.delete("key", mi.key)).map(rows -> rows > 0);
                    });
        });
    }
}

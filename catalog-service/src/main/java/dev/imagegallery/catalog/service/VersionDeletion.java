package dev.imagegallery.catalog.service;

import dev.imagegallery.catalog.config.CatalogConfig;
import dev.imagegallery.catalog.domain.ResourceIds;
import dev.imagegallery.catalog.domain.VersionLifecycle;
import dev.imagegallery.catalog.persistence.Gallery;
import dev.imagegallery.catalog.persistence.ImageVersion;
import dev.imagegallery.catalog.persistence.Operation;
import dev.imagegallery.catalog.persistence.VersionRegion;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.util.List;

/**
 * Deleting versions: blocked before the end-of-life date when the safety profile says so; soft delete when the gallery
 * opted in (kept for the retention period, listed, restorable); otherwise, and at the end of the retention, the version
 * goes and VersionDeleted tells replication to drop its replicas.
 */
@ApplicationScoped
public class VersionDeletion {
    private final Outbox outbox;
    private final CatalogConfig config;
    private final Operations operations;

    public VersionDeletion(Outbox outbox, CatalogConfig config, Operations operations) {
        this.outbox = outbox;
        this.config = config;
        this.operations = operations;
    }

    /**
     * What a DELETE did: nothing (there was no version), a deletion done at once (a soft delete), or one whose replicas
     * replication-service removes after it ({@code operation} names it).
     */
    public record Deletion(boolean deleted, Operation operation) {
        static final Deletion NONE = new Deletion(false, null);
        static final Deletion DONE = new Deletion(true, null);
    }

    @WithTransaction
    public Uni<Deletion> deleteVersion(String sub, String rg, String gallery, String image, String name) {
        String id = ResourceIds.version(sub, rg, gallery, image, name);
        return ImageVersion.<ImageVersion>findById(ResourceIds.key(id), LockModeType.PESSIMISTIC_WRITE).flatMap(v -> {
            if (v == null || v.deletedAt != null) {
                return Uni.createFrom().item(Deletion.NONE);
            }
            VersionLifecycle.checkDeletion(name, id, v.blockDeletionBeforeEndOfLife, v.endOfLifeDate, Instant.now());
            return Gallery.<Gallery>findById(ResourceIds.key(ResourceIds.gallery(sub, rg, gallery))).flatMap(g -> {
                if (g != null && g.softDelete) {
                    v.deletedAt = Instant.now();
                    // replication-service stops serving its content (it kept serving downloads: a hostile probe)
                    return outbox.emit(EventTypes.VERSION_SOFT_DELETED, id, new Payloads.VersionSoftDeleted(id,
                            v.subscriptionId, true)).replaceWith(Deletion.DONE);
                }
                return VersionRegion.<VersionRegion>list("versionKey", v.key).flatMap(rs -> hardDelete(id, v)
                        .flatMap(deleted -> !deleted ? Uni.createFrom().item(Deletion.NONE)
                                : rs.isEmpty() ? Uni.createFrom().item(Deletion.DONE)
                                : operations.startDelete(v, id, rs.stream().map(r -> r.region).toList())
                                .map(op -> new Deletion(true, op))));
            });
        });
    }

    /**
     * Deletes with queries, never with {@code entity.delete()}: Hibernate Reactive 3.2 keeps one delete coordinator
     * per entity type whose pending stage is shared by every session, so concurrent entity deletes of one type
     * complete on each other's threads (HR000069) or never (quarkus#41945). A concurrent delete that got there first
     * leaves nothing to delete and no event to emit.
     */
    private Uni<Boolean> hardDelete(String id, ImageVersion v) {
        return VersionRegion.delete("versionKey", v.key)
                .flatMap(x -> ImageVersion.delete("key", v.key))
                .flatMap(rows -> rows == 0 ? Uni.createFrom().item(false)
                        : outbox.emit(EventTypes.VERSION_DELETED, id, new Payloads.VersionDeleted(id, v.subscriptionId))
                        .call(() -> operations.writesEndedByDeletion(v.key))
                        .replaceWith(true));
    }

    @WithTransaction
    public Uni<VersionView> restore(String sub, String rg, String gallery, String image, String name) {
        String id = ResourceIds.version(sub, rg, gallery, image, name);
        return ImageVersion.<ImageVersion>findById(ResourceIds.key(id), LockModeType.PESSIMISTIC_WRITE).flatMap(v -> {
            if (v == null || v.deletedAt == null) {
                throw ArmException.notFound("SoftDeletedGalleryImageVersionNotFound", "No soft-deleted version '"
                        + name + "' exists.", id);
            }
            v.deletedAt = null;
            return outbox.emit(EventTypes.VERSION_SOFT_DELETED, id, new Payloads.VersionSoftDeleted(id,
                            v.subscriptionId, false))
                    .flatMap(x -> VersionQueries.regionsOf(v.key)).map(rs -> new VersionView(id, v, rs));
        });
    }

    /** Purges soft-deleted versions older than the retention period; answers how many. */
    @WithTransaction
    public Uni<Integer> purgeSoftDeleted(Instant now) {
        Instant before = now.minus(config.softDeleteRetention());
        return ImageVersion.<ImageVersion>list("deletedAt is not null and deletedAt < ?1", before)
                .flatMap(vs -> Multi.createFrom().iterable(vs)
                        .onItem().transformToUniAndConcatenate(v -> hardDelete(idOf(v), v))
                        .filter(Boolean::booleanValue).collect().asList().map(List::size));
    }

    private static String idOf(ImageVersion v) {
        return v.resourceId != null ? v.resourceId : v.key;
    }
}

package dev.imagegallery.catalog.service;

import dev.imagegallery.catalog.config.CatalogConfig;
import dev.imagegallery.catalog.domain.GallerySpec;
import dev.imagegallery.catalog.domain.ResourceIds;
import dev.imagegallery.common.arm.Tags;
import dev.imagegallery.catalog.domain.Validation;
import dev.imagegallery.catalog.persistence.Gallery;
import dev.imagegallery.catalog.persistence.ImageDefinition;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.common.security.ShareView;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Json;
import dev.imagegallery.events.Payloads;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** Galleries: their rules, their storage, and the GalleryChanged events access-service's sharing needs. */
@ApplicationScoped
public class GalleryService {
    private final CatalogConfig config;
    private final Outbox outbox;

    public GalleryService(CatalogConfig config, Outbox outbox) {
        this.config = config;
        this.outbox = outbox;
    }

    /**
     * Tells access-service (sharing) that a gallery exists, changed or is gone, with the community publication its
     * sharingProfile asked for (which a share action EnableCommunity without information publishes).
     */
    private Uni<Void> galleryChanged(Gallery g, String tenantId, boolean deleted) {
        return outbox.emit(EventTypes.GALLERY_CHANGED, g.id(), new Payloads.GalleryChanged(g.id(), g.subscriptionId,
                tenantId, g.uniqueName, g.location, deleted, deleted || g.communityInfo == null ? null
                : Json.read(g.communityInfo, Payloads.GalleryCommunityInfo.class))).replaceWithVoid();
    }

    /**
     * Keeps the sharingProfile a PUT or PATCH asked for (null: unchanged); true when the community information changed,
     * which access-service must learn.
     */
    private static boolean sharing(Gallery g, GallerySpec.Sharing asked) {
        if (asked == null) {
            return false;
        }
        var c = asked.communityGalleryInfo();
        String info = c == null ? null : Json.write(new Payloads.GalleryCommunityInfo(c.publisherUri(),
                c.publisherContact(), c.eula(), c.publicNamePrefix()));
        boolean changed = !java.util.Objects.equals(info, g.communityInfo);
        g.sharingPermissions = asked.permissions();
        g.communityInfo = info;
        return changed;
    }

    private static String description(String description) {
        if (description != null && description.length() > 1000) {
            throw ArmException.invalidParameter("properties.description", "The description is longer than 1000 "
                    + "characters.");
        }
        return description;
    }

    @WithTransaction
    public Uni<Upsert<Gallery>> putGallery(String tenantId, String sub, String rg, String name, GallerySpec spec) {
        Validation.resourceGroup(rg);
        Validation.galleryName(name);
        if (spec == null) {
            throw ArmException.invalid("InvalidRequestContent", "The request body is required.", null);
        }
        String location = Validation.region(spec.location(), "location");
        String description = description(spec.description());
        boolean softDelete = Boolean.TRUE.equals(spec.softDeleteEnabled());
        GallerySpec.Sharing asked = GallerySpec.check(spec.sharing());
        String key = ResourceIds.key(ResourceIds.gallery(sub, rg, name));
        return Gallery.<Gallery>findById(key).flatMap(existing -> {
            if (existing != null) {
                Validation.sameLocation(existing.location, location);
                existing.description = description;
                existing.tags = Tags.json(spec.tags());
                existing.softDelete = softDelete;
                // GalleryChanged carries nothing else an update can change (id, owner, unique name, location): an
                // update that leaves the community information as it was, and a repeated identical PUT above all,
                // publishes nothing
                if (sharing(existing, asked)) {
                    return galleryChanged(existing, tenantId, false).map(x -> new Upsert<>(existing, false));
                }
                return Uni.createFrom().item(new Upsert<>(existing, false));
            }
            Uni<Void> quota = Quotas.check(sub, Gallery.count("subscriptionId = ?1 and location = ?2",
                    sub.toLowerCase(Locale.ROOT), location), config.quota().galleries(), "galleries", location);
            return quota.flatMap(ok -> {
                Gallery g = new Gallery();
                g.key = key;
                g.subscriptionId = sub.toLowerCase(Locale.ROOT);
                g.resourceGroup = rg;
                g.name = name;
                g.location = location;
                g.description = description;
                g.tags = Tags.json(spec.tags());
                g.uniqueName = sub.toLowerCase(Locale.ROOT) + "-" + name.toUpperCase(Locale.ROOT);
                g.softDelete = softDelete;
                sharing(g, asked);
                g.provisioningState = "Succeeded";
                g.createdAt = Instant.now();
                return g.<Gallery>persist().call(x -> galleryChanged(g, tenantId, false))
                        .map(x -> new Upsert<>(g, true));
            });
        });
    }

    /** PATCH: description, tags, the soft-delete policy and the sharing profile; the location cannot change. */
    @WithTransaction
    public Uni<Gallery> patchGallery(String tenantId, String sub, String rg, String name, GallerySpec spec) {
        if (spec == null) {
            throw ArmException.invalid("InvalidRequestContent", "The request body is required.", null);
        }
        GallerySpec.Sharing asked = GallerySpec.check(spec.sharing());
        return gallery(sub, rg, name).flatMap(g -> {
            Validation.sameLocation(g.location, spec.location());
            if (spec.tags() != null) {
                g.tags = Tags.json(spec.tags());
            }
            if (spec.description() != null) {
                g.description = description(spec.description());
            }
            if (spec.softDeleteEnabled() != null) {
                g.softDelete = spec.softDeleteEnabled();
            }
            return sharing(g, asked) ? galleryChanged(g, tenantId, false).replaceWith(g) : Uni.createFrom().item(g);
        });
    }

    /**
     * The gallery's sharing state as access-service last published it (catalog's read model, common's
     * {@code share_view}), or null when it published none.
     */
    @WithSession
    public Uni<Payloads.GallerySharingChanged> sharingOf(String galleryId) {
        return ShareView.<ShareView>findById(ResourceIds.key(galleryId)).map(v -> v == null ? null : v.state());
    }

    @WithSession
    public Uni<Gallery> gallery(String sub, String rg, String name) {
        String id = ResourceIds.gallery(sub, rg, name);
        return Gallery.<Gallery>findById(ResourceIds.key(id)).map(g -> {
            if (g == null) {
                throw ArmException.notFound("GalleryNotFound", "The gallery '" + name + "' was not found in resource "
                        + "group '" + rg + "'.", id);
            }
            return g;
        });
    }

    @WithSession
    public Uni<List<Gallery>> galleries(String sub, String rg, int offset, int limit) {
        if (rg == null) {
            return Gallery.<Gallery>find("subscriptionId = ?1 order by key", sub.toLowerCase(Locale.ROOT))
                    .range(offset, offset + limit - 1).list();
        }
        return Gallery.<Gallery>find("subscriptionId = ?1 and lower(resourceGroup) = ?2 order by key",
                sub.toLowerCase(Locale.ROOT), rg.toLowerCase(Locale.ROOT)).range(offset, offset + limit - 1).list();
    }

    @WithTransaction
    public Uni<Boolean> deleteGallery(String tenantId, String sub, String rg, String name) {
        String key = ResourceIds.key(ResourceIds.gallery(sub, rg, name));
        return Gallery.<Gallery>findById(key).flatMap(g -> {
            if (g == null) {
                return Uni.createFrom().item(false);
            }
            return ImageDefinition.count("galleryKey", key).flatMap(n -> {
                if (n > 0) {
                    throw ArmException.conflict("GalleryNotEmpty", "The gallery '" + name + "' holds " + n
                            + " image definition(s); delete them first.", g.id());
                }
                // a query, not an entity delete: see VersionDeletion.hardDelete
                return Gallery.delete("key", key).flatMap(rows -> rows == 0 ? Uni.createFrom().item(false)
                        : galleryChanged(g, tenantId, true).replaceWith(true));
            });
        });
    }
}

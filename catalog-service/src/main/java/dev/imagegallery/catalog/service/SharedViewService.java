package dev.imagegallery.catalog.service;

import dev.imagegallery.catalog.persistence.ImageDefinition;
import dev.imagegallery.catalog.persistence.ImageVersion;
import dev.imagegallery.catalog.persistence.VersionRegion;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.security.Authorizer;
import dev.imagegallery.common.security.Caller;
import dev.imagegallery.common.security.ShareView;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Locale;

/**
 * The consumer side: galleries shared with the caller (direct shares its tenant accepted) and community galleries,
 * addressed by their unique or public names. A gallery that is not shared with the caller answers 404, whether or not
 * it exists: its existence is the owner's secret.
 */
@ApplicationScoped
public class SharedViewService {
    public record SharedImage(ShareView gallery, ImageDefinition definition) {
    }

    public record SharedVersion(ShareView gallery, ImageDefinition definition, ImageVersion version,
                                List<VersionRegion> regions) {
    }

    private final Authorizer authorizer;

    public SharedViewService(Authorizer authorizer) {
        this.authorizer = authorizer;
    }

    @WithSession
    public Uni<List<ShareView>> sharedGalleries(Caller caller) {
        return ShareView.<ShareView>listAll().flatMap(all -> Multi.createFrom().iterable(all)
                .filter(sv -> sv.state().shares() != null && !sv.state().shares().isEmpty())
                .onItem().transformToUniAndConcatenate(sv -> directlySharedWith(caller, sv).map(ok -> ok ? sv : null))
                .filter(sv -> sv != null).collect().asList());
    }

    @WithSession
    public Uni<List<ShareView>> communityGalleries() {
        return ShareView.list("communityName is not null order by communityName");
    }

    /** Whether the gallery's accepted shares include the tenant itself (Azure's {@code sharedTo=tenant}). */
    public static boolean sharedWithTenant(ShareView sv, String tenantId) {
        var shares = sv.state().shares();
        return shares != null && shares.stream().anyMatch(e -> "Accepted".equals(e.state())
                && "AADTenants".equals(e.type()) && e.id().equalsIgnoreCase(tenantId));
    }

    /** Direct shares only (the sharedGalleries view); community galleries have their own view. */
    private Uni<Boolean> directlySharedWith(Caller caller, ShareView sv) {
        var state = sv.state();
        var direct = new dev.imagegallery.events.Payloads.GallerySharingChanged(state.galleryId(),
                state.galleryUniqueName(), state.ownerTenantId(), state.ownerSubscriptionId(), state.location(),
                state.shares(), null, state.sequence());
        return authorizer.sharedWith(caller, direct);
    }

    /** A gallery shared with the caller, by unique name, or 404. */
    @WithSession
    public Uni<ShareView> shared(Caller caller, String uniqueName) {
        return ShareView.<ShareView>find("lower(uniqueName) = ?1", uniqueName.toLowerCase(Locale.ROOT)).firstResult()
                .flatMap(sv -> (sv == null ? Uni.createFrom().item(false) : directlySharedWith(caller, sv)).map(ok -> {
                    if (!ok) {
                        throw ArmException.notFound("SharedGalleryNotFound", "No gallery '" + uniqueName
                                + "' is shared with you.", uniqueName);
                    }
                    return sv;
                }));
    }

    /** A community gallery by public name, or 404. */
    @WithSession
    public Uni<ShareView> community(String publicName) {
        return ShareView.<ShareView>find("lower(communityName) = ?1", publicName.toLowerCase(Locale.ROOT))
                .firstResult().map(sv -> {
                    if (sv == null) {
                        throw ArmException.notFound("CommunityGalleryNotFound", "No community gallery '" + publicName
                                + "' exists.", publicName);
                    }
                    return sv;
                });
    }

    @WithSession
    public Uni<List<ImageDefinition>> images(ShareView gallery) {
        return ImageDefinition.list("galleryKey = ?1 order by key", gallery.galleryKey);
    }

    @WithSession
    public Uni<SharedImage> image(ShareView gallery, String name) {
        return ImageDefinition.<ImageDefinition>findById(gallery.galleryKey + "/images/" + name.toLowerCase(Locale.ROOT))
                .map(d -> {
                    if (d == null) {
                        throw ArmException.notFound("GalleryImageNotFound", "The image '" + name + "' was not found in "
                                + "gallery '" + gallery.uniqueName + "'.", name);
                    }
                    return new SharedImage(gallery, d);
                });
    }

    /** The usable versions of a shared image (not soft-deleted, not disabled). */
    @WithSession
    public Uni<List<SharedVersion>> versions(ShareView gallery, String image) {
        return image(gallery, image).flatMap(si -> ImageVersion.<ImageVersion>list("definitionKey = ?1 and deletedAt "
                        + "is null and lifecycleState <> ?2 order by major, minor, patch", si.definition().key,
                        ImageVersion.DISABLED)
                .flatMap(vs -> vs.isEmpty() ? Uni.createFrom().item(List.<SharedVersion>of())
                        : VersionRegion.<VersionRegion>list("versionKey in ?1 order by region",
                        vs.stream().map(v -> v.key).toList()).map(rs -> vs.stream().map(v -> new SharedVersion(gallery,
                        si.definition(), v, rs.stream().filter(r -> r.versionKey.equals(v.key)).toList())).toList())));
    }

    @WithSession
    public Uni<SharedVersion> version(ShareView gallery, String image, String name) {
        return versions(gallery, image).map(vs -> vs.stream().filter(v -> v.version().name.equalsIgnoreCase(name))
                .findFirst().orElseThrow(() -> ArmException.notFound("GalleryImageVersionNotFound", "The version '"
                        + name + "' was not found.", name)));
    }
}

package dev.imagegallery.catalog.service;

import dev.imagegallery.catalog.config.CatalogConfig;
import dev.imagegallery.catalog.domain.Recommended;
import dev.imagegallery.catalog.domain.ResolveQuery;
import dev.imagegallery.catalog.domain.ResolveQuery.Resolution;
import dev.imagegallery.catalog.domain.ResourceIds;
import dev.imagegallery.catalog.domain.Validation;
import dev.imagegallery.catalog.domain.VersionLifecycle;
import dev.imagegallery.catalog.persistence.ImageDefinition;
import dev.imagegallery.catalog.persistence.ImageVersion;
import dev.imagegallery.catalog.persistence.VersionRegion;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.security.Authorizer;
import dev.imagegallery.common.security.Caller;
import dev.imagegallery.events.Json;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Image-reference resolution, as a VM-creation flow needs it: given a definition id, a version id or
 * {@code .../versions/latest}, a location and a VM size, the exact version that is ready there, its digest and where to
 * download it in that region, and warnings (size outside the recommendations, deprecated, past end of life).
 */
@ApplicationScoped
public class ResolutionService {
    public static final String READ_VERSIONS = "Microsoft.Compute/galleries/images/versions/read";
    static final Pattern REFERENCE = Pattern.compile("(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/"
            + "Microsoft\\.Compute/galleries/([^/]+)/images/([^/]+)(?:/versions/([^/]+))?$");

    static final Pattern SHARED_REFERENCE = Pattern.compile("(?i)^/SharedGalleries/([^/]+)/Images/([^/]+)"
            + "(?:/Versions/([^/]+))?$");
    static final Pattern COMMUNITY_REFERENCE = Pattern.compile("(?i)^/CommunityGalleries/([^/]+)/Images/([^/]+)"
            + "(?:/Versions/([^/]+))?$");

    private final Authorizer authorizer;
    private final CatalogConfig config;
    private final SharedViewService views;
    private final ResolutionCache cache;

    public ResolutionService(Authorizer authorizer, CatalogConfig config, SharedViewService views,
                             ResolutionCache cache) {
        this.authorizer = authorizer;
        this.config = config;
        this.views = views;
        this.cache = cache;
    }

    /**
     * No session of its own: the cached hot path (a definition and its latest) touches no database, and each lookup
     * that does opens one.
     */
    public Uni<Resolution> resolve(Caller caller, String sub, String location, ResolveQuery req) {
        return resolve(caller, sub, location, req, null);
    }

    /**
     * As above, the download URL on {@code dataPlane} (the origin the client called through a proxy, see
     * {@code Origins}; null: the configured data plane).
     */
    public Uni<Resolution> resolve(Caller caller, String sub, String location, ResolveQuery req, String dataPlane) {
        String region = Validation.region(location, "location");
        if (req == null || req.imageReference() == null) {
            throw ArmException.invalidParameter("imageReference", "The value of 'imageReference' is required.");
        }
        var ref = req.imageReference();
        int given = (ref.id() != null ? 1 : 0) + (ref.sharedGalleryImageId() != null ? 1 : 0)
                + (ref.communityGalleryImageId() != null ? 1 : 0);
        if (given != 1) {
            throw ArmException.invalidParameter("imageReference", "Give exactly one of imageReference.id, "
                    + "imageReference.sharedGalleryImageId and imageReference.communityGalleryImageId.");
        }
        Recommended.checkSize(req.vmSize());
        // the path's subscription is where the caller acts (as a VM made from the answer would be): one of another
        // tenant's, none, or one the caller holds no role in is 404 SubscriptionNotFound, as on every route under
        // /subscriptions/{id} (it was ignored: alice resolved under fabrikam's subscription)
        return authorizer.requireAnyRoleIn(caller, sub).flatMap(x -> resolveIn(caller, region, req, dataPlane));
    }

    private Uni<Resolution> resolveIn(Caller caller, String region, ResolveQuery req, String dataPlane) {
        var ref = req.imageReference();
        if (ref.id() == null) {
            return viaShare(caller, region, req, dataPlane);
        }
        var m = REFERENCE.matcher(ref.id());
        if (!m.matches()) {
            throw ArmException.invalidParameter("imageReference.id", "'" + ref.id() + "' is neither an image "
                    + "definition id nor an image version id.");
        }
        String defId = ResourceIds.definition(m.group(1), m.group(2), m.group(3), m.group(4));
        String versionName = m.group(5);
        checkVersion(versionName, "imageReference.id");
        return authorizer.require(caller, defId, READ_VERSIONS)
                .flatMap(x -> cache.definition(ResourceIds.key(defId),
                        () -> Panache.withSession(() -> ImageDefinition.<ImageDefinition>findById(ResourceIds.key(defId)))))
                .flatMap(def -> {
                    if (def == null) {
                        throw ArmException.notFound("GalleryImageNotFound", "The gallery image '" + defId
                                + "' was not found.", "imageReference.id");
                    }
                    if (versionName == null || versionName.equalsIgnoreCase("latest")) {
                        return cache.latest(def.key, region,
                                () -> Panache.withSession(() -> VersionQueries.latest(def.key, region))).flatMap(v -> {
                            if (v == null) {
                                throw ArmException.notFound("NoImageVersionReadyInLocation", "No version of '"
                                        + defId + "' is ready in '" + region + "': none is replicated there, "
                                        + "Active and included in latest.", "imageReference.id");
                            }
                            return answer(def, v, region, req.vmSize(), defId, dataPlane);
                        });
                    }
                    return Panache.withSession(() -> ImageVersion.<ImageVersion>findById(def.key + "/versions/"
                            + versionName.toLowerCase()))
                            .flatMap(v -> exact(def, v, versionName, region, req.vmSize(), defId, dataPlane));
                });
    }

    /**
     * A version named in a reference is Major.Minor.Patch or {@code latest}, checked before anything is read; the
     * refusal names the reference's field (it named {@code name}, which the request has not).
     */
    static void checkVersion(String versionName, String target) {
        if (versionName == null || versionName.equalsIgnoreCase("latest")) {
            return;
        }
        try {
            Validation.version(versionName);
        } catch (ArmException e) {
            throw new ArmException(e.status(), e.code(), e.getMessage(), target);
        }
    }

    /** {@code /SharedGalleries/{unique}/Images/{image}[/Versions/{v|latest}]} or the community equivalent. */
    private Uni<Resolution> viaShare(Caller caller, String region, ResolveQuery req, String dataPlane) {
        var ref = req.imageReference();
        boolean community = ref.communityGalleryImageId() != null;
        String raw = community ? ref.communityGalleryImageId() : ref.sharedGalleryImageId();
        String target = community ? "imageReference.communityGalleryImageId" : "imageReference.sharedGalleryImageId";
        var m = (community ? COMMUNITY_REFERENCE : SHARED_REFERENCE).matcher(raw);
        if (!m.matches()) {
            throw ArmException.invalidParameter(target, "'" + raw + "' is not a " + (community
                    ? "/CommunityGalleries/{name}" : "/SharedGalleries/{uniqueName}") + "/Images/{image}[/Versions/"
                    + "{version}] id.");
        }
        String image = m.group(2);
        String versionName = m.group(3);
        checkVersion(versionName, target);
        return (community ? views.community(m.group(1)) : views.shared(caller, m.group(1)))
                .flatMap(g -> Panache.withSession(() -> ImageDefinition.<ImageDefinition>findById(g.galleryKey + "/images/"
                        + image.toLowerCase(java.util.Locale.ROOT))).map(def -> {
                    if (def == null) {
                        throw ArmException.notFound("GalleryImageNotFound", "The image '" + image + "' was not found "
                                + "in gallery '" + m.group(1) + "'.", target);
                    }
                    return def;
                }).flatMap(def -> {
                    String defId = g.galleryId + "/images/" + def.name;
                    if (versionName == null || versionName.equalsIgnoreCase("latest")) {
                        return cache.latest(def.key, region,
                                () -> Panache.withSession(() -> VersionQueries.latest(def.key, region))).flatMap(v -> {
                            if (v == null) {
                                throw ArmException.notFound("NoImageVersionReadyInLocation", "No version of '" + raw
                                        + "' is ready in '" + region + "'.", target);
                            }
                            return answer(def, v, region, req.vmSize(), defId, dataPlane);
                        });
                    }
                    return Panache.withSession(() -> ImageVersion.<ImageVersion>findById(def.key + "/versions/"
                            + versionName.toLowerCase()))
                            .flatMap(v -> exact(def, v, versionName, region, req.vmSize(), defId, dataPlane));
                }));
    }

    private Uni<Resolution> exact(ImageDefinition def, ImageVersion v, String name, String region,
                                  ResolveQuery.VmSize size, String defId, String dataPlane) {
        if (v == null || v.deletedAt != null) {
            throw ArmException.notFound("GalleryImageVersionNotFound", "The gallery image version '" + name
                    + "' was not found.", "imageReference.id");
        }
        VersionLifecycle.checkResolvable(name, v.lifecycleState, v.replacementVersion);
        return Panache.withSession(() -> VersionRegion.<VersionRegion>findById(VersionRegion.idOf(v.key, region)))
                .flatMap(r -> {
            if (r == null) {
                throw ArmException.notFound("ImageVersionNotReplicatedToLocation", "The version '" + name
                        + "' is not replicated to '" + region + "'.", "imageReference.id");
            }
            if (!VersionRegion.COMPLETED.equals(r.state)) {
                throw ArmException.notFound("ImageVersionNotReadyInLocation", "The version '" + name + "' is "
                        + r.state + " in '" + region + "' (" + r.progress + "%).", "imageReference.id");
            }
            return answer(def, v, region, size, defId, dataPlane);
        });
    }

    private Uni<Resolution> answer(ImageDefinition def, ImageVersion v, String region, ResolveQuery.VmSize size,
                                   String defId, String dataPlane) {
        List<String> warnings = VersionLifecycle.warnings(v.name, v.lifecycleState, v.replacementVersion,
                v.endOfLifeDate, def.name, def.endOfLifeDate, Instant.now());
        if (size != null && def.recommended != null) {
            Json.read(def.recommended, Recommended.class).warn(size, warnings);
        }
        String versionId = v.resourceId != null ? v.resourceId : defId + "/versions/" + v.name;
        return Uni.createFrom().item(new Resolution(v.name, versionId, region, v.digest, v.sizeBytes,
                (dataPlane != null ? dataPlane : config.dataPlaneUrl()) + "/download/" + region + versionId,
                v.lifecycleState, warnings));
    }
}

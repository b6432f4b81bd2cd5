package dev.imagegallery.catalog.service;

import dev.imagegallery.catalog.domain.ResourceIds;
import dev.imagegallery.catalog.domain.VersionNumber;
import dev.imagegallery.catalog.persistence.ImageVersion;
import dev.imagegallery.catalog.persistence.VersionRegion;
import dev.imagegallery.common.arm.ArmException;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/** Reading versions: one, a definition's in version order (keyset pages), the soft-deleted ones, and latest. */
@ApplicationScoped
public class VersionQueries {
    private final DefinitionService definitions;

    public VersionQueries(DefinitionService definitions) {
        this.definitions = definitions;
    }

    @WithSession
    public Uni<VersionView> version(String sub, String rg, String gallery, String image, String name) {
        String id = ResourceIds.version(sub, rg, gallery, image, name);
        String key = ResourceIds.key(id);
        return ImageVersion.<ImageVersion>findById(key).flatMap(v -> {
            if (v == null || v.deletedAt != null) {
                return definitions.image(sub, rg, gallery, image).map(d -> {
                    throw ArmException.notFound("GalleryImageVersionNotFound", "The gallery image version '" + name
                            + "' was not found.", id);
                });
            }
            return regionsOf(key).map(rs -> new VersionView(id, v, rs));
        });
    }

    /**
     * A definition's versions in version order: those after version {@code after} (a keyset page: an index range
     * scan, as cheap for the last page as for the first), or from {@code offset} when {@code after} is null.
     */
    @WithSession
    public Uni<List<VersionView>> versions(String sub, String rg, String gallery, String image, String after,
                                           int offset, int limit) {
        VersionNumber from = after == null ? null : VersionNumber.ofToken(after);
        return definitions.image(sub, rg, gallery, image).flatMap(def -> (from == null
                ? ImageVersion.<ImageVersion>find("definitionKey = ?1 and deletedAt is null order by major, minor, "
                        + "patch", def.key).range(offset, offset + limit - 1)
                : ImageVersion.<ImageVersion>find("definitionKey = ?1 and deletedAt is null and (major, minor, patch)"
                        + " > (?2, ?3, ?4) order by major, minor, patch", def.key, from.major(), from.minor(),
                        from.patch()).range(0, limit - 1))
                .list()
                .flatMap(vs -> withRegions(sub, rg, gallery, image, vs)));
    }

    @WithSession
    public Uni<List<VersionView>> softDeleted(String sub, String rg, String gallery, String image) {
        return definitions.image(sub, rg, gallery, image).flatMap(def -> ImageVersion.<ImageVersion>list(
                        "definitionKey = ?1 and deletedAt is not null order by major, minor, patch", def.key)
                .flatMap(vs -> withRegions(sub, rg, gallery, image, vs)));
    }

    private static Uni<List<VersionView>> withRegions(String sub, String rg, String gallery, String image,
                                                      List<ImageVersion> vs) {
        if (vs.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return VersionRegion.<VersionRegion>list("versionKey in ?1 order by region",
                        vs.stream().map(v -> v.key).toList())
                .map(all -> vs.stream().map(v -> new VersionView(
                        ResourceIds.version(sub, rg, gallery, image, v.name), v,
                        all.stream().filter(r -> r.versionKey.equals(v.key)).toList())).toList());
    }

    /** A version's regions, by region name (inside the caller's session). */
    static Uni<List<VersionRegion>> regionsOf(String versionKey) {
        return VersionRegion.list("versionKey = ?1 order by region", versionKey);
    }

    /**
     * The latest version of a definition in a location: the highest Major.Minor.Patch (the order of
     * {@link VersionNumber}) that is not excluded from latest (globally or for that region), Active, not soft-deleted,
     * and Completed in that location. Inside the caller's session.
     */
    public static Uni<ImageVersion> latest(String definitionKey, String region) {
        return ImageVersion.<ImageVersion>find("select v from ImageVersion v, VersionRegion r "
                        + "where r.versionKey = v.key and v.definitionKey = ?1 and r.region = ?2 and r.state = ?3 "
                        + "and r.excludeFromLatest = false and v.excludeFromLatest = false and v.lifecycleState = ?4 "
                        + "and v.deletedAt is null order by v.major desc, v.minor desc, v.patch desc",
                        definitionKey, region, VersionRegion.COMPLETED, ImageVersion.ACTIVE)
                .firstResult();
    }
}

package dev.imagegallery.catalog.service;

import dev.imagegallery.catalog.api.Bodies;
import dev.imagegallery.catalog.api.Mapper;
import dev.imagegallery.catalog.domain.ImageDefinition;
import dev.imagegallery.catalog.domain.ImageVersion;
import dev.imagegallery.catalog.domain.ManagedImage;
import dev.imagegallery.catalog.domain.ResourceIds;
import dev.imagegallery.catalog.domain.Validation;
import dev.imagegallery.catalog.domain.VersionRegion;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Publishing image versions: the rules of a version, its target regions, the {@code VersionPublished} event (written
 * to the outbox in the same transaction) and the replication status that replication-service reports back.
 */
@ApplicationScoped
public class VersionService {
    public record VersionView(String id, ImageVersion version, List<VersionRegion> regions) {
    }

    static final Pattern VERSION_ID = Pattern.compile("(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/"
            + "Microsoft\\.Compute/galleries/([^/]+)/images/([^/]+)/versions/([^/]+)$");
    static final Pattern MANAGED_IMAGE_ID = Pattern.compile("(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/"
            + "providers/Microsoft\\.Compute/images/([^/]+)$");

    private final GalleryService galleries;
    private final Outbox outbox;

    public VersionService(GalleryService galleries, Outbox outbox) {
        this.galleries = galleries;
        this.outbox = outbox;
    }

    private record Source(String id, String blobUri, String region, String osType, String osState) {
    }

    @WithTransaction
    public Uni<Upsert<VersionView>> putVersion(String tenantId, String sub, String rg, String gallery, String image,
                                               String name, Bodies.VersionBody body) {
        long[] semver = Validation.version(name);
        if (body == null || body.properties() == null) {
            throw ArmException.invalid("InvalidRequestContent", "The request body must carry 'properties'.",
                    "properties");
        }
        var props = body.properties();
        String location = Validation.region(body.location(), "location");
        var pp = props.publishingProfile();
        if (props.storageProfile() == null || props.storageProfile().source() == null
                || props.storageProfile().source().id() == null) {
            throw ArmException.invalidParameter("properties.storageProfile.source.id", "The value of "
                    + "'properties.storageProfile.source.id' is required.");
        }
        String sourceId = props.storageProfile().source().id();
        int defaultReplicas = pp == null || pp.replicaCount() == null ? 1 : pp.replicaCount();
        if (defaultReplicas < 1 || defaultReplicas > 50) {
            throw ArmException.invalidParameter("properties.publishingProfile.replicaCount", "The replica count must "
                    + "be between 1 and 50.");
        }
        String defaultStorage = Validation.oneOf(Validation.STORAGE_TYPES, pp == null ? null : pp.storageAccountType(),
                "Standard_LRS", "properties.publishingProfile.storageAccountType");
        boolean excludeFromLatest = pp != null && Boolean.TRUE.equals(pp.excludeFromLatest());
        Instant endOfLife = pp == null ? null : pp.endOfLifeDate();
        if (endOfLife != null && !endOfLife.isAfter(Instant.now())) {
            throw ArmException.invalidParameter("properties.publishingProfile.endOfLifeDate", "The end-of-life date "
                    + "must be in the future.");
        }
        List<Bodies.TargetRegion> requested = pp == null || pp.targetRegions() == null || pp.targetRegions().isEmpty()
                ? List.of(new Bodies.TargetRegion(location, null, null, null)) : pp.targetRegions();
        List<VersionRegion> regions = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < requested.size(); i++) {
            var t = requested.get(i);
            String target = "properties.publishingProfile.targetRegions[" + i + "]";
            if (t == null) {
                throw ArmException.invalidParameter(target, "A target region must not be null.");
            }
            String region = Validation.region(t.name(), target + ".name");
            if (!seen.add(region)) {
                throw ArmException.invalidParameter(target + ".name", "The region '" + region
                        + "' is listed more than once.");
            }
            int replicas = t.regionalReplicaCount() == null ? defaultReplicas : t.regionalReplicaCount();
            if (replicas < 1 || replicas > 50) {
                throw ArmException.invalidParameter(target + ".regionalReplicaCount", "The regional replica count must "
                        + "be between 1 and 50.");
            }
            VersionRegion vr = new VersionRegion();
            vr.region = region;
            vr.replicaCount = replicas;
            vr.storageAccountType = Validation.oneOf(Validation.STORAGE_TYPES, t.storageAccountType(), defaultStorage,
                    target + ".storageAccountType");
            vr.excludeFromLatest = Boolean.TRUE.equals(t.excludeFromLatest());
            vr.state = VersionRegion.QUEUED;
            vr.progress = 0;
            regions.add(vr);
        }
        if (!seen.contains(location)) {
            throw ArmException.invalidParameter("properties.publishingProfile.targetRegions", "The version's location '"
                    + location + "' must be one of its target regions.");
        }
        String id = ResourceIds.version(sub, rg, gallery, image, name);
        String key = ResourceIds.key(id);
        return galleries.image(sub, rg, gallery, image).flatMap(def -> ImageVersion.<ImageVersion>findById(key)
                .flatMap(existing -> {
                    if (existing != null) {
                        if (!existing.sourceId.equalsIgnoreCase(sourceId)) {
                            throw ArmException.conflict("PropertyChangeNotAllowed", "Changing property "
                                    + "'properties.storageProfile.source.id' is not allowed.",
                                    "properties.storageProfile.source.id");
                        }
                        if (!existing.storageAccountType.equals(defaultStorage)) {
                            throw ArmException.conflict("PropertyChangeNotAllowed", "Changing property "
                                    + "'properties.publishingProfile.storageAccountType' is not allowed.",
                                    "properties.publishingProfile.storageAccountType");
                        }
                        existing.tags = Mapper.tagsJson(body.tags());
                        existing.excludeFromLatest = excludeFromLatest;
                        existing.endOfLifeDate = endOfLife;
                        return regionsOf(key).map(rs -> new Upsert<>(new VersionView(id, existing, rs), false));
                    }
                    return source(sub, sourceId).flatMap(src -> {
                        if (!src.osType().equalsIgnoreCase(def.osType) || !src.osState().equalsIgnoreCase(def.osState)) {
                            throw ArmException.invalidParameter("properties.storageProfile.source.id", "The source is "
                                    + src.osType() + "/" + src.osState() + " but the image definition is "
                                    + def.osType + "/" + def.osState + ".");
                        }
                        ImageVersion v = new ImageVersion();
                        v.key = key;
                        v.definitionKey = def.key;
                        v.name = name;
                        v.major = semver[0];
                        v.minor = semver[1];
                        v.patch = semver[2];
                        v.location = location;
                        v.tags = Mapper.tagsJson(body.tags());
                        v.sourceId = src.id();
                        v.sourceBlobUri = src.blobUri();
                        v.replicaCount = defaultReplicas;
                        v.storageAccountType = defaultStorage;
                        v.excludeFromLatest = excludeFromLatest;
                        v.endOfLifeDate = endOfLife;
                        v.provisioningState = "Creating";
                        v.publishedAt = Instant.now();
                        for (VersionRegion vr : regions) {
                            vr.versionKey = key;
                            vr.id = VersionRegion.idOf(key, vr.region);
                        }
                        var event = new Payloads.VersionPublished(id, sub.toLowerCase(), tenantId, src.region(),
                                src.blobUri(), null, 0, 0, regions.stream().map(r -> new Payloads.TargetRegion(
                                r.region, r.replicaCount, r.storageAccountType)).toList());
                        return v.persist()
                                .flatMap(x -> VersionRegion.persist(regions))
                                .flatMap(x -> outbox.emit(EventTypes.VERSION_PUBLISHED, id, event))
                                .map(x -> new Upsert<>(new VersionView(id, v, regions), true));
                    });
                }));
    }

    /** Resolves a version's source: a managed image of the subscription, or another version (same content). */
    private Uni<Source> source(String sub, String sourceId) {
        var mi = MANAGED_IMAGE_ID.matcher(sourceId);
        if (mi.matches()) {
            if (!mi.group(1).equalsIgnoreCase(sub)) {
                throw ArmException.invalidParameter("properties.storageProfile.source.id", "The source must belong to "
                        + "the version's subscription.");
            }
            return ManagedImage.<ManagedImage>findById(ResourceIds.key(sourceId)).map(m -> {
                if (m == null) {
                    throw ArmException.invalidParameter("properties.storageProfile.source.id", "The source image '"
                            + sourceId + "' does not exist.");
                }
                return new Source(m.id(), m.blobUri, m.location, m.osType, m.osState);
            });
        }
        var ver = VERSION_ID.matcher(sourceId);
        if (ver.matches()) {
            if (!ver.group(1).equalsIgnoreCase(sub)) {
                throw ArmException.invalidParameter("properties.storageProfile.source.id", "The source must belong to "
                        + "the version's subscription.");
            }
            return ImageVersion.<ImageVersion>findById(ResourceIds.key(sourceId)).flatMap(v -> {
                if (v == null) {
                    throw ArmException.invalidParameter("properties.storageProfile.source.id", "The source version '"
                            + sourceId + "' does not exist.");
                }
                return ImageDefinition.<ImageDefinition>findById(v.definitionKey)
                        .map(d -> new Source(sourceId, v.sourceBlobUri, v.location, d.osType, d.osState));
            });
        }
        throw ArmException.invalidParameter("properties.storageProfile.source.id", "The source '" + sourceId
                + "' is neither a managed image id nor an image version id.");
    }

    @WithSession
    public Uni<VersionView> version(String sub, String rg, String gallery, String image, String name) {
        String id = ResourceIds.version(sub, rg, gallery, image, name);
        String key = ResourceIds.key(id);
        return ImageVersion.<ImageVersion>findById(key).flatMap(v -> {
            if (v == null) {
                return galleries.image(sub, rg, gallery, image).map(d -> {
                    throw ArmException.notFound("GalleryImageVersionNotFound", "The gallery image version '" + name
                            + "' was not found.", id);
                });
            }
            return regionsOf(key).map(rs -> new VersionView(id, v, rs));
        });
    }

    @WithSession
    public Uni<List<VersionView>> versions(String sub, String rg, String gallery, String image, int offset,
                                           int limit) {
        return galleries.image(sub, rg, gallery, image).flatMap(def -> ImageVersion.<ImageVersion>find(
                        "definitionKey = ?1 order by major, minor, patch", def.key)
                .range(offset, offset + limit - 1).list()
                .flatMap(vs -> {
                    if (vs.isEmpty()) {
                        return Uni.createFrom().item(List.<VersionView>of());
                    }
                    return VersionRegion.<VersionRegion>list("versionKey in ?1 order by region",
                                    vs.stream().map(v -> v.key).toList())
                            .map(all -> vs.stream().map(v -> new VersionView(
                                    ResourceIds.version(sub, rg, gallery, image, v.name), v,
                                    all.stream().filter(r -> r.versionKey.equals(v.key)).toList())).toList());
                }));
    }

    @WithTransaction
    public Uni<Boolean> deleteVersion(String sub, String rg, String gallery, String image, String name) {
        String id = ResourceIds.version(sub, rg, gallery, image, name);
        return ImageVersion.<ImageVersion>findById(ResourceIds.key(id)).flatMap(v -> {
            if (v == null) {
                return Uni.createFrom().item(false);
            }
            return VersionRegion.delete("versionKey", v.key)
                    .flatMap(x -> v.delete())
                    .flatMap(x -> outbox.emit(EventTypes.VERSION_DELETED, id,
                            new Payloads.VersionDeleted(id, sub.toLowerCase())))
                    .replaceWith(true);
        });
    }

    private static Uni<List<VersionRegion>> regionsOf(String versionKey) {
        return VersionRegion.list("versionKey = ?1 order by region", versionKey);
    }

    // ---- replication status, from replication-service's events (called inside the consumer's transaction) ----

    public Uni<Void> replicaCompleted(Payloads.ReplicaCompleted e) {
        String key = ResourceIds.key(e.versionId());
        return ImageVersion.<ImageVersion>findById(key).flatMap(v -> {
            if (v == null) {
                return Uni.createFrom().voidItem();
            }
            if (v.digest == null) {
                v.digest = e.digest();
                v.sizeBytes = e.logicalBytes() / Math.max(1, e.replicaCount());
            }
            return VersionRegion.<VersionRegion>findById(VersionRegion.idOf(key, e.region())).flatMap(r -> {
                if (r != null) {
                    r.state = VersionRegion.COMPLETED;
                    r.progress = 100;
                    r.details = null;
                }
                return settle(v);
            });
        });
    }

    public Uni<Void> replicaFailed(Payloads.ReplicaFailed e) {
        String key = ResourceIds.key(e.versionId());
        return VersionRegion.<VersionRegion>findById(VersionRegion.idOf(key, e.region())).flatMap(r -> {
            if (r == null) {
                return Uni.createFrom().voidItem();
            }
            r.state = VersionRegion.FAILED;
            r.details = e.reason();
            return ImageVersion.<ImageVersion>findById(key).flatMap(v -> v == null ? Uni.createFrom().voidItem()
                    : settle(v));
        });
    }

    private Uni<Void> settle(ImageVersion v) {
        return VersionRegion.<VersionRegion>list("versionKey", v.key).map(rs -> {
            if (rs.stream().allMatch(r -> VersionRegion.COMPLETED.equals(r.state))) {
                v.provisioningState = "Succeeded";
            } else if (rs.stream().anyMatch(r -> VersionRegion.FAILED.equals(r.state))) {
                v.provisioningState = "Failed";
            }
            return null;
        });
    }
}

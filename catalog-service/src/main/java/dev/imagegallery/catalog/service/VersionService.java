package dev.imagegallery.catalog.service;

import dev.imagegallery.catalog.api.Bodies;
import dev.imagegallery.catalog.api.Mapper;
import dev.imagegallery.catalog.config.CatalogConfig;
import dev.imagegallery.catalog.domain.Gallery;
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
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Every write to a version (PUT, PATCH, DELETE, restore, a replication event) first locks the version's row, so that
 * concurrent writes to one version take turns rather than fail at commit.
 * <p>
 * Publishing image versions: the rules of a version and its target regions, the events replication needs (written to
 * the outbox in the same transaction), lifecycle, soft delete, and the replication status replication-service reports
 * back.
 */
@ApplicationScoped
public class VersionService {
    public record VersionView(String id, ImageVersion version, List<VersionRegion> regions) {
    }

    static final Pattern VERSION_ID = Pattern.compile("(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/"
            + "Microsoft\\.Compute/galleries/([^/]+)/images/([^/]+)/versions/([^/]+)$");
    static final Pattern MANAGED_IMAGE_ID = Pattern.compile("(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/"
            + "providers/Microsoft\\.Compute/images/([^/]+)$");
    static final Pattern BLOB_REGION = Pattern.compile("/blobs/([a-z0-9]+)/");
    static final Set<String> LIFECYCLE_STATES = Set.of(ImageVersion.ACTIVE, ImageVersion.DEPRECATED,
            ImageVersion.DISABLED);

    private final GalleryService galleries;
    private final Outbox outbox;
    private final CatalogConfig config;

    public VersionService(GalleryService galleries, Outbox outbox, CatalogConfig config) {
        this.galleries = galleries;
        this.outbox = outbox;
        this.config = config;
    }

    private record Source(String id, String blobUri, String region, String osType, String osState) {
    }

    /** The publishing profile's regions, validated, in request order. */
    private static List<VersionRegion> targetRegions(List<Bodies.TargetRegion> requested, int defaultReplicas,
                                                     String defaultStorage) {
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
        return regions;
    }

    private static int replicaCount(Bodies.PublishingProfile pp, int fallback) {
        int n = pp == null || pp.replicaCount() == null ? fallback : pp.replicaCount();
        if (n < 1 || n > 50) {
            throw ArmException.invalidParameter("properties.publishingProfile.replicaCount", "The replica count must "
                    + "be between 1 and 50.");
        }
        return n;
    }

    private static Instant endOfLife(Instant eol, String target) {
        if (eol != null && !eol.isAfter(Instant.now())) {
            throw ArmException.invalidParameter(target, "The end-of-life date must be in the future.");
        }
        return eol;
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
        String id = ResourceIds.version(sub, rg, gallery, image, name);
        String key = ResourceIds.key(id);
        return galleries.image(sub, rg, gallery, image).flatMap(def -> ImageVersion.<ImageVersion>findById(key,
                        LockModeType.PESSIMISTIC_WRITE)
                .flatMap(existing -> {
                    if (existing != null) {
                        if (existing.deletedAt != null) {
                            throw ArmException.conflict("GalleryImageVersionSoftDeleted", "The version '" + name
                                    + "' is soft-deleted; restore it or wait until it is purged.", id);
                        }
                        if (!existing.location.equals(location)) {
                            throw ArmException.conflict("PropertyChangeNotAllowed", "Changing property 'location' is "
                                    + "not allowed.", "location");
                        }
                        return update(tenantId, id, existing, body).map(v -> new Upsert<>(v, false));
                    }
                    return create(tenantId, sub, id, key, name, semver, location, def, props)
                            .map(v -> new Upsert<>(v, true));
                }));
    }

    private Uni<VersionView> create(String tenantId, String sub, String id, String key, String name, long[] semver,
                                    String location, ImageDefinition def, Bodies.VersionProperties props) {
        var pp = props.publishingProfile();
        if (props.storageProfile() == null || props.storageProfile().source() == null
                || props.storageProfile().source().id() == null) {
            throw ArmException.invalidParameter("properties.storageProfile.source.id", "The value of "
                    + "'properties.storageProfile.source.id' is required.");
        }
        String sourceId = props.storageProfile().source().id();
        int defaultReplicas = replicaCount(pp, 1);
        String defaultStorage = Validation.oneOf(Validation.STORAGE_TYPES, pp == null ? null : pp.storageAccountType(),
                "Standard_LRS", "properties.publishingProfile.storageAccountType");
        Instant eol = endOfLife(pp == null ? null : pp.endOfLifeDate(),
                "properties.publishingProfile.endOfLifeDate");
        List<Bodies.TargetRegion> requested = pp == null || pp.targetRegions() == null || pp.targetRegions().isEmpty()
                ? List.of(new Bodies.TargetRegion(location, null, null, null)) : pp.targetRegions();
        List<VersionRegion> regions = targetRegions(requested, defaultReplicas, defaultStorage);
        if (regions.stream().noneMatch(r -> r.region.equals(location))) {
            throw ArmException.invalidParameter("properties.publishingProfile.targetRegions", "The version's location '"
                    + location + "' must be one of its target regions.");
        }
        var lifecycle = props.lifecycleProfile();
        String state = lifecycle == null || lifecycle.state() == null ? ImageVersion.ACTIVE
                : Validation.oneOf(LIFECYCLE_STATES, lifecycle.state(), null, "properties.lifecycleProfile.state");
        return GalleryService.quota(ImageVersion.count("subscriptionId = ?1 and location = ?2 and deletedAt is null",
                        sub.toLowerCase(Locale.ROOT), location), config.quota().versions(), "image versions", location)
                .flatMap(ok -> source(sub, sourceId))
                .flatMap(src -> {
                    if (!src.osType().equalsIgnoreCase(def.osType) || !src.osState().equalsIgnoreCase(def.osState)) {
                        throw ArmException.invalidParameter("properties.storageProfile.source.id", "The source is "
                                + src.osType() + "/" + src.osState() + " but the image definition is "
                                + def.osType + "/" + def.osState + ".");
                    }
                    ImageVersion v = new ImageVersion();
                    v.key = key;
                    v.resourceId = id;
                    v.definitionKey = def.key;
                    v.subscriptionId = sub.toLowerCase(Locale.ROOT);
                    v.name = name;
                    v.major = semver[0];
                    v.minor = semver[1];
                    v.patch = semver[2];
                    v.location = location;
                    v.sourceId = src.id();
                    v.sourceBlobUri = src.blobUri();
                    v.replicaCount = defaultReplicas;
                    v.storageAccountType = defaultStorage;
                    v.excludeFromLatest = pp != null && Boolean.TRUE.equals(pp.excludeFromLatest());
                    v.endOfLifeDate = eol;
                    v.provisioningState = "Creating";
                    v.publishedAt = Instant.now();
                    v.lifecycleState = state;
                    v.replacementVersion = lifecycle == null ? null : lifecycle.replacementVersion();
                    applySafety(v, props.safetyProfile());
                    for (VersionRegion vr : regions) {
                        vr.versionKey = key;
                        vr.definitionKey = def.key;
                        vr.id = VersionRegion.idOf(key, vr.region);
                    }
                    var event = new Payloads.VersionPublished(id, v.subscriptionId, tenantId, src.region(),
                            src.blobUri(), null, 0, 0, targets(regions));
                    return v.persist()
                            .flatMap(x -> VersionRegion.persist(regions))
                            .flatMap(x -> outbox.emit(EventTypes.VERSION_PUBLISHED, id, event))
                            .map(x -> new VersionView(id, v, regions));
                });
    }

    private static List<Payloads.TargetRegion> targets(List<VersionRegion> regions) {
        return regions.stream().map(r -> new Payloads.TargetRegion(r.region, r.replicaCount, r.storageAccountType))
                .toList();
    }

    private static void applySafety(ImageVersion v, Bodies.SafetyProfile s) {
        if (s == null) {
            return;
        }
        if (s.allowDeletionOfReplicatedLocations() != null) {
            v.allowDeletionOfReplicatedLocations = s.allowDeletionOfReplicatedLocations();
        }
        if (s.blockDeletionBeforeEndOfLife() != null) {
            v.blockDeletionBeforeEndOfLife = s.blockDeletionBeforeEndOfLife();
        }
    }

    @WithTransaction
    public Uni<VersionView> patchVersion(String tenantId, String sub, String rg, String gallery, String image,
                                         String name, Bodies.VersionBody body) {
        if (body == null) {
            throw ArmException.invalid("InvalidRequestContent", "The request body is required.", null);
        }
        String id = ResourceIds.version(sub, rg, gallery, image, name);
        return live(id, name).flatMap(v -> {
            if (body.location() != null && !v.location.equals(Validation.region(body.location(), "location"))) {
                throw ArmException.conflict("PropertyChangeNotAllowed", "Changing property 'location' is not allowed.",
                        "location");
            }
            return update(tenantId, id, v, body);
        });
    }

    /**
     * Applies the mutable properties present in {@code body}: tags, excludeFromLatest, endOfLifeDate, safety profile,
     * lifecycle, and target regions (added regions replicate, removed ones lose their replicas when the safety profile
     * allows it, changed replica counts replicate again). The source and the storage account type cannot change.
     */
    private Uni<VersionView> update(String tenantId, String id, ImageVersion v, Bodies.VersionBody body) {
        var props = body.properties();
        if (body.tags() != null) {
            v.tags = Mapper.tagsJson(body.tags());
        }
        if (props == null) {
            return regionsOf(v.key).map(rs -> new VersionView(id, v, rs));
        }
        if (props.storageProfile() != null && props.storageProfile().source() != null
                && props.storageProfile().source().id() != null
                && !props.storageProfile().source().id().equalsIgnoreCase(v.sourceId)) {
            throw ArmException.conflict("PropertyChangeNotAllowed", "Changing property "
                    + "'properties.storageProfile.source.id' is not allowed.", "properties.storageProfile.source.id");
        }
        var pp = props.publishingProfile();
        if (pp != null && pp.storageAccountType() != null && !pp.storageAccountType().equals(v.storageAccountType)) {
            throw ArmException.conflict("PropertyChangeNotAllowed", "Changing property "
                    + "'properties.publishingProfile.storageAccountType' is not allowed.",
                    "properties.publishingProfile.storageAccountType");
        }
        applySafety(v, props.safetyProfile());
        if (pp != null && pp.excludeFromLatest() != null) {
            v.excludeFromLatest = pp.excludeFromLatest();
        }
        if (pp != null && pp.endOfLifeDate() != null) {
            v.endOfLifeDate = endOfLife(pp.endOfLifeDate(), "properties.publishingProfile.endOfLifeDate");
        }
        if (pp != null && pp.replicaCount() != null) {
            v.replicaCount = replicaCount(pp, v.replicaCount);
        }
        Uni<Void> lifecycle = props.lifecycleProfile() == null ? Uni.createFrom().voidItem()
                : lifecycle(id, v, props.lifecycleProfile());
        return lifecycle.flatMap(x -> regionsOf(v.key)).flatMap(current -> {
            if (pp == null || pp.targetRegions() == null) {
                return Uni.createFrom().item(new VersionView(id, v, current));
            }
            return changeRegions(tenantId, id, v, current, pp.targetRegions());
        });
    }

    private Uni<Void> lifecycle(String id, ImageVersion v, Bodies.LifecycleProfile lp) {
        String state = lp.state() == null ? v.lifecycleState
                : Validation.oneOf(LIFECYCLE_STATES, lp.state(), null, "properties.lifecycleProfile.state");
        String replacement = lp.replacementVersion();
        Uni<Void> check = Uni.createFrom().voidItem();
        if (replacement != null) {
            Validation.version(replacement);
            if (replacement.equals(v.name)) {
                throw ArmException.invalidParameter("properties.lifecycleProfile.replacementVersion", "A version cannot "
                        + "replace itself.");
            }
            String replacementKey = v.definitionKey + "/versions/" + replacement.toLowerCase(Locale.ROOT);
            check = ImageVersion.<ImageVersion>findById(replacementKey).map(r -> {
                if (r == null || r.deletedAt != null) {
                    throw ArmException.invalidParameter("properties.lifecycleProfile.replacementVersion", "The "
                            + "replacement version '" + replacement + "' does not exist in this image definition.");
                }
                return null;
            });
        }
        return check.flatMap(x -> {
            boolean changed = !state.equals(v.lifecycleState) || !java.util.Objects.equals(replacement,
                    v.replacementVersion);
            v.lifecycleState = state;
            v.replacementVersion = replacement;
            if (!changed) {
                return Uni.createFrom().voidItem();
            }
            return outbox.emit(EventTypes.VERSION_LIFECYCLE_CHANGED, id, new Payloads.VersionLifecycleChanged(id,
                    v.subscriptionId, state, replacement)).replaceWithVoid();
        });
    }

    private Uni<VersionView> changeRegions(String tenantId, String id, ImageVersion v, List<VersionRegion> current,
                                           List<Bodies.TargetRegion> requested) {
        List<VersionRegion> wanted = targetRegions(requested.isEmpty() ? List.of() : requested, v.replicaCount,
                v.storageAccountType);
        if (wanted.stream().noneMatch(r -> r.region.equals(v.location))) {
            throw ArmException.invalidParameter("properties.publishingProfile.targetRegions", "The version's location '"
                    + v.location + "' must remain one of its target regions.");
        }
        for (VersionRegion w : wanted) {
            if (!w.storageAccountType.equals(v.storageAccountType)
                    && current.stream().anyMatch(c -> c.region.equals(w.region)
                    && !c.storageAccountType.equals(w.storageAccountType))) {
                throw ArmException.conflict("PropertyChangeNotAllowed", "Changing the storage account type of region '"
                        + w.region + "' is not allowed.", "properties.publishingProfile.targetRegions");
            }
        }
        Map<String, VersionRegion> byRegion = new LinkedHashMap<>();
        current.forEach(c -> byRegion.put(c.region, c));
        List<String> removed = current.stream().map(c -> c.region)
                .filter(r -> wanted.stream().noneMatch(w -> w.region.equals(r))).toList();
        if (!removed.isEmpty() && !v.allowDeletionOfReplicatedLocations) {
            throw ArmException.conflict("DeletionOfReplicatedLocationsNotAllowed", "Removing the replicated regions "
                    + removed + " needs properties.safetyProfile.allowDeletionOfReplicatedLocations = true.",
                    "properties.publishingProfile.targetRegions");
        }
        boolean changed = !removed.isEmpty();
        List<java.util.function.Supplier<Uni<?>>> writes = new ArrayList<>();
        List<VersionRegion> result = new ArrayList<>();
        for (VersionRegion w : wanted) {
            VersionRegion c = byRegion.get(w.region);
            if (c == null) {
                w.versionKey = v.key;
                w.definitionKey = v.definitionKey;
                w.id = VersionRegion.idOf(v.key, w.region);
                writes.add(w::persist);
                result.add(w);
                changed = true;
            } else {
                if (c.replicaCount != w.replicaCount) {
                    c.replicaCount = w.replicaCount;
                    c.state = VersionRegion.QUEUED;
                    c.progress = 0;
                    changed = true;
                }
                c.excludeFromLatest = w.excludeFromLatest;
                result.add(c);
            }
        }
        for (String r : removed) {
            VersionRegion gone = byRegion.get(r);
            writes.add(() -> VersionRegion.delete("id", gone.id));
        }
        if (!changed) {
            return Uni.createFrom().item(new VersionView(id, v, result));
        }
        if (result.stream().anyMatch(r -> !VersionRegion.COMPLETED.equals(r.state))) {
            v.provisioningState = "Updating";
        }
        var m = BLOB_REGION.matcher(v.sourceBlobUri);
        String sourceRegion = m.find() ? m.group(1) : v.location;
        var event = new Payloads.VersionTargetRegionsChanged(id, v.subscriptionId, tenantId, sourceRegion,
                v.sourceBlobUri, targets(result), removed);
        // one session: its operations run one after the other, never concurrently
        Uni<?> all = Multi.createFrom().iterable(writes).onItem().transformToUniAndConcatenate(w -> w.get())
                .collect().last();
        return all.flatMap(x -> outbox.emit(EventTypes.VERSION_TARGET_REGIONS_CHANGED, id, event))
                .map(x -> new VersionView(id, v, result));
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
                if (v == null || v.deletedAt != null) {
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

    /** A version that exists and is not soft-deleted, or 404. */
    private static Uni<ImageVersion> live(String id, String name) {
        return ImageVersion.<ImageVersion>findById(ResourceIds.key(id), LockModeType.PESSIMISTIC_WRITE).map(v -> {
            if (v == null || v.deletedAt != null) {
                throw ArmException.notFound("GalleryImageVersionNotFound", "The gallery image version '" + name
                        + "' was not found.", id);
            }
            return v;
        });
    }

    @WithSession
    public Uni<VersionView> version(String sub, String rg, String gallery, String image, String name) {
        String id = ResourceIds.version(sub, rg, gallery, image, name);
        String key = ResourceIds.key(id);
        return ImageVersion.<ImageVersion>findById(key).flatMap(v -> {
            if (v == null || v.deletedAt != null) {
                return galleries.image(sub, rg, gallery, image).map(d -> {
                    throw ArmException.notFound("GalleryImageVersionNotFound", "The gallery image version '" + name
                            + "' was not found.", id);
                });
            }
            return regionsOf(key).map(rs -> new VersionView(id, v, rs));
        });
    }

    @WithSession
    /**
     * A definition's versions in version order: those after version {@code after} (a keyset page: an index range
     * scan, as cheap for the last page as for the first), or from {@code offset} when {@code after} is null.
     */
    public Uni<List<VersionView>> versions(String sub, String rg, String gallery, String image, String after,
                                           int offset, int limit) {
        long[] from = after == null ? null : afterVersion(after);
        return galleries.image(sub, rg, gallery, image).flatMap(def -> (from == null
                ? ImageVersion.<ImageVersion>find("definitionKey = ?1 and deletedAt is null order by major, minor, "
                        + "patch", def.key).range(offset, offset + limit - 1)
                : ImageVersion.<ImageVersion>find("definitionKey = ?1 and deletedAt is null and (major, minor, patch)"
                        + " > (?2, ?3, ?4) order by major, minor, patch", def.key, from[0], from[1], from[2])
                        .range(0, limit - 1))
                .list()
                .flatMap(vs -> withRegions(sub, rg, gallery, image, vs)));
    }

    /** The version a keyset $skiptoken names: Major.Minor.Patch, each a non-negative 32-bit integer. */
    private static long[] afterVersion(String name) {
        String[] parts = name.split("\\.", -1);
        try {
            if (parts.length == 3) {
                long[] v = {Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])};
                if (v[0] >= 0 && v[1] >= 0 && v[2] >= 0) {
                    return v;
                }
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ArmException.invalidParameter("$skiptoken", "The $skiptoken is not valid.");
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

    /**
     * DELETE: blocked before the end-of-life date when the safety profile says so; soft delete when the gallery opted
     * in (kept for the retention period, listed, restorable); otherwise the version goes and its replicas with it.
     */
    @WithTransaction
    public Uni<Boolean> deleteVersion(String sub, String rg, String gallery, String image, String name) {
        String id = ResourceIds.version(sub, rg, gallery, image, name);
        return ImageVersion.<ImageVersion>findById(ResourceIds.key(id), LockModeType.PESSIMISTIC_WRITE).flatMap(v -> {
            if (v == null || v.deletedAt != null) {
                return Uni.createFrom().item(false);
            }
            if (v.blockDeletionBeforeEndOfLife && (v.endOfLifeDate == null || v.endOfLifeDate.isAfter(Instant.now()))) {
                throw ArmException.conflict("DeletionBlockedBeforeEndOfLife", "The version '" + name + "' cannot be "
                        + "deleted before its end-of-life date" + (v.endOfLifeDate == null ? " (none is set)"
                        : " " + v.endOfLifeDate) + ": properties.safetyProfile.blockDeletionBeforeEndOfLife is true.",
                        id);
            }
            return Gallery.<Gallery>findById(ResourceIds.key(ResourceIds.gallery(sub, rg, gallery))).flatMap(g -> {
                if (g != null && g.softDelete) {
                    v.deletedAt = Instant.now();
                    return Uni.createFrom().item(true);
                }
                return hardDelete(id, v);
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
                        .replaceWith(true));
    }

    @WithSession
    public Uni<List<VersionView>> softDeleted(String sub, String rg, String gallery, String image) {
        return galleries.image(sub, rg, gallery, image).flatMap(def -> ImageVersion.<ImageVersion>list(
                        "definitionKey = ?1 and deletedAt is not null order by major, minor, patch", def.key)
                .flatMap(vs -> withRegions(sub, rg, gallery, image, vs)));
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
            return regionsOf(v.key).map(rs -> new VersionView(id, v, rs));
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

    private static Uni<List<VersionRegion>> regionsOf(String versionKey) {
        return VersionRegion.list("versionKey = ?1 order by region", versionKey);
    }

    /**
     * The latest version of a definition in a location: the highest Major.Minor.Patch that is not excluded from latest
     * (globally or for that region), Active, not soft-deleted, and Completed in that location.
     */
    public static Uni<ImageVersion> latest(String definitionKey, String region) {
        return ImageVersion.<ImageVersion>find("select v from ImageVersion v, VersionRegion r "
                        + "where r.versionKey = v.key and v.definitionKey = ?1 and r.region = ?2 and r.state = ?3 "
                        + "and r.excludeFromLatest = false and v.excludeFromLatest = false and v.lifecycleState = ?4 "
                        + "and v.deletedAt is null order by v.major desc, v.minor desc, v.patch desc",
                        definitionKey, region, VersionRegion.COMPLETED, ImageVersion.ACTIVE)
                .firstResult();
    }

    // ---- replication status, from replication-service's events (called inside the consumer's transaction) ----

    public Uni<Void> replicaCompleted(Payloads.ReplicaCompleted e) {
        String key = ResourceIds.key(e.versionId());
        return ImageVersion.<ImageVersion>findById(key, LockModeType.PESSIMISTIC_WRITE).flatMap(v -> {
            if (v == null) {
                return Uni.createFrom().voidItem();
            }
            if (v.digest == null) {
                v.digest = e.digest();
                v.sizeBytes = e.logicalBytes() / Math.max(1, e.replicaCount());
            }
            return VersionRegion.<VersionRegion>findById(VersionRegion.idOf(key, e.region())).flatMap(r -> {
                if (r != null && e.replicaCount() >= r.replicaCount) {
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
            return ImageVersion.<ImageVersion>findById(key, LockModeType.PESSIMISTIC_WRITE).flatMap(v -> v == null
                    ? Uni.createFrom().voidItem()
                    : settle(v));
        });
    }

    /** Progress of a region still replicating (never moves a Completed or Failed region back). */
    public Uni<Void> replicaProgress(String versionId, String region, int percent) {
        String key = ResourceIds.key(versionId);
        return VersionRegion.<VersionRegion>findById(VersionRegion.idOf(key, region)).map(r -> {
            if (r != null && (VersionRegion.QUEUED.equals(r.state) || VersionRegion.REPLICATING.equals(r.state))) {
                r.state = VersionRegion.REPLICATING;
                r.progress = Math.max(r.progress, Math.min(99, Math.max(0, percent)));
            }
            return null;
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

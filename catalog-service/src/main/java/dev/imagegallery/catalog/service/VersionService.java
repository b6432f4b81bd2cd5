package dev.imagegallery.catalog.service;

import dev.imagegallery.catalog.config.CatalogConfig;
import dev.imagegallery.catalog.domain.ReplicationMode;
import dev.imagegallery.catalog.domain.ReplicationState;
import dev.imagegallery.catalog.domain.ResourceIds;
import dev.imagegallery.common.arm.Tags;
import dev.imagegallery.catalog.domain.TargetRegions;
import dev.imagegallery.catalog.domain.Validation;
import dev.imagegallery.catalog.domain.VersionLifecycle;
import dev.imagegallery.catalog.domain.VersionNumber;
import dev.imagegallery.catalog.domain.VersionSpec;
import dev.imagegallery.catalog.persistence.BlobView;
import dev.imagegallery.catalog.persistence.ImageDefinition;
import dev.imagegallery.catalog.persistence.ImageVersion;
import dev.imagegallery.catalog.persistence.ManagedImage;
import dev.imagegallery.catalog.persistence.VersionRegion;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.db.StoredTime;
import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.events.BlobRef;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Publishing and changing image versions (PUT, PATCH): the version's source, its target regions and lifecycle, and
 * the events replication needs, written to the outbox in the same transaction. The rules themselves are the domain's
 * ({@link TargetRegions}, {@link VersionLifecycle}); reading is {@link VersionQueries}, deleting
 * {@link VersionDeletion}, the status replication reports back {@link ReplicationStatusService}.
 * <p>
 * Every write to a version (PUT, PATCH, DELETE, restore, a replication event) first locks the version's row, so that
 * concurrent writes to one version take turns rather than fail at commit.
 */
@ApplicationScoped
public class VersionService {
    static final Pattern VERSION_ID = Pattern.compile("(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/"
            + "Microsoft\\.Compute/galleries/([^/]+)/images/([^/]+)/versions/([^/]+)$");
    static final Pattern MANAGED_IMAGE_ID = Pattern.compile("(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/"
            + "providers/Microsoft\\.Compute/images/([^/]+)$");
    static final String SOURCE_ID = "properties.storageProfile.source.id";
    static final String HOST_CACHING = "properties.storageProfile.osDiskImage.hostCaching";

    private final DefinitionService definitions;
    private final Outbox outbox;
    private final CatalogConfig config;

    public VersionService(DefinitionService definitions, Outbox outbox, CatalogConfig config) {
        this.definitions = definitions;
        this.outbox = outbox;
        this.config = config;
    }

    /**
     * A version's source: a managed image's blob and the digest of the image's content ({@code digest}, null for an
     * image from before it was recorded: the blob's content then), or a version ({@code version}, its id) and that
     * version's blob.
     */
    private record Source(String id, BlobRef blob, String osType, String osState, long sizeBytes, String version,
                          String digest) {
        Source(String id, BlobRef blob, String osType, String osState, String version, String digest) {
            this(id, blob, osType, osState, 0, version, digest);
        }

        Source withSize(Long size) {
            return new Source(id, blob, osType, osState, size == null ? 0 : size, version, digest);
        }
    }

    @WithTransaction
    public Uni<Upsert<VersionView>> putVersion(String tenantId, String sub, String rg, String gallery, String image,
                                               String name, VersionSpec spec) {
        VersionNumber number = VersionNumber.of(name);
        if (spec == null || spec.properties() == null) {
            throw ArmException.invalid("InvalidRequestContent", "The request body must carry 'properties'.",
                    "properties");
        }
        String location = Validation.region(spec.location(), "location");
        String id = ResourceIds.version(sub, rg, gallery, image, name);
        String key = ResourceIds.key(id);
        return definitions.image(sub, rg, gallery, image).flatMap(def -> ImageVersion.<ImageVersion>findById(key,
                        LockModeType.PESSIMISTIC_WRITE)
                .flatMap(existing -> {
                    if (existing != null) {
                        if (existing.deletedAt != null) {
                            throw ArmException.conflict("GalleryImageVersionSoftDeleted", "The version '" + name
                                    + "' is soft-deleted; restore it or wait until it is purged.", id);
                        }
                        Validation.sameLocation(existing.location, location);
                        return update(tenantId, id, existing, spec).map(v -> new Upsert<>(v, false));
                    }
                    return create(tenantId, sub, id, key, name, number, location, def, spec)
                            .map(v -> new Upsert<>(v, true));
                }));
    }

    private Uni<VersionView> create(String tenantId, String sub, String id, String key, String name,
                                    VersionNumber number, String location, ImageDefinition def,
                                    VersionSpec spec) {
        var props = spec.properties();
        var pp = props.publishing();
        if (props.sourceId() == null) {
            throw ArmException.invalidParameter(SOURCE_ID, "The value of '" + SOURCE_ID + "' is required.");
        }
        String sourceId = props.sourceId();
        String mode = ReplicationMode.of(pp == null ? null : pp.replicationMode(), ReplicationMode.FULL);
        boolean shallow = ReplicationMode.SHALLOW.equals(mode);
        if (shallow) {
            ReplicationMode.shallowReplicaCount(pp.replicaCount());
        }
        int defaultReplicas = TargetRegions.replicaCount(pp, 1);
        String defaultStorage = Validation.oneOf(Validation.STORAGE_TYPES, pp == null ? null : pp.storageAccountType(),
                "Standard_LRS", "properties.publishingProfile.storageAccountType");
        Instant eol = TargetRegions.endOfLife(pp == null ? null : pp.endOfLifeDate(), Instant.now());
        List<TargetRegions.Target> targets = TargetRegions.ofNewVersion(pp, location, defaultReplicas, defaultStorage);
        if (shallow) {
            ReplicationMode.shallowTargets(targets, location);
        }
        var lifecycle = props.lifecycle();
        String state = VersionLifecycle.state(lifecycle == null ? null : lifecycle.state(), VersionLifecycle.ACTIVE);
        String hostCaching = Validation.oneOf(Validation.HOST_CACHING, props.hostCaching(), "ReadOnly", HOST_CACHING);
        // the quota's lock is taken last, right before the inserts: creates in one subscription and region run one
        // after another from there to their commit, so the lookups before it (the source, its blob) stay outside that
        // queue (a burst of 1,000 versions PUT by 8 clients waited there, bench/replication/burst.sh)
        return source(sub, sourceId)
                // an image's own content (replication-service keeps it while the image exists), else the source
                // blob's size as replication-service announced it when the upload was committed
                .flatMap(src -> src.digest() != null ? Uni.createFrom().item(src)
                        : BlobView.<BlobView>findById(BlobView.keyOf(src.blob())).map(b -> {
                    if (b == null && src.version() == null) {
                        // an image from before its content was kept, made from this blob (it waited for it), which
                        // has been deleted since: the version would fail later, once replication-service found
                        // nothing to copy
                        throw ArmException.invalidParameter(SOURCE_ID, "The blob '" + src.blob().uri() + "' of the "
                                + "source image was deleted after the image was created; create the image again "
                                + "from a blob that exists.");
                    }
                    return src.withSize(b == null ? null : b.sizeBytes);
                }))
                .flatMap(src -> {
                    if (!src.osType().equalsIgnoreCase(def.osType) || !src.osState().equalsIgnoreCase(def.osState)) {
                        throw ArmException.invalidParameter(SOURCE_ID, "The source is " + src.osType() + "/"
                                + src.osState() + " but the image definition is " + def.osType + "/" + def.osState
                                + ".");
                    }
                    if (shallow && !src.blob().region().equals(location)) {
                        throw ArmException.invalidParameter(SOURCE_ID, "A Shallow version references its source's "
                                + "content where it is, so the source must be in the version's location '" + location
                                + "'; it is in '" + src.blob().region() + "'. Use Full replication to copy it.");
                    }
                    ImageVersion v = new ImageVersion();
                    v.key = key;
                    v.resourceId = id;
                    v.definitionKey = def.key;
                    v.subscriptionId = sub.toLowerCase(Locale.ROOT);
                    v.name = name;
                    v.major = number.major();
                    v.minor = number.minor();
                    v.patch = number.patch();
                    v.location = location;
                    v.tags = Tags.json(spec.tags());
                    v.sourceId = src.id();
                    v.sourceBlobUri = src.blob().uri();
                    v.replicaCount = defaultReplicas;
                    v.storageAccountType = defaultStorage;
                    v.excludeFromLatest = pp != null && Boolean.TRUE.equals(pp.excludeFromLatest());
                    v.endOfLifeDate = eol;
                    v.provisioningState = "Creating";
                    v.publishedAt = StoredTime.now(); // answered as its GETs will say it
                    v.lifecycleState = state;
                    v.replacementVersion = lifecycle == null ? null : lifecycle.replacementVersion();
                    v.hostCaching = hostCaching;
                    v.replicationMode = mode;
                    applySafety(v, props.safety());
                    List<VersionRegion> regions = targets.stream()
                            .map(t -> VersionRegion.queued(key, def.key, t)).toList();
                    var event = new Payloads.VersionPublished(id, v.subscriptionId, tenantId, src.blob(),
                            src.sizeBytes(), targets(regions), mode, src.version(), src.digest());
                    return Quotas.check(sub, ImageVersion.count("subscriptionId = ?1 and location = ?2 and deletedAt "
                                    + "is null", sub.toLowerCase(Locale.ROOT), location), config.quota().versions(),
                                    "image versions", location)
                            .flatMap(ok -> v.persist())
                            .flatMap(x -> VersionRegion.persist(regions))
                            .flatMap(x -> outbox.emit(EventTypes.VERSION_PUBLISHED, id, event))
                            .map(x -> new VersionView(id, v, regions));
                });
    }

    private static List<Payloads.TargetRegion> targets(List<VersionRegion> regions) {
        return regions.stream().map(r -> new Payloads.TargetRegion(r.region, r.replicaCount, r.storageAccountType))
                .toList();
    }

    private static void applySafety(ImageVersion v, VersionSpec.Safety s) {
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
                                         String name, VersionSpec spec) {
        if (spec == null) {
            throw ArmException.invalid("InvalidRequestContent", "The request body is required.", null);
        }
        String id = ResourceIds.version(sub, rg, gallery, image, name);
        boolean restore = spec.properties() != null && Boolean.TRUE.equals(spec.properties().restore());
        return (restore ? restorable(id, name) : live(id, name)).flatMap(v -> {
            Validation.sameLocation(v.location, spec.location());
            return update(tenantId, id, v, spec);
        });
    }

    /**
     * Applies the mutable properties present in {@code spec}: tags, excludeFromLatest, endOfLifeDate, safety profile,
     * lifecycle, and target regions (added regions replicate, removed ones lose their replicas when the safety profile
     * allows it, changed replica counts replicate again). The source and the storage account type cannot change.
     */
    private Uni<VersionView> update(String tenantId, String id, ImageVersion v, VersionSpec spec) {
        var props = spec.properties();
        if (spec.tags() != null) {
            v.tags = Tags.json(spec.tags());
        }
        if (props == null) {
            return VersionQueries.regionsOf(v.key).map(rs -> new VersionView(id, v, rs));
        }
        if (props.sourceId() != null && !props.sourceId().equalsIgnoreCase(v.sourceId)) {
            throw ArmException.conflict("PropertyChangeNotAllowed", "Changing property '" + SOURCE_ID
                    + "' is not allowed.", SOURCE_ID);
        }
        if (props.hostCaching() != null && !Validation.oneOf(Validation.HOST_CACHING, props.hostCaching(), null,
                HOST_CACHING).equals(v.hostCaching)) {
            throw ArmException.conflict("PropertyChangeNotAllowed", "Changing property '" + HOST_CACHING
                    + "' is not allowed.", HOST_CACHING);
        }
        var pp = props.publishing();
        boolean shallow = ReplicationMode.SHALLOW.equals(v.replicationMode);
        if (pp != null) {
            ReplicationMode.unchanged(pp.replicationMode(), v.replicationMode);
            if (shallow) {
                ReplicationMode.shallowReplicaCount(pp.replicaCount());
            }
        }
        if (pp != null && pp.storageAccountType() != null && !pp.storageAccountType().equals(v.storageAccountType)) {
            throw ArmException.conflict("PropertyChangeNotAllowed", "Changing property "
                    + "'properties.publishingProfile.storageAccountType' is not allowed.",
                    "properties.publishingProfile.storageAccountType");
        }
        applySafety(v, props.safety());
        if (pp != null && pp.excludeFromLatest() != null) {
            v.excludeFromLatest = pp.excludeFromLatest();
        }
        if (pp != null && pp.endOfLifeDate() != null) {
            v.endOfLifeDate = TargetRegions.endOfLife(pp.endOfLifeDate(), Instant.now());
        }
        if (pp != null && pp.replicaCount() != null) {
            v.replicaCount = TargetRegions.replicaCount(pp, v.replicaCount);
        }
        Uni<Void> lifecycle = props.lifecycle() == null ? Uni.createFrom().voidItem()
                : lifecycle(id, v, props.lifecycle());
        return lifecycle.flatMap(x -> VersionQueries.regionsOf(v.key)).flatMap(current -> {
            if (pp == null || pp.targetRegions() == null) {
                return Uni.createFrom().item(new VersionView(id, v, current));
            }
            return changeRegions(tenantId, id, v, current, pp.targetRegions());
        });
    }

    private Uni<Void> lifecycle(String id, ImageVersion v, VersionSpec.Lifecycle lp) {
        String state = VersionLifecycle.state(lp.state(), v.lifecycleState);
        String replacement = lp.replacementVersion();
        VersionLifecycle.checkReplacement(replacement, v.name);
        Uni<Void> check = Uni.createFrom().voidItem();
        if (replacement != null) {
            String replacementKey = v.definitionKey + "/versions/" + replacement.toLowerCase(Locale.ROOT);
            check = ImageVersion.<ImageVersion>findById(replacementKey).map(r -> {
                if (r == null || r.deletedAt != null) {
                    throw VersionLifecycle.replacementMissing(replacement);
                }
                return null;
            });
        }
        return check.flatMap(x -> {
            boolean changed = !state.equals(v.lifecycleState) || !Objects.equals(replacement, v.replacementVersion);
            v.lifecycleState = state;
            v.replacementVersion = replacement;
            if (!changed) {
                return Uni.createFrom().voidItem();
            }
            return outbox.emit(EventTypes.VERSION_LIFECYCLE_CHANGED, id, new Payloads.VersionLifecycleChanged(id,
                    v.subscriptionId, state, replacement)).replaceWithVoid();
        });
    }

    /** Applies {@link TargetRegions#change}'s verdict to the version's regions and tells replication. */
    private Uni<VersionView> changeRegions(String tenantId, String id, ImageVersion v, List<VersionRegion> current,
                                           List<VersionSpec.TargetRegion> requested) {
        List<TargetRegions.Target> wanted = TargetRegions.of(requested, v.replicaCount, v.storageAccountType);
        if (ReplicationMode.SHALLOW.equals(v.replicationMode)) {
            ReplicationMode.shallowTargets(wanted, v.location); // its regions are not updatable (Azure)
        }
        var change = TargetRegions.change(current.stream().map(VersionRegion::target).toList(), wanted, v.location,
                v.storageAccountType, v.allowDeletionOfReplicatedLocations);
        Map<String, VersionRegion> byRegion = new LinkedHashMap<>();
        current.forEach(c -> byRegion.put(c.region, c));
        List<Supplier<Uni<?>>> writes = new ArrayList<>();
        List<VersionRegion> result = new ArrayList<>();
        for (TargetRegions.Target w : wanted) {
            VersionRegion c = byRegion.get(w.region());
            if (c == null) {
                VersionRegion added = VersionRegion.queued(v.key, v.definitionKey, w);
                writes.add(added::persist);
                result.add(added);
            } else {
                if (change.requeued().contains(w.region())) {
                    c.replicaCount = w.replicaCount();
                    c.state = VersionRegion.QUEUED;
                    c.progress = 0;
                }
                c.excludeFromLatest = w.excludeFromLatest();
                result.add(c);
            }
        }
        for (String r : change.removed()) {
            VersionRegion gone = byRegion.get(r);
            writes.add(() -> VersionRegion.delete("id", gone.id));
        }
        if (!change.replicates()) {
            return Uni.createFrom().item(new VersionView(id, v, result));
        }
        if (ReplicationState.incomplete(result.stream().map(r -> r.state).toList())) {
            v.provisioningState = "Updating";
        }
        var event = new Payloads.VersionTargetRegionsChanged(id, v.subscriptionId, tenantId,
                sourceBlob(v.sourceBlobUri, id), targets(result), change.removed());
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
                throw ArmException.invalidParameter(SOURCE_ID, "The source must belong to the version's "
                        + "subscription.");
            }
            return ManagedImage.<ManagedImage>findById(ResourceIds.key(sourceId)).map(m -> {
                if (m == null) {
                    throw ArmException.invalidParameter(SOURCE_ID, "The source image '" + sourceId
                            + "' does not exist.");
                }
                return new Source(m.id(), sourceBlob(m.blobUri, sourceId), m.osType, m.osState,
                        m.sourceSizeBytes == null ? 0 : m.sourceSizeBytes, null, m.sourceDigest);
            });
        }
        var ver = VERSION_ID.matcher(sourceId);
        if (ver.matches()) {
            if (!ver.group(1).equalsIgnoreCase(sub)) {
                throw ArmException.invalidParameter(SOURCE_ID, "The source must belong to the version's "
                        + "subscription.");
            }
            return ImageVersion.<ImageVersion>findById(ResourceIds.key(sourceId)).flatMap(v -> {
                if (v == null || v.deletedAt != null) {
                    throw ArmException.invalidParameter(SOURCE_ID, "The source version '" + sourceId
                            + "' does not exist.");
                }
                return ImageDefinition.<ImageDefinition>findById(v.definitionKey)
                        .map(d -> new Source(sourceId, sourceBlob(v.sourceBlobUri, sourceId), d.osType,
                                d.osState, v.resourceId, null));
            });
        }
        throw ArmException.invalidParameter(SOURCE_ID, "The source '" + sourceId
                + "' is neither a managed image id nor an image version id.");
    }

    /**
     * The blob a stored source URI names (the one {@link BlobRef} parser; managed images are checked by it when
     * created, so only a row from before that check can fail here: 400 naming the source).
     */
    private static BlobRef sourceBlob(String uri, String sourceId) {
        try {
            return BlobRef.parse(uri);
        } catch (IllegalArgumentException e) {
            throw ArmException.invalidParameter(SOURCE_ID, "The source '" + sourceId + "' has no usable blob: "
                    + e.getMessage());
        }
    }

    /** A version that exists and is not soft-deleted, or 404. */
    /**
     * A PATCH with {@code properties.restore: true} (Azure's way to restore): the version, soft-deleted or not, locked;
     * a soft-deleted one is restored (as {@code POST .../restore}), a live one is left as it is, so that a retried
     * restore answers as the first did.
     */
    private static Uni<ImageVersion> restorable(String id, String name) {
        return ImageVersion.<ImageVersion>findById(ResourceIds.key(id), LockModeType.PESSIMISTIC_WRITE).map(v -> {
            if (v == null) {
                throw ArmException.notFound("GalleryImageVersionNotFound", "The gallery image version '" + name
                        + "' was not found.", id);
            }
            v.deletedAt = null;
            return v;
        });
    }

    private static Uni<ImageVersion> live(String id, String name) {
        return ImageVersion.<ImageVersion>findById(ResourceIds.key(id), LockModeType.PESSIMISTIC_WRITE).map(v -> {
            if (v == null || v.deletedAt != null) {
                throw ArmException.notFound("GalleryImageVersionNotFound", "The gallery image version '" + name
                        + "' was not found.", id);
            }
            return v;
        });
    }
}

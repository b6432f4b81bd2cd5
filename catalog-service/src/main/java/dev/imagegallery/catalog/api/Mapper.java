package dev.imagegallery.catalog.api;

import dev.imagegallery.catalog.api.Bodies.*;
import dev.imagegallery.catalog.domain.ReplicationState;
import dev.imagegallery.common.arm.Tags;
import dev.imagegallery.catalog.persistence.Gallery;
import dev.imagegallery.catalog.persistence.ImageDefinition;
import dev.imagegallery.catalog.persistence.ImageVersion;
import dev.imagegallery.catalog.persistence.ManagedImage;
import dev.imagegallery.catalog.persistence.VersionRegion;
import dev.imagegallery.events.Json;
import dev.imagegallery.events.Payloads;

import java.util.List;

/** Explicit mapping from stored resources to ARM response bodies (requests to commands: {@link Requests}). */
public final class Mapper {
    private Mapper() {
    }

    public static GalleryBody gallery(Gallery g) {
        return gallery(g, null);
    }

    public static GalleryBody gallery(Gallery g, SharingProfile sharing) {
        return new GalleryBody(g.id(), g.name, "Microsoft.Compute/galleries", g.location, Tags.of(g.tags),
                new GalleryProperties(g.description, new GalleryIdentifier(g.uniqueName),
                        new SoftDeletePolicy(g.softDelete), g.provisioningState, sharing));
    }

    /**
     * A gallery's sharingProfile from the sharing state access-service published (catalog's read model of it, null
     * while it published none): Community when published, else Groups when shared with anyone (pending shares too:
     * the owner shared them), else Private; one group per recipient type, as access-service answers the share action.
     */
    public static SharingProfile sharing(Payloads.GallerySharingChanged state) {
        return sharing(state, null);
    }

    /**
     * The sharingProfile of {@code g}: as {@link #sharing(Payloads.GallerySharingChanged)}, and where the owner asked
     * for Community by PUT or PATCH, the communityGalleryInfo it asked for last ({@code communityGalleryEnabled}
     * false and no public names until a share action EnableCommunity publishes it; a PATCH after the publication
     * shows at once, published by the next EnableCommunity); Groups before anything is shared.
     */
    public static SharingProfile sharing(Payloads.GallerySharingChanged state, Gallery g) {
        SharingProfile actual = actual(state);
        if (g == null || g.sharingPermissions == null) {
            return actual;
        }
        if ("Community".equals(g.sharingPermissions) && g.communityInfo != null) {
            // the information is the gallery's own property, as in Azure: what its PUT or PATCH set last (and what a
            // share action EnableCommunity without information publishes, access-service reading it here); the
            // public names and communityGalleryEnabled say what is published now
            var c = Json.read(g.communityInfo, Payloads.GalleryCommunityInfo.class);
            var published = "Community".equals(actual.permissions()) ? actual.communityGalleryInfo() : null;
            return new SharingProfile("Community", actual.groups(), new CommunityGalleryInfo(c.publisherUri(),
                    c.publisherContact(), c.eula(), c.publicNamePrefix(),
                    published == null ? List.of() : published.publicNames(), published != null));
        }
        if ("Community".equals(actual.permissions())) {
            return actual;
        }
        if ("Groups".equals(g.sharingPermissions)) {
            return new SharingProfile("Groups", actual.groups(), actual.communityGalleryInfo());
        }
        return actual;
    }

    private static SharingProfile actual(Payloads.GallerySharingChanged state) {
        List<Payloads.ShareEntry> shares = state == null || state.shares() == null ? List.of() : state.shares();
        List<SharingGroup> groups = new java.util.ArrayList<>();
        for (String type : List.of("Subscriptions", "AADTenants")) {
            List<String> ids = shares.stream().filter(s -> type.equals(s.type())).map(Payloads.ShareEntry::id)
                    .toList();
            if (!ids.isEmpty()) {
                groups.add(new SharingGroup(type, ids));
            }
        }
        Payloads.CommunityInfo c = state == null ? null : state.community();
        boolean published = c != null && c.enabled();
        return new SharingProfile(published ? "Community" : groups.isEmpty() ? "Private" : "Groups", groups,
                c == null ? null : new CommunityGalleryInfo(c.publisherUri(), c.publisherContact(), c.eula(),
                        c.publicNamePrefix(), c.publicGalleryName() == null ? List.of()
                        : List.of(c.publicGalleryName()), c.enabled()));
    }

    public static ImageBody image(String id, ImageDefinition d) {
        return new ImageBody(id, d.name, "Microsoft.Compute/galleries/images", d.location, Tags.of(d.tags),
                new ImageProperties(d.osType, d.osState, d.hyperVGeneration, d.architecture,
                        new ImageIdentifier(d.publisher, d.offer, d.sku), d.description, d.eula,
                        d.privacyStatementUri, d.releaseNoteUri,
                        d.recommended == null ? null : Json.read(d.recommended, Recommended.class),
                        d.disallowedDiskTypes == null ? null
                                : new Disallowed(List.of(Json.read(d.disallowedDiskTypes, String[].class))),
                        d.features == null ? null : List.of(Json.read(d.features, Feature[].class)),
                        d.endOfLifeDate, d.provisioningState,
                        d.purchasePlan == null ? null : Json.read(d.purchasePlan, PurchasePlan.class),
                        d.allowUpdateImage));
    }

    public static VersionBody version(String id, ImageVersion v, List<VersionRegion> regions, boolean expand) {
        return version(id, v, regions, new VersionExpand(expand, false));
    }

    /** A version's size in whole GiB, rounded up, as Azure's {@code sizeInGB} / {@code diskSizeGB}; null unknown. */
    public static Long sizeGb(Long sizeBytes) {
        return sizeBytes == null ? null : (sizeBytes + (1L << 30) - 1) >> 30;
    }

    static VersionBody version(String id, ImageVersion v, List<VersionRegion> regions, VersionExpand expand) {
        List<TargetRegion> targets = regions.stream()
                .map(r -> new TargetRegion(r.region, r.replicaCount, r.storageAccountType, r.excludeFromLatest))
                .toList();
        ReplicationStatus status = expand.replicationStatus() ? replicationStatus(regions) : null;
        return new VersionBody(id, v.name, "Microsoft.Compute/galleries/images/versions", v.location, Tags.of(v.tags),
                new VersionProperties(
                        new PublishingProfile(targets, v.replicaCount, v.excludeFromLatest, v.endOfLifeDate,
                                v.storageAccountType, v.publishedAt, v.replicationMode, null),
                        new StorageProfile(new Source(v.sourceId),
                                new OsDiskImage(sizeGb(v.sizeBytes), v.hostCaching, v.digest)),
                        new SafetyProfile(v.allowDeletionOfReplicatedLocations, v.blockDeletionBeforeEndOfLife),
                        new LifecycleProfile(v.lifecycleState, v.replacementVersion),
                        v.provisioningState, status, v.deletedAt,
                        expand.validationProfile() ? validations(v, regions) : null, null, null));
    }

    /** A soft-deleted version as Azure's GallerySoftDeletedResource ({@code id} is the version's id). */
    static SoftDeletedBody softDeleted(String id, ImageVersion v) {
        var m = java.util.regex.Pattern.compile("(?i)^(.*)/images/([^/]+)/versions/([^/]+)$").matcher(id);
        String softId = m.matches() ? m.group(1) + "/softDeletedArtifactTypes/Images/artifacts/" + m.group(2)
                + "/versions/" + m.group(3) : id;
        return new SoftDeletedBody(softId, v.name, "Microsoft.Compute/galleries/softDeletedArtifactTypes/artifacts/"
                + "versions", v.location, Tags.of(v.tags), new SoftDeletedProperties(id, "Images", v.deletedAt));
    }

    /**
     * What this system validated about a version's content, in Azure's validationsProfile: the content digest
     * (SHA-256 of the uploaded image, which every replica is verified against chunk by chunk) and, per target region,
     * whether its replicas were verified complete; the platform attributes are the digest, the exact size and the
     * source. The etag is the published time, as Azure describes it.
     */
    static ValidationsProfile validations(ImageVersion v, List<VersionRegion> regions) {
        List<ExecutedValidation> executed = new java.util.ArrayList<>();
        executed.add(new ExecutedValidation("ContentDigest", v.digest == null ? "Unknown" : "Succeeded", "sha256",
                null));
        for (VersionRegion r : regions) {
            executed.add(new ExecutedValidation("ReplicaVerification/" + r.region,
                    VersionRegion.COMPLETED.equals(r.state) ? "Succeeded"
                            : VersionRegion.FAILED.equals(r.state) ? "Failed" : "Unknown", "sha256", null));
        }
        List<PlatformAttribute> attributes = new java.util.ArrayList<>();
        if (v.digest != null) {
            attributes.add(new PlatformAttribute("digest", v.digest));
        }
        if (v.sizeBytes != null) {
            attributes.add(new PlatformAttribute("sizeBytes", Long.toString(v.sizeBytes)));
        }
        attributes.add(new PlatformAttribute("source", v.sourceId));
        return new ValidationsProfile(v.publishedAt == null ? null : v.publishedAt.toString(), executed, attributes);
    }

    /**
     * {@code replicationStatus} in Azure's enums: a region still queued here (no copy started) is {@code Replicating}
     * at its progress with {@code details} "Queued", since Azure's regional states are Unknown, Replicating, Completed
     * and Failed.
     */
    public static ReplicationStatus replicationStatus(List<VersionRegion> regions) {
        return new ReplicationStatus(ReplicationState.aggregated(regions.stream().map(r -> r.state).toList()),
                regions.stream().map(r -> VersionRegion.QUEUED.equals(r.state)
                        ? new RegionalReplicationStatus(r.region, VersionRegion.REPLICATING,
                        r.details == null ? "Queued" : r.details, r.progress)
                        : new RegionalReplicationStatus(r.region, r.state, r.details, r.progress)).toList());
    }

    public static ManagedImageBody managedImage(ManagedImage m) {
        return new ManagedImageBody(m.id(), m.name, "Microsoft.Compute/images", m.location, Tags.of(m.tags),
                new ManagedImageProperties(new ManagedImageStorageProfile(new OsDisk(m.osType, m.osState, m.blobUri)),
                        m.provisioningState));
    }
}

package dev.imagegallery.catalog.api;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.imagegallery.catalog.api.Bodies.*;
import dev.imagegallery.catalog.domain.Gallery;
import dev.imagegallery.catalog.domain.ImageDefinition;
import dev.imagegallery.catalog.domain.ImageVersion;
import dev.imagegallery.catalog.domain.ManagedImage;
import dev.imagegallery.catalog.domain.VersionRegion;
import dev.imagegallery.events.Json;

import java.util.List;
import java.util.Map;

/** Explicit mapping from entities to ARM bodies. */
public final class Mapper {
    private Mapper() {
    }

    public static GalleryBody gallery(Gallery g) {
        return new GalleryBody(g.id(), g.name, "Microsoft.Compute/galleries", g.location, tags(g.tags),
                new GalleryProperties(g.description, new GalleryIdentifier(g.uniqueName),
                        new SoftDeletePolicy(g.softDelete), g.provisioningState));
    }

    public static ImageBody image(String id, ImageDefinition d) {
        return new ImageBody(id, d.name, "Microsoft.Compute/galleries/images", d.location, tags(d.tags),
                new ImageProperties(d.osType, d.osState, d.hyperVGeneration, d.architecture,
                        new ImageIdentifier(d.publisher, d.offer, d.sku), d.description, d.eula,
                        d.privacyStatementUri, d.releaseNoteUri,
                        d.recommended == null ? null : Json.read(d.recommended, Recommended.class),
                        d.disallowedDiskTypes == null ? null
                                : new Disallowed(List.of(Json.read(d.disallowedDiskTypes, String[].class))),
                        d.features == null ? null : List.of(Json.read(d.features, Feature[].class)),
                        d.endOfLifeDate, d.provisioningState));
    }

    public static VersionBody version(String id, ImageVersion v, List<VersionRegion> regions, boolean expand) {
        List<TargetRegion> targets = regions.stream()
                .map(r -> new TargetRegion(r.region, r.replicaCount, r.storageAccountType, r.excludeFromLatest))
                .toList();
        ReplicationStatus status = expand ? replicationStatus(regions) : null;
        Long sizeGb = v.sizeBytes == null ? null : (v.sizeBytes + (1L << 30) - 1) >> 30;
        return new VersionBody(id, v.name, "Microsoft.Compute/galleries/images/versions", v.location, tags(v.tags),
                new VersionProperties(
                        new PublishingProfile(targets, v.replicaCount, v.excludeFromLatest, v.endOfLifeDate,
                                v.storageAccountType, v.publishedAt),
                        new StorageProfile(new Source(v.sourceId),
                                v.digest == null ? null : new OsDiskImage(sizeGb, "ReadOnly", v.digest)),
                        new SafetyProfile(v.allowDeletionOfReplicatedLocations, v.blockDeletionBeforeEndOfLife),
                        new LifecycleProfile(v.lifecycleState, v.replacementVersion),
                        v.provisioningState, status, v.deletedAt));
    }

    public static ReplicationStatus replicationStatus(List<VersionRegion> regions) {
        String aggregated;
        if (regions.stream().allMatch(r -> VersionRegion.COMPLETED.equals(r.state))) {
            aggregated = "Completed";
        } else if (regions.stream().anyMatch(r -> VersionRegion.FAILED.equals(r.state))) {
            aggregated = "Failed";
        } else {
            aggregated = "InProgress";
        }
        return new ReplicationStatus(aggregated, regions.stream()
                .map(r -> new RegionalReplicationStatus(r.region, r.state, r.details, r.progress)).toList());
    }

    public static ManagedImageBody managedImage(ManagedImage m) {
        return new ManagedImageBody(m.id(), m.name, "Microsoft.Compute/images", m.location, tags(m.tags),
                new ManagedImageProperties(new ManagedImageStorageProfile(new OsDisk(m.osType, m.osState, m.blobUri)),
                        m.provisioningState));
    }

    public static String tagsJson(Map<String, String> tags) {
        return tags == null ? null : Json.write(tags);
    }

    static Map<String, String> tags(String json) {
        if (json == null) {
            return Map.of();
        }
        try {
            return Json.MAPPER.readValue(json, new TypeReference<Map<String, String>>() { });
        } catch (Exception e) {
            return Map.of();
        }
    }
}

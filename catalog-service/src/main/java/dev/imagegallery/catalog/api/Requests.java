package dev.imagegallery.catalog.api;

import dev.imagegallery.catalog.api.Bodies.*;
import dev.imagegallery.catalog.domain.DefinitionSpec;
import dev.imagegallery.catalog.domain.GallerySpec;
import dev.imagegallery.catalog.domain.ManagedImageSpec;
import dev.imagegallery.catalog.domain.Recommended;
import dev.imagegallery.catalog.domain.ResolveQuery;
import dev.imagegallery.catalog.domain.VersionSpec;

import java.util.List;

/**
 * Explicit mapping from ARM request bodies to the domain's commands: shape only, no rule (the rules run in the
 * service, at the point they always did, so that every error keeps its code, message and target). A field the body
 * lacks stays null; a missing body is a null command.
 */
public final class Requests {
    private Requests() {
    }

    public static GallerySpec gallery(GalleryBody body) {
        if (body == null) {
            return null;
        }
        Unsupported.gallery(body);
        var p = body.properties();
        var sharing = p == null ? null : p.sharingProfile();
        var community = sharing == null ? null : sharing.communityGalleryInfo();
        return new GallerySpec(body.location(), body.tags(), p == null ? null : p.description(),
                p == null || p.softDeletePolicy() == null ? null : p.softDeletePolicy().isSoftDeleteEnabled(),
                sharing == null ? null : new GallerySpec.Sharing(sharing.permissions(), community == null ? null
                        : new GallerySpec.Community(community.publisherUri(), community.publisherContact(),
                        community.eula(), community.publicNamePrefix())));
    }

    public static DefinitionSpec image(ImageBody body) {
        if (body == null) {
            return null;
        }
        var p = body.properties();
        return new DefinitionSpec(body.location(), body.tags(), p == null ? null : new DefinitionSpec.Properties(
                p.osType(), p.osState(), p.hyperVGeneration(), p.architecture(),
                p.identifier() == null ? null : new DefinitionSpec.Identifier(p.identifier().publisher(),
                        p.identifier().offer(), p.identifier().sku()),
                p.description(), p.eula(), p.privacyStatementUri(), p.releaseNoteUri(), recommended(p.recommended()),
                p.disallowed() == null ? null : new DefinitionSpec.Disallowed(p.disallowed().diskTypes()),
                p.features() == null ? null : p.features().stream()
                        .map(f -> f == null ? null : new DefinitionSpec.Feature(f.name(), f.value(),
                                f.startsAtVersion())).toList(),
                p.endOfLifeDate(), p.purchasePlan() == null ? null : new DefinitionSpec.PurchasePlan(
                        p.purchasePlan().name(), p.purchasePlan().publisher(), p.purchasePlan().product()),
                p.allowUpdateImage()));
    }

    static Recommended recommended(Bodies.Recommended r) {
        return r == null ? null : new Recommended(range(r.vCPUs()), range(r.memory()));
    }

    private static Recommended.Range range(Range r) {
        return r == null ? null : new Recommended.Range(r.min(), r.max());
    }

    public static VersionSpec version(VersionBody body) {
        if (body == null) {
            return null;
        }
        Unsupported.version(body);
        var p = body.properties();
        if (p == null) {
            return new VersionSpec(body.location(), body.tags(), null);
        }
        var pp = p.publishingProfile();
        var sp = p.storageProfile();
        var safety = p.safetyProfile();
        var lifecycle = p.lifecycleProfile();
        return new VersionSpec(body.location(), body.tags(), new VersionSpec.Properties(
                pp == null ? null : new VersionSpec.Publishing(targetRegions(pp.targetRegions()), pp.replicaCount(),
                        pp.excludeFromLatest(), pp.endOfLifeDate(), pp.storageAccountType(),
                        pp.replicationMode()),
                sp == null || sp.source() == null ? null : sp.source().id(),
                safety == null ? null : new VersionSpec.Safety(safety.allowDeletionOfReplicatedLocations(),
                        safety.blockDeletionBeforeEndOfLife()),
                lifecycle == null ? null : new VersionSpec.Lifecycle(lifecycle.state(),
                        lifecycle.replacementVersion()),
                sp == null || sp.osDiskImage() == null ? null : sp.osDiskImage().hostCaching(), p.restore()));
    }

    private static List<VersionSpec.TargetRegion> targetRegions(List<TargetRegion> regions) {
        return regions == null ? null : regions.stream().map(t -> t == null ? null
                : new VersionSpec.TargetRegion(t.name(), t.regionalReplicaCount(), t.storageAccountType(),
                t.excludeFromLatest())).toList();
    }

    public static ManagedImageSpec managedImage(ManagedImageBody body) {
        if (body == null) {
            return null;
        }
        var p = body.properties();
        var disk = p == null || p.storageProfile() == null ? null : p.storageProfile().osDisk();
        return new ManagedImageSpec(body.location(), body.tags(), disk == null ? null
                : new ManagedImageSpec.OsDisk(disk.osType(), disk.osState(), disk.blobUri()));
    }

    public static ResolveQuery resolve(ResolveRequest body) {
        if (body == null || body.imageReference() == null) {
            return body == null ? null : new ResolveQuery(null, vmSize(body.vmSize()));
        }
        var ref = body.imageReference();
        return new ResolveQuery(new ResolveQuery.ImageReference(ref.id(), ref.sharedGalleryImageId(),
                ref.communityGalleryImageId()), vmSize(body.vmSize()));
    }

    private static ResolveQuery.VmSize vmSize(VmSize size) {
        return size == null ? null : new ResolveQuery.VmSize(size.vCPUs(), size.memoryGB());
    }

    public static ResolveResult resolution(ResolveQuery.Resolution r) {
        return new ResolveResult(r.exactVersion(), r.id(), r.location(), r.digest(), r.sizeBytes(), r.downloadUrl(),
                r.lifecycleState(), r.warnings());
    }
}

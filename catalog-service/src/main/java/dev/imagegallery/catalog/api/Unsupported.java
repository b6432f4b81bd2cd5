package dev.imagegallery.catalog.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegallery.common.arm.ArmException;

import java.util.List;

/**
 * The properties of Azure's request schemas (Compute Gallery 2024-03-03) that this system does not implement. Each is
 * refused with 400 {@code InvalidParameter} naming it in {@code target}, so that a client never believes a setting
 * took effect when it did not (a version "encrypted" with a disk encryption set that nothing encrypts with). The
 * README's API section lists them, and the properties that are implemented instead.
 */
final class Unsupported {
    private Unsupported() {
    }

    /** Refuses {@code value} at {@code target} unless it is absent (or JSON null). */
    static void refuse(Object value, String target, String why) {
        if (value == null || value instanceof JsonNode n && (n.isNull() || n.isMissingNode())) {
            return;
        }
        throw ArmException.invalidParameter(target, "The property '" + target + "' is not supported by this "
                + "system: " + why + ".");
    }

    static void gallery(Bodies.GalleryBody body) {
        if (body == null) {
            return;
        }
        var sharing = body.properties() == null ? null : body.properties().sharingProfile();
        if (sharing != null && sharing.groups() != null && !sharing.groups().isEmpty()) {
            refuse(sharing.groups(), "properties.sharingProfile.groups", "the groups a gallery is shared with "
                    + "change with POST .../share (Add, Remove, Reset), as in Azure, where they are read-only here");
        }
        JsonNode identity = body.identity();
        if (identity != null && !identity.isNull()) {
            JsonNode type = identity.get("type");
            boolean none = type != null && type.isTextual() && "None".equalsIgnoreCase(type.asText())
                    && (identity.get("userAssignedIdentities") == null
                    || identity.get("userAssignedIdentities").isNull()
                    || identity.get("userAssignedIdentities").isEmpty());
            if (!none) {
                refuse(identity, "identity", "a gallery has no managed identity here (its only use in Azure is "
                        + "encryption with customer-managed keys, which is not supported either); only type None");
            }
        }
    }

    static void version(Bodies.VersionBody body) {
        var p = body == null ? null : body.properties();
        if (p == null) {
            return;
        }
        refuse(p.securityProfile(), "properties.securityProfile", "UEFI key settings are not applied to images");
        var pp = p.publishingProfile();
        if (pp != null) {
            refuse(pp.targetExtendedLocations(), "properties.publishingProfile.targetExtendedLocations",
                    "there are no edge zones; name regions in targetRegions");
            List<Bodies.TargetRegion> regions = pp.targetRegions();
            for (int i = 0; regions != null && i < regions.size(); i++) {
                Bodies.TargetRegion t = regions.get(i);
                if (t != null) {
                    String at = "properties.publishingProfile.targetRegions[" + i + "]";
                    refuse(t.encryption(), at + ".encryption", "images are not encrypted with disk encryption "
                            + "sets; stores hold content by digest, encrypted at rest by the store");
                    refuse(t.additionalReplicaSets(), at + ".additionalReplicaSets",
                            "direct drive replicas do not exist here; use regionalReplicaCount");
                }
            }
        }
        var sp = p.storageProfile();
        if (sp != null) {
            refuse(sp.dataDiskImages(), "properties.storageProfile.dataDiskImages",
                    "a version is one OS disk image");
            if (sp.source() != null) {
                refuse(sp.source().virtualMachineId(), "properties.storageProfile.source.virtualMachineId",
                        "virtual machines are not modelled; use a managed image or a version as source.id");
                refuse(sp.source().communityGalleryImageId(),
                        "properties.storageProfile.source.communityGalleryImageId",
                        "use a managed image or a version of your subscription as source.id");
            }
            if (sp.osDiskImage() != null) {
                refuse(sp.osDiskImage().source(), "properties.storageProfile.osDiskImage.source",
                        "VHDs and snapshots are not sources here; use a managed image made from an uploaded blob");
            }
        }
    }
}

package dev.imagegallery.access.api;

import java.time.Instant;
import java.util.List;

/** Bodies of the gallery {@code share} action and of the recipients' invitations. */
public final class SharingBodies {
    private SharingBodies() {
    }

    /** Azure's SharingUpdate: operationType Add, Remove, Reset or EnableCommunity, and the groups. */
    public record SharingUpdate(String operationType, List<SharingGroup> groups, CommunityGalleryInfo communityGalleryInfo) {
    }

    public record SharingGroup(String type, List<String> ids) {
    }

    public record CommunityGalleryInfo(String publisherUri, String publisherContact, String eula,
                                       String publicNamePrefix, List<String> publicNames, Boolean communityGalleryEnabled) {
    }

    /** A recipient's view of one share, per subscription or tenant. */
    public record ShareState(String type, String id, String state) {
    }

    /**
     * The answer to the share action: Azure's SharingUpdate ({@code operationType}, {@code groups}), which the Azure
     * SDKs read, with the gallery's whole profile after the change ({@code groups} are all of the gallery's, as the
     * profile's; {@code permissions}, each share's state, the community publication).
     */
    public record SharingUpdateResult(String operationType, List<SharingGroup> groups,
                                      CommunityGalleryInfo communityGalleryInfo, String permissions,
                                      List<ShareState> shares) {
    }

    /** The gallery's sharingProfile after the change. */
    public record SharingProfile(String permissions, List<SharingGroup> groups, List<ShareState> shares,
                                 CommunityGalleryInfo communityGalleryInfo) {
    }

    /** An invitation to a recipient tenant: accept or reject it. */
    public record Invitation(String id, String name, String type, InvitationProperties properties) {
    }

    public record InvitationProperties(String galleryUniqueName, String ownerTenantId, String sharedWithType,
                                       String sharedWith, String state, Instant createdOn, Instant decidedOn,
                                       String decidedBy) {
    }

    public record AuditRecord(String id, Instant at, String tenantId, String principalId, String action, String scope,
                              String outcome, String service, String detail) {
    }
}

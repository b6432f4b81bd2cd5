package dev.imagegallery.access.api;

import dev.imagegallery.access.domain.Sharing;
import dev.imagegallery.access.persistence.AuditEntry;
import dev.imagegallery.access.service.AskedCommunity;
import dev.imagegallery.access.service.KnownGalleries;
import dev.imagegallery.access.service.SharingService;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.arm.ArmList;
import dev.imagegallery.common.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/**
 * The gallery {@code share} action (Microsoft.Compute api-versions), the recipients' invitations, and the audit log
 * (Microsoft.Authorization 2022-04-01). At {@code /} with full templates, beside the role assignments, so that no
 * class-level path captures the others' requests.
 */
@Path("/")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class SharingResource {
    static final String GALLERY = "subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{gallery}";

    private final SharingService sharing;
    private final KnownGalleries galleries;
    private final AskedCommunity asked;
    private final CurrentCaller caller;

    public SharingResource(SharingService sharing, KnownGalleries galleries, AskedCommunity asked,
                           CurrentCaller caller) {
        this.galleries = galleries;
        this.asked = asked;
        this.sharing = sharing;
        this.caller = caller;
    }

    static String galleryId(String sub, String rg, String gallery) {
        return "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/galleries/" + gallery;
    }

    @POST
    @Path(GALLERY + "/share")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<SharingBodies.SharingUpdateResult> share(@PathParam("sub") String sub, @PathParam("rg") String rg,
                                                        @PathParam("gallery") String gallery,
                                                        @HeaderParam("Authorization") String authorization,
                                                        SharingBodies.SharingUpdate body) {
        var who = caller.get();
        String id = galleryId(sub, rg, gallery);
        var update = update(body);
        // a gallery created a moment ago is shared as soon as access-service learns it from catalog's event;
        // inputs and the caller's right come first, so that nobody waits (or learns anything) for nothing
        SharingService.validate(update);
        return sharing.authorize(who, id).flatMap(x -> galleries.awaitKnown(id))
                .flatMap(known -> Sharing.needsAskedCommunity(update) ? asked.of(id, authorization)
                        : Uni.createFrom().item(AskedCommunity.Asked.UNKNOWN))
                .flatMap(a -> sharing.share(who, id, update, a))
                .map(p -> result(body.operationType(), profile(p)));
    }

    static SharingBodies.SharingUpdateResult result(String operationType, SharingBodies.SharingProfile p) {
        return new SharingBodies.SharingUpdateResult(operationType, p.groups(), p.communityGalleryInfo(),
                p.permissions(), p.shares());
    }

    @GET
    @Path(GALLERY + "/sharingProfile")
    public Uni<SharingBodies.SharingProfile> profile(@PathParam("sub") String sub, @PathParam("rg") String rg,
                                                     @PathParam("gallery") String gallery) {
        return sharing.profileOf(caller.get(), galleryId(sub, rg, gallery)).map(SharingResource::profile);
    }

    @GET
    @Path("providers/Microsoft.Compute/sharingInvitations")
    public Uni<ArmList<SharingBodies.Invitation>> invitations() {
        return sharing.invitations(caller.get())
                .map(l -> ArmList.of(l.stream().map(SharingResource::invitation).toList()));
    }

    @POST
    @Path("providers/Microsoft.Compute/sharingInvitations/{id}/accept")
    public Uni<SharingBodies.Invitation> accept(@PathParam("id") String id) {
        return sharing.decide(caller.get(), id, true).map(SharingResource::invitation);
    }

    @POST
    @Path("providers/Microsoft.Compute/sharingInvitations/{id}/reject")
    public Uni<SharingBodies.Invitation> reject(@PathParam("id") String id) {
        return sharing.decide(caller.get(), id, false).map(SharingResource::invitation);
    }

    @GET
    @Path("providers/Microsoft.Authorization/auditLogs")
    public Uni<ArmList<SharingBodies.AuditRecord>> audit(@QueryParam("$top") String top) {
        // read as text: a JAX-RS Integer that does not parse answers 404 (the parameter is ignored as a mismatch)
        int n;
        try {
            n = top == null ? 100 : Integer.parseInt(top.trim());
        } catch (NumberFormatException e) {
            throw ArmException.invalidParameter("$top", "$top must be an integer between 1 and 1000.");
        }
        if (n < 1 || n > 1000) {
            throw ArmException.invalidParameter("$top", "$top must be between 1 and 1000.");
        }
        return sharing.audit(caller.get(), n).map(l -> ArmList.of(l.stream().map(SharingResource::record).toList()));
    }

    /** The request as the domain's command: shape only (the rules are {@link Sharing}'s). */
    static Sharing.Update update(SharingBodies.SharingUpdate body) {
        if (body == null) {
            return null;
        }
        var info = body.communityGalleryInfo();
        return new Sharing.Update(body.operationType(), body.groups() == null ? null : body.groups().stream()
                .map(g -> g == null ? null : new Sharing.Group(g.type(), g.ids())).toList(),
                info == null ? null : new Sharing.Community(info.publisherUri(), info.publisherContact(), info.eula(),
                        info.publicNamePrefix()));
    }

    static SharingBodies.SharingProfile profile(Sharing.Profile p) {
        var c = p.community();
        return new SharingBodies.SharingProfile(p.permissions(), p.groups().stream()
                .map(g -> new SharingBodies.SharingGroup(g.type(), g.ids())).toList(), p.shares().stream()
                .map(s -> new SharingBodies.ShareState(s.type(), s.id(), s.state())).toList(), c == null ? null
                : new SharingBodies.CommunityGalleryInfo(c.publisherUri(), c.publisherContact(), c.eula(),
                c.publicNamePrefix(), List.of(c.publicGalleryName()), c.enabled()));
    }

    static SharingBodies.Invitation invitation(Sharing.Invitation i) {
        return new SharingBodies.Invitation("/providers/Microsoft.Compute/sharingInvitations/" + i.id(), i.id(),
                "Microsoft.Compute/sharingInvitations", new SharingBodies.InvitationProperties(i.galleryUniqueName(),
                i.ownerTenantId(), i.sharedWithType(), i.sharedWith(), i.state(), i.createdOn(), i.decidedOn(),
                i.decidedBy()));
    }

    static SharingBodies.AuditRecord record(AuditEntry e) {
        return new SharingBodies.AuditRecord(e.id, e.at, e.tenantId, e.principalId, e.action, e.scope, e.outcome,
                e.service, e.detail);
    }
}

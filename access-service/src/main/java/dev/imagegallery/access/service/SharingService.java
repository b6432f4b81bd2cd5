package dev.imagegallery.access.service;

import dev.imagegallery.access.api.SharingBodies;
import dev.imagegallery.access.domain.AuditEntry;
import dev.imagegallery.access.domain.GalleryCommunity;
import dev.imagegallery.access.domain.GalleryRef;
import dev.imagegallery.access.domain.GalleryShare;
import dev.imagegallery.access.domain.Subscription;
import dev.imagegallery.access.domain.Tenant;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.common.security.Caller;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Azure's gallery {@code share} action (Add, Remove, Reset, EnableCommunity) and what Azure lacks: recipients in
 * another tenant accept or reject a share before the gallery appears to them. Every change publishes the gallery's
 * whole sharing state ({@code GallerySharingChanged}) for the enforcing services and is audited.
 */
@ApplicationScoped
public class SharingService {
    public static final String SHARE_ACTION = "Microsoft.Compute/galleries/share/action";
    static final int MAX_SUBSCRIPTIONS = 30;
    static final int MAX_TENANTS = 5;
    static final Pattern PREFIX = Pattern.compile("^[A-Za-z0-9]{5,16}$");
    static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");

    private final AccessService access;
    private final Outbox outbox;

    public SharingService(AccessService access, Outbox outbox) {
        this.access = access;
        this.outbox = outbox;
    }

    @WithTransaction
    public Uni<SharingBodies.SharingProfile> share(Caller caller, String galleryId, SharingBodies.SharingUpdate req) {
        if (req == null || req.operationType() == null) {
            throw ArmException.invalidParameter("operationType", "operationType is required: Add, Remove, Reset or "
                    + "EnableCommunity.");
        }
        String op = req.operationType();
        if (!Set.of("Add", "Remove", "Reset", "EnableCommunity").contains(op)) {
            throw ArmException.invalidParameter("operationType", "operationType '" + op + "' is not one of Add, "
                    + "Remove, Reset, EnableCommunity.");
        }
        String key = galleryId.toLowerCase(Locale.ROOT);
        return access.requireAt(caller, galleryId, SHARE_ACTION)
                .flatMap(x -> GalleryRef.<GalleryRef>findById(key))
                .flatMap(g -> {
                    if (g == null) {
                        throw ArmException.notFound("GalleryNotFound", "The gallery '" + galleryId + "' was not "
                                + "found.", galleryId);
                    }
                    Uni<Void> change = switch (op) {
                        case "Add" -> add(caller, g, groups(req));
                        case "Remove" -> remove(g, groups(req));
                        case "Reset" -> GalleryShare.delete("galleryKey", key)
                                .flatMap(n -> GalleryCommunity.<GalleryCommunity>findById(key))
                                .map(c -> {
                                    if (c != null) {
                                        c.enabled = false;
                                    }
                                    return null;
                                });
                        default -> community(g, req.communityGalleryInfo());
                    };
                    return change.flatMap(v -> publish(g))
                            .call(p -> Audit.record(caller, SHARE_ACTION, galleryId, "Shared", op + " "
                                    + (req.groups() == null ? "" : req.groups().toString())))
                            .flatMap(v -> profile(g));
                });
    }

    @WithSession
    public Uni<SharingBodies.SharingProfile> profileOf(Caller caller, String galleryId) {
        String key = galleryId.toLowerCase(Locale.ROOT);
        return access.requireAt(caller, galleryId, "Microsoft.Compute/galleries/read")
                .flatMap(x -> GalleryRef.<GalleryRef>findById(key))
                .flatMap(g -> {
                    if (g == null) {
                        throw ArmException.notFound("GalleryNotFound", "The gallery '" + galleryId + "' was not "
                                + "found.", galleryId);
                    }
                    return profile(g);
                });
    }

    private static List<SharingBodies.SharingGroup> groups(SharingBodies.SharingUpdate req) {
        if (req.groups() == null || req.groups().isEmpty()) {
            throw ArmException.invalidParameter("groups", "groups are required for " + req.operationType() + ".");
        }
        for (int i = 0; i < req.groups().size(); i++) {
            var g = req.groups().get(i);
            if (g == null || !Set.of("Subscriptions", "AADTenants").contains(g.type())) {
                throw ArmException.invalidParameter("groups[" + i + "].type", "A group's type is Subscriptions or "
                        + "AADTenants.");
            }
            if (g.ids() == null || g.ids().isEmpty() || g.ids().stream().anyMatch(id -> id == null || id.isBlank())) {
                throw ArmException.invalidParameter("groups[" + i + "].ids", "A group needs ids.");
            }
        }
        return req.groups();
    }

    private Uni<Void> add(Caller caller, GalleryRef g, List<SharingBodies.SharingGroup> groups) {
        List<String[]> targets = new ArrayList<>(); // {type, id}
        for (var group : groups) {
            for (String id : new LinkedHashSet<>(group.ids())) {
                String norm = id.trim().toLowerCase(Locale.ROOT);
                if (group.type().equals("Subscriptions")) {
                    try {
                        norm = UUID.fromString(norm).toString();
                    } catch (IllegalArgumentException e) {
                        throw ArmException.invalidParameter("groups.ids", "'" + id + "' is not a subscription id.");
                    }
                }
                targets.add(new String[]{group.type(), norm});
            }
        }
        return GalleryShare.<GalleryShare>list("galleryKey", g.galleryKey).flatMap(existing -> {
            long subs = java.util.stream.Stream.concat(existing.stream().filter(e -> e.targetType.equals("Subscriptions"))
                            .map(e -> e.targetId), targets.stream().filter(t -> t[0].equals("Subscriptions")).map(t -> t[1]))
                    .distinct().count();
            long tenants = java.util.stream.Stream.concat(existing.stream().filter(e -> e.targetType.equals("AADTenants"))
                            .map(e -> e.targetId), targets.stream().filter(t -> t[0].equals("AADTenants")).map(t -> t[1]))
                    .distinct().count();
            if (subs > MAX_SUBSCRIPTIONS) {
                throw ArmException.invalid("SharingLimitExceeded", "A gallery can be shared with at most "
                        + MAX_SUBSCRIPTIONS + " subscriptions (this would make " + subs + ").", "groups");
            }
            if (tenants > MAX_TENANTS) {
                throw ArmException.invalid("SharingLimitExceeded", "A gallery can be shared with at most "
                        + MAX_TENANTS + " tenants (this would make " + tenants + ").", "groups");
            }
            return Multi.createFrom().iterable(targets).onItem().transformToUniAndConcatenate(t ->
                    recipientTenant(t[0], t[1]).flatMap(tenant -> {
                        var found = existing.stream().filter(e -> e.targetType.equals(t[0]) && e.targetId.equals(t[1]))
                                .findFirst();
                        if (found.isPresent()) {
                            GalleryShare s = found.get();
                            if (GalleryShare.REJECTED.equals(s.state)) {
                                s.state = GalleryShare.PENDING; // invited again
                                s.decidedAt = null;
                                s.decidedBy = null;
                            }
                            return Uni.createFrom().voidItem();
                        }
                        GalleryShare s = new GalleryShare();
                        s.id = UUID.randomUUID().toString();
                        s.galleryKey = g.galleryKey;
                        s.targetType = t[0];
                        s.targetId = t[1];
                        s.tenantId = tenant;
                        s.state = tenant.equals(g.tenantId) ? GalleryShare.ACCEPTED : GalleryShare.PENDING;
                        s.createdAt = Instant.now();
                        s.createdBy = caller.principalId();
                        return s.persist().replaceWithVoid();
                    })).collect().last().replaceWithVoid();
        });
    }

    private static Uni<String> recipientTenant(String type, String id) {
        if (type.equals("AADTenants")) {
            return Tenant.<Tenant>findById(id).map(t -> {
                if (t == null) {
                    throw ArmException.invalidParameter("groups.ids", "The tenant '" + id + "' is not registered.");
                }
                return t.id;
            });
        }
        return Subscription.<Subscription>findById(id).map(s -> {
            if (s == null) {
                throw ArmException.invalidParameter("groups.ids", "The subscription '" + id + "' does not exist.");
            }
            return s.tenantId;
        });
    }

    private Uni<Void> remove(GalleryRef g, List<SharingBodies.SharingGroup> groups) {
        return Multi.createFrom().iterable(groups).onItem().transformToUniAndConcatenate(group ->
                        GalleryShare.delete("galleryKey = ?1 and targetType = ?2 and targetId in ?3", g.galleryKey,
                                group.type(), group.ids().stream().map(id -> id.trim().toLowerCase(Locale.ROOT)).toList()))
                .collect().last().replaceWithVoid();
    }

    private Uni<Void> community(GalleryRef g, SharingBodies.CommunityGalleryInfo info) {
        if (info == null) {
            throw ArmException.invalidParameter("communityGalleryInfo", "EnableCommunity needs communityGalleryInfo "
                    + "(publicNamePrefix, publisherContact, eula).");
        }
        if (info.publicNamePrefix() == null || !PREFIX.matcher(info.publicNamePrefix()).matches()) {
            throw ArmException.invalidParameter("communityGalleryInfo.publicNamePrefix", "The public name prefix is 5 "
                    + "to 16 letters and digits.");
        }
        if (info.publisherContact() == null || !EMAIL.matcher(info.publisherContact()).matches()) {
            throw ArmException.invalidParameter("communityGalleryInfo.publisherContact", "The publisher contact is an "
                    + "e-mail address.");
        }
        if (info.eula() == null || info.eula().isBlank()) {
            throw ArmException.invalidParameter("communityGalleryInfo.eula", "A community gallery needs a EULA.");
        }
        return GalleryCommunity.<GalleryCommunity>findById(g.galleryKey).flatMap(existing -> {
            GalleryCommunity c = existing != null ? existing : new GalleryCommunity();
            c.galleryKey = g.galleryKey;
            c.publicNamePrefix = info.publicNamePrefix();
            c.publicGalleryName = info.publicNamePrefix() + "-" + shortHash(g.galleryKey);
            c.publisherUri = info.publisherUri();
            c.publisherContact = info.publisherContact();
            c.eula = info.eula();
            c.enabled = true;
            return existing != null ? Uni.createFrom().voidItem() : c.persist().replaceWithVoid();
        });
    }

    static String shortHash(String s) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes());
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Publishes the gallery's whole sharing state (a snapshot keyed by the gallery id). */
    Uni<Void> publish(GalleryRef g) {
        return GalleryShare.<GalleryShare>list("galleryKey = ?1 order by createdAt", g.galleryKey)
                .flatMap(shares -> GalleryCommunity.<GalleryCommunity>findById(g.galleryKey).flatMap(c -> {
                    var state = new Payloads.GallerySharingChanged(g.galleryId, g.uniqueName, g.tenantId,
                            g.subscriptionId, g.location, shares.stream().map(s -> new Payloads.ShareEntry(
                            s.targetType, s.targetId, s.tenantId, s.state)).toList(),
                            c == null ? null : new Payloads.CommunityInfo(c.enabled, c.publicGalleryName,
                                    c.publicNamePrefix, c.publisherUri, c.publisherContact, c.eula));
                    return outbox.emit(EventTypes.GALLERY_SHARING_CHANGED, g.galleryId, state).replaceWithVoid();
                }));
    }

    private Uni<SharingBodies.SharingProfile> profile(GalleryRef g) {
        return GalleryShare.<GalleryShare>list("galleryKey = ?1 order by createdAt", g.galleryKey)
                .flatMap(shares -> GalleryCommunity.<GalleryCommunity>findById(g.galleryKey).map(c -> {
                    List<SharingBodies.SharingGroup> groups = new ArrayList<>();
                    for (String type : List.of("Subscriptions", "AADTenants")) {
                        var ids = shares.stream().filter(s -> s.targetType.equals(type)).map(s -> s.targetId).toList();
                        if (!ids.isEmpty()) {
                            groups.add(new SharingBodies.SharingGroup(type, ids));
                        }
                    }
                    boolean community = c != null && c.enabled;
                    String permissions = community ? "Community" : groups.isEmpty() ? "Private" : "Groups";
                    return new SharingBodies.SharingProfile(permissions, groups, shares.stream()
                            .map(s -> new SharingBodies.ShareState(s.targetType, s.targetId, s.state)).toList(),
                            c == null ? null : new SharingBodies.CommunityGalleryInfo(c.publisherUri,
                                    c.publisherContact, c.eula, c.publicNamePrefix, List.of(c.publicGalleryName),
                                    c.enabled));
                }));
    }

    /** The shares offered to the caller's tenant (tenant administrators only). */
    @WithSession
    public Uni<List<SharingBodies.Invitation>> invitations(Caller caller) {
        return requireAdmin(caller).flatMap(x -> GalleryShare.<GalleryShare>list(
                        "tenantId = ?1 order by createdAt", caller.tenantId()))
                .flatMap(shares -> Multi.createFrom().iterable(shares).onItem().transformToUniAndConcatenate(s ->
                        GalleryRef.<GalleryRef>findById(s.galleryKey).map(g -> invitation(s, g))).collect().asList());
    }

    @WithTransaction
    public Uni<SharingBodies.Invitation> decide(Caller caller, String id, boolean accept) {
        return requireAdmin(caller).flatMap(x -> GalleryShare.<GalleryShare>findById(id)).flatMap(s -> {
            if (s == null || !s.tenantId.equals(caller.tenantId())) {
                throw ArmException.notFound("SharingInvitationNotFound", "The invitation '" + id + "' was not found.",
                        id);
            }
            s.state = accept ? GalleryShare.ACCEPTED : GalleryShare.REJECTED;
            s.decidedAt = Instant.now();
            s.decidedBy = caller.principalId();
            return GalleryRef.<GalleryRef>findById(s.galleryKey).flatMap(g -> publish(g)
                    .call(v -> Audit.record(caller, "Microsoft.Compute/sharingInvitations/"
                            + (accept ? "accept" : "reject") + "/action", g.galleryId, accept ? "Accepted" : "Rejected",
                            s.targetType + " " + s.targetId))
                    .map(v -> invitation(s, g)));
        });
    }

    /** The tenant's audit log, newest first (tenant administrators only). */
    @WithSession
    public Uni<List<AuditEntry>> audit(Caller caller, int top) {
        return requireAdmin(caller).flatMap(x -> AuditEntry.<AuditEntry>find("tenantId = ?1 order by at desc",
                caller.tenantId()).range(0, top - 1).list());
    }

    private Uni<Void> requireAdmin(Caller caller) {
        return access.isTenantAdmin(caller).map(admin -> {
            if (!admin) {
                throw new ArmException(403, "AuthorizationFailed", "Only a tenant administrator (Owner of a "
                        + "subscription of tenant '" + caller.tenantId() + "') may do this.", null);
            }
            return null;
        });
    }

    private static SharingBodies.Invitation invitation(GalleryShare s, GalleryRef g) {
        return new SharingBodies.Invitation("/providers/Microsoft.Compute/sharingInvitations/" + s.id, s.id,
                "Microsoft.Compute/sharingInvitations", new SharingBodies.InvitationProperties(
                g == null ? null : g.uniqueName, g == null ? null : g.tenantId, s.targetType, s.targetId, s.state,
                s.createdAt, s.decidedAt, s.decidedBy));
    }
}

package dev.imagegallery.access.service;

import dev.imagegallery.access.domain.Inputs;
import dev.imagegallery.access.domain.Sharing.Recipient;
import dev.imagegallery.access.domain.Sharing;
import dev.imagegallery.access.persistence.AuditEntry;
import dev.imagegallery.access.persistence.GalleryCommunity;
import dev.imagegallery.access.persistence.GalleryRef;
import dev.imagegallery.access.persistence.GalleryShare;
import dev.imagegallery.access.persistence.ScopeRef;
import dev.imagegallery.access.persistence.Subscription;
import dev.imagegallery.access.persistence.Tenant;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.db.StoredTime;
import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.common.security.Caller;
import dev.imagegallery.common.security.Scopes;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Json;
import dev.imagegallery.events.Payloads;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;

/**
 * Azure's gallery {@code share} action (Add, Remove, Reset, EnableCommunity) and what Azure lacks: recipients in
 * another tenant accept or reject a share before the gallery appears to them. Every change publishes the gallery's
 * whole sharing state ({@code GallerySharingChanged}) for the enforcing services and is audited.
 * <p>
 * Every change of one gallery's sharing (the share action, an acceptance, the gallery's deletion) first locks the
 * gallery's {@code gallery_view} row, so changes are serialised; the state each publishes carries the next number of
 * the database sequence {@code sharing_state_seq}, drawn under that lock, so numbers grow in commit order and the
 * enforcing services keep the state with the highest number whatever order the events reach them in. A request that
 * changes nothing (an Add of a recipient already there, a Remove of one that is not) publishes nothing.
 */
@ApplicationScoped
public class SharingService {
    public static final String SHARE_ACTION = "Microsoft.Compute/galleries/share/action";
    static final String DELETE_ACTION = "Microsoft.Compute/galleries/delete";

    private final AccessService access;
    private final Outbox outbox;

    public SharingService(AccessService access, Outbox outbox) {
        this.access = access;
        this.outbox = outbox;
    }

    /** Every input of a share request is checked (400 naming the field) before anything is read. */
    public static void validate(Sharing.Update req) {
        String op = Sharing.operation(req);
        if (op.equals("Add") || op.equals("Remove")) {
            Sharing.recipients(req);
        } else if (op.equals("EnableCommunity") && req.communityGalleryInfo() != null) {
            Sharing.community(req.communityGalleryInfo());
        }
    }

    /**
     * EnableCommunity's information: the request's, else what the gallery's sharingProfile asked for (Azure's way:
     * the gallery PUT carries communityGalleryInfo, the share action only {@code operationType}); 400 when neither.
     */
    static Sharing.Community communityOf(Sharing.Community asked, AskedCommunity.Asked owner, GalleryRef g) {
        if (asked != null) {
            return asked;
        }
        if (owner.known()) {
            // what catalog-service answered just now: the owner's last PUT or PATCH, which its event may still follow
            return Sharing.community(owner.info());
        }
        var stored = g.communityInfo == null ? null : Json.read(g.communityInfo, Payloads.GalleryCommunityInfo.class);
        return Sharing.community(stored == null ? null : new Sharing.Community(stored.publisherUri(),
                stored.publisherContact(), stored.eula(), stored.publicNamePrefix()));
    }

    /** 404 or 403 unless the caller may share at the gallery's scope (before it waits for the gallery to be known). */
    @WithSession
    public Uni<Void> authorize(Caller caller, String galleryId) {
        return access.requireAt(caller, galleryId, SHARE_ACTION);
    }

    /**
     * The share action; {@code owner}: what catalog-service said the gallery's owner asked to publish, for an
     * EnableCommunity without information ({@link AskedCommunity}).
     */
    @WithTransaction
    public Uni<Sharing.Profile> share(Caller caller, String galleryId, Sharing.Update req,
                                      AskedCommunity.Asked owner) {
        String op = Sharing.operation(req);
        // every input is checked before anything is read or locked
        List<Recipient> targets = op.equals("Add") || op.equals("Remove") ? Sharing.recipients(req) : List.of();
        Sharing.Community info = op.equals("EnableCommunity") && req.communityGalleryInfo() != null
                ? Sharing.community(req.communityGalleryInfo()) : null;
        String key = galleryId.toLowerCase(Locale.ROOT);
        return access.requireAt(caller, galleryId, SHARE_ACTION)
                .flatMap(x -> GalleryRef.<GalleryRef>findById(key, LockModeType.PESSIMISTIC_WRITE))
                .flatMap(g -> {
                    if (g == null) {
                        throw ArmException.notFound("GalleryNotFound", "The gallery '" + galleryId + "' was not "
                                + "found.", galleryId);
                    }
                    Uni<Boolean> change = switch (op) {
                        case "Add" -> add(caller, g, targets);
                        case "Remove" -> remove(g, targets);
                        case "Reset" -> reset(g);
                        default -> enableCommunity(g, communityOf(info, owner, g));
                    };
                    return change.flatMap(changed -> !changed ? Uni.createFrom().voidItem() : publish(g)
                                    .call(v -> Audit.record(caller, SHARE_ACTION, galleryId, "Shared", op + " "
                                            + (targets.isEmpty() ? "" : targets.stream()
                                            .map(t -> t.type() + ":" + t.id()).toList()))))
                            .flatMap(v -> profile(g));
                });
    }

    @WithSession
    public Uni<Sharing.Profile> profileOf(Caller caller, String galleryId) {
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

    /** Adds the recipients not there yet and invites a rejected one again; answers whether anything changed. */
    private Uni<Boolean> add(Caller caller, GalleryRef g, List<Recipient> targets) {
        return GalleryShare.<GalleryShare>list("galleryKey", g.galleryKey).flatMap(existing -> {
            Sharing.checkLimits(existing.stream().map(SharingService::share).toList(), targets);
            return Multi.createFrom().iterable(targets).onItem().transformToUniAndConcatenate(t -> {
                var found = existing.stream().filter(e -> e.targetType.equals(t.type()) && e.targetId.equals(t.id()))
                        .findFirst();
                if (found.isPresent()) {
                    GalleryShare s = found.get();
                    if (!GalleryShare.REJECTED.equals(s.state)) {
                        return Uni.createFrom().item(false); // already shared (pending or accepted): nothing changes
                    }
                    s.state = GalleryShare.PENDING; // invited again
                    s.decidedAt = null;
                    s.decidedBy = null;
                    return Uni.createFrom().item(true);
                }
                return recipientTenant(t).flatMap(tenant -> {
                    GalleryShare s = new GalleryShare();
                    s.id = UUID.randomUUID().toString();
                    s.galleryKey = g.galleryKey;
                    s.targetType = t.type();
                    s.targetId = t.id();
                    s.tenantId = tenant;
                    s.state = tenant.equals(g.tenantId) ? GalleryShare.ACCEPTED : GalleryShare.PENDING;
                    s.createdAt = StoredTime.now();
                    s.createdBy = caller.principalId();
                    return s.persist().replaceWith(true);
                });
            }).collect().asList().map(changes -> changes.contains(true));
        });
    }

    private static Uni<String> recipientTenant(Recipient t) {
        if (t.type().equals(Sharing.TENANTS)) {
            return Tenant.<Tenant>findById(t.id()).map(x -> {
                if (x == null) {
                    throw ArmException.invalidParameter(t.field(), "The tenant '" + t.id() + "' is not registered.");
                }
                return x.id;
            });
        }
        return Subscription.<Subscription>findById(t.id()).map(s -> {
            if (s == null) {
                throw ArmException.invalidParameter(t.field(), "The subscription '" + t.id() + "' does not exist.");
            }
            return s.tenantId;
        });
    }

    private Uni<Boolean> remove(GalleryRef g, List<Recipient> targets) {
        return Multi.createFrom().iterable(targets).onItem().transformToUniAndConcatenate(t ->
                        GalleryShare.delete("galleryKey = ?1 and targetType = ?2 and targetId = ?3", g.galleryKey,
                                t.type(), t.id()))
                .collect().asList().map(rows -> rows.stream().mapToLong(Long::longValue).sum() > 0);
    }

    private Uni<Boolean> reset(GalleryRef g) {
        return GalleryShare.delete("galleryKey", g.galleryKey)
                .flatMap(n -> GalleryCommunity.<GalleryCommunity>findById(g.galleryKey).map(c -> {
                    boolean community = c != null && c.enabled;
                    if (community) {
                        c.enabled = false;
                    }
                    return n > 0 || community;
                }));
    }

    private Uni<Boolean> enableCommunity(GalleryRef g, Sharing.Community info) {
        return GalleryCommunity.<GalleryCommunity>findById(g.galleryKey).flatMap(existing -> {
            // stable for the gallery while its prefix is: a publication again (after a Reset) keeps its name
            String publicName = existing != null && existing.publicNamePrefix.equals(info.publicNamePrefix())
                    ? existing.publicGalleryName : Sharing.newPublicName(info.publicNamePrefix());
            if (existing != null && existing.enabled && existing.publicNamePrefix.equals(info.publicNamePrefix())
                    && existing.publicGalleryName.equals(publicName)
                    && Objects.equals(existing.publisherUri, info.publisherUri())
                    && existing.publisherContact.equals(info.publisherContact()) && existing.eula.equals(info.eula())) {
                return Uni.createFrom().item(false);
            }
            GalleryCommunity c = existing != null ? existing : new GalleryCommunity();
            c.galleryKey = g.galleryKey;
            c.publicNamePrefix = info.publicNamePrefix();
            c.publicGalleryName = publicName;
            c.publisherUri = info.publisherUri();
            c.publisherContact = info.publisherContact();
            c.eula = info.eula();
            c.enabled = true;
            return existing != null ? Uni.createFrom().item(true) : c.persist().replaceWith(true);
        });
    }

    /** The next number of {@code sharing_state_seq}; drawn under the gallery's lock, so in commit order. */
    private static Uni<Long> nextSequence() {
        return Panache.getSession().flatMap(s -> s.createNativeQuery("SELECT nextval('sharing_state_seq')", Long.class)
                .getSingleResult());
    }

    /** Publishes the gallery's whole sharing state (a snapshot keyed by the gallery id) with its sequence number. */
    Uni<Void> publish(GalleryRef g) {
        return GalleryShare.<GalleryShare>list("galleryKey = ?1 order by createdAt", g.galleryKey)
                .flatMap(shares -> GalleryCommunity.<GalleryCommunity>findById(g.galleryKey)
                        .flatMap(c -> nextSequence().flatMap(seq -> {
                            g.sharingSequence = seq;
                            var state = new Payloads.GallerySharingChanged(g.galleryId, g.uniqueName, g.tenantId,
                                    g.subscriptionId, g.location, shares.stream().map(s -> new Payloads.ShareEntry(
                                    s.targetType, s.targetId, s.tenantId, s.state)).toList(),
                                    c == null ? null : new Payloads.CommunityInfo(c.enabled, c.publicGalleryName,
                                            c.publicNamePrefix, c.publisherUri, c.publisherContact, c.eula), seq);
                            return outbox.emit(EventTypes.GALLERY_SHARING_CHANGED, g.galleryId, state);
                        })))
                .replaceWithVoid();
    }

    private Uni<Sharing.Profile> profile(GalleryRef g) {
        return GalleryShare.<GalleryShare>list("galleryKey = ?1 order by createdAt", g.galleryKey)
                .flatMap(shares -> GalleryCommunity.<GalleryCommunity>findById(g.galleryKey).map(c -> Sharing.profile(
                        shares.stream().map(SharingService::share).toList(), c == null ? null
                                : new Sharing.Publication(c.publisherUri, c.publisherContact, c.eula,
                                c.publicNamePrefix, c.publicGalleryName, c.enabled))));
    }

    private static Sharing.Share share(GalleryShare s) {
        return new Sharing.Share(s.targetType, s.targetId, s.state);
    }

    /**
     * catalog-service deleted a gallery: its shares, its community publication and every role assignment at or below
     * it end (each assignment with its RoleAssignmentDeleted, the sharing with a final empty state of the next
     * sequence number), and access-service forgets it, so that a gallery created again under the same id starts
     * private and without grants. Runs inside the consumer's transaction, under the gallery's lock.
     */
    public Uni<Void> galleryDeleted(String galleryId) {
        String key = galleryId.toLowerCase(Locale.ROOT);
        String reason = "the gallery was deleted";
        return GalleryRef.<GalleryRef>findById(key, LockModeType.PESSIMISTIC_WRITE).flatMap(g -> {
            if (g == null) {
                return access.endAssignmentsAtAndBelow(galleryId, reason).replaceWithVoid();
            }
            return GalleryShare.<GalleryShare>list("galleryKey", key)
                    .flatMap(shares -> GalleryCommunity.<GalleryCommunity>findById(key).flatMap(c -> {
                        boolean published = g.sharingSequence != null || !shares.isEmpty() || c != null;
                        return GalleryShare.delete("galleryKey", key)
                                .flatMap(n -> GalleryCommunity.delete("galleryKey", key))
                                .flatMap(n -> access.endAssignmentsAtAndBelow(g.galleryId, reason))
                                .flatMap(n -> ScopeRef.<ScopeRef>list("subscriptionId", g.subscriptionId))
                                .flatMap(refs -> {
                                    var below = refs.stream().filter(r -> Scopes.covers(key, r.scopeKey))
                                            .map(r -> r.scopeKey).toList();
                                    return below.isEmpty() ? Uni.createFrom().item(0L)
                                            : ScopeRef.delete("scopeKey in ?1", below);
                                })
                                .flatMap(n -> GalleryRef.delete("galleryKey", key))
                                .flatMap(n -> !published ? Uni.createFrom().voidItem() : nextSequence()
                                        .flatMap(seq -> outbox.emit(EventTypes.GALLERY_SHARING_CHANGED, g.galleryId,
                                                new Payloads.GallerySharingChanged(g.galleryId, g.uniqueName,
                                                        g.tenantId, g.subscriptionId, g.location, List.of(), null,
                                                        seq)))
                                        .call(e -> Audit.system(g.tenantId, DELETE_ACTION, g.galleryId, "Revoked",
                                                "sharing ended (" + shares.size() + " share(s)"
                                                        + (c != null && c.enabled ? ", community" : "") + "): "
                                                        + reason))
                                        .replaceWithVoid());
                    }));
        });
    }

    /** The shares offered to the caller's tenant (tenant administrators only). */
    @WithSession
    public Uni<List<Sharing.Invitation>> invitations(Caller caller) {
        return requireAdmin(caller).flatMap(x -> GalleryShare.<GalleryShare>list(
                        "tenantId = ?1 order by createdAt", caller.tenantId()))
                .flatMap(shares -> Multi.createFrom().iterable(shares).onItem().transformToUniAndConcatenate(s ->
                        GalleryRef.<GalleryRef>findById(s.galleryKey).map(g -> invitation(s, g))).collect().asList());
    }

    /**
     * Accepts or rejects an invitation, under the gallery's lock (serialised with the owner's share changes); the
     * same decision again changes and publishes nothing.
     */
    @WithTransaction
    public Uni<Sharing.Invitation> decide(Caller caller, String id, boolean accept) {
        String wanted = accept ? GalleryShare.ACCEPTED : GalleryShare.REJECTED;
        return requireAdmin(caller)
                .flatMap(x -> !Inputs.isGuid(id) ? Uni.createFrom().<String>nullItem()
                        : Panache.getSession().flatMap(s -> s.createSelectionQuery(
                                        "select galleryKey from GalleryShare where id = :id", String.class)
                                .setParameter("id", id.toLowerCase(Locale.ROOT)).getSingleResultOrNull()))
                .flatMap(key -> key == null ? Uni.createFrom().<GalleryRef>nullItem()
                        : GalleryRef.<GalleryRef>findById(key, LockModeType.PESSIMISTIC_WRITE))
                .flatMap(g -> (g == null ? Uni.createFrom().<GalleryShare>nullItem()
                        : GalleryShare.<GalleryShare>findById(id.toLowerCase(Locale.ROOT))).flatMap(s -> {
                    if (s == null || !s.tenantId.equals(caller.tenantId())) {
                        throw ArmException.notFound("SharingInvitationNotFound", "The invitation '"
                                + Inputs.shown(id) + "' was not found.", null);
                    }
                    if (wanted.equals(s.state)) {
                        return Uni.createFrom().item(invitation(s, g)); // decided so already: nothing changes
                    }
                    s.state = wanted;
                    s.decidedAt = StoredTime.now(); // answered: as its GETs say it
                    s.decidedBy = caller.principalId();
                    return publish(g)
                            .call(v -> Audit.record(caller, "Microsoft.Compute/sharingInvitations/"
                                            + (accept ? "accept" : "reject") + "/action", g.galleryId,
                                    accept ? "Accepted" : "Rejected", s.targetType + " " + s.targetId))
                            .map(v -> invitation(s, g));
                }));
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

    private static Sharing.Invitation invitation(GalleryShare s, GalleryRef g) {
        return new Sharing.Invitation(s.id, g == null ? null : g.uniqueName, g == null ? null : g.tenantId,
                s.targetType, s.targetId, s.state, s.createdAt, s.decidedAt, s.decidedBy);
    }
}

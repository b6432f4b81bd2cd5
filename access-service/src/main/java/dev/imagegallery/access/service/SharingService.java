package dev.imagegallery.access.service;

import dev.imagegallery.access.api.SharingBodies;
import dev.imagegallery.access.domain.AuditEntry;
import dev.imagegallery.access.domain.GalleryCommunity;
import dev.imagegallery.access.domain.GalleryRef;
import dev.imagegallery.access.domain.GalleryShare;
import dev.imagegallery.access.domain.Inputs;
import dev.imagegallery.access.domain.ScopeRef;
import dev.imagegallery.access.domain.Subscription;
import dev.imagegallery.access.domain.Tenant;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.common.security.Caller;
import dev.imagegallery.common.security.Scopes;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

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
    static final int MAX_SUBSCRIPTIONS = 30;
    static final int MAX_TENANTS = 5;
    static final int MAX_GROUPS = 10;
    static final Pattern PREFIX = Pattern.compile("^[A-Za-z0-9]{5,16}$");

    private final AccessService access;
    private final Outbox outbox;

    public SharingService(AccessService access, Outbox outbox) {
        this.access = access;
        this.outbox = outbox;
    }

    /** One recipient of a request, normalised, with the request field it came from (for errors). */
    record Target(String type, String id, String field) {
    }

    @WithTransaction
    public Uni<SharingBodies.SharingProfile> share(Caller caller, String galleryId, SharingBodies.SharingUpdate req) {
        if (req == null || req.operationType() == null) {
            throw ArmException.invalidParameter("operationType", "operationType is required: Add, Remove, Reset or "
                    + "EnableCommunity.");
        }
        String op = req.operationType();
        if (!Set.of("Add", "Remove", "Reset", "EnableCommunity").contains(op)) {
            throw ArmException.invalidParameter("operationType", "operationType '" + Inputs.shown(op) + "' is not "
                    + "one of Add, Remove, Reset, EnableCommunity.");
        }
        // every input is checked before anything is read or locked
        List<Target> targets = op.equals("Add") || op.equals("Remove") ? targets(req) : List.of();
        SharingBodies.CommunityGalleryInfo info = op.equals("EnableCommunity")
                ? community(req.communityGalleryInfo()) : null;
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
                        default -> enableCommunity(g, info);
                    };
                    return change.flatMap(changed -> !changed ? Uni.createFrom().voidItem() : publish(g)
                                    .call(v -> Audit.record(caller, SHARE_ACTION, galleryId, "Shared", op + " "
                                            + (targets.isEmpty() ? "" : targets.stream()
                                            .map(t -> t.type() + ":" + t.id()).toList()))))
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

    /**
     * The recipients of an Add or Remove, checked and normalised: each group a known type, at most as many ids as a
     * gallery may hold of that type, each a subscription GUID or a tenant id (lower-case); each refusal names its
     * field ({@code groups[1].ids[0]}).
     */
    static List<Target> targets(SharingBodies.SharingUpdate req) {
        if (req.groups() == null || req.groups().isEmpty()) {
            throw ArmException.invalidParameter("groups", "groups are required for " + req.operationType() + ".");
        }
        if (req.groups().size() > MAX_GROUPS) {
            throw ArmException.invalidParameter("groups", "At most " + MAX_GROUPS + " groups are accepted.");
        }
        Map<String, Target> out = new LinkedHashMap<>();
        for (int i = 0; i < req.groups().size(); i++) {
            var g = req.groups().get(i);
            String field = "groups[" + i + "]";
            if (g == null || !Set.of("Subscriptions", "AADTenants").contains(g.type())) {
                throw ArmException.invalidParameter(field + ".type", "A group's type is Subscriptions or AADTenants.");
            }
            boolean subs = g.type().equals("Subscriptions");
            if (g.ids() == null || g.ids().isEmpty()) {
                throw ArmException.invalidParameter(field + ".ids", "A group needs ids.");
            }
            int max = subs ? MAX_SUBSCRIPTIONS : MAX_TENANTS;
            if (g.ids().size() > max) {
                throw ArmException.invalid("SharingLimitExceeded", "A gallery can be shared with at most " + max
                        + (subs ? " subscriptions" : " tenants") + " (this group names " + g.ids().size() + ").",
                        field + ".ids");
            }
            for (int j = 0; j < g.ids().size(); j++) {
                String raw = g.ids().get(j);
                String idField = field + ".ids[" + j + "]";
                String id = raw == null ? "" : raw.trim().toLowerCase(Locale.ROOT);
                if (subs ? !Inputs.isGuid(id) : !Inputs.TENANT_ID.matcher(id).matches()) {
                    throw ArmException.invalidParameter(idField, "'" + Inputs.shown(raw) + "' is not a "
                            + (subs ? "subscription id (a GUID)." : "tenant id (2 to 63 letters, digits and hyphens)."));
                }
                out.putIfAbsent(g.type() + "|" + id, new Target(g.type(), id, idField));
            }
        }
        return List.copyOf(out.values());
    }

    /** EnableCommunity's information, checked: Azure's prefix rule, an e-mail contact, an http(s) URI, a EULA. */
    static SharingBodies.CommunityGalleryInfo community(SharingBodies.CommunityGalleryInfo info) {
        if (info == null) {
            throw ArmException.invalidParameter("communityGalleryInfo", "EnableCommunity needs communityGalleryInfo "
                    + "(publicNamePrefix, publisherContact, eula).");
        }
        if (info.publicNamePrefix() == null || !PREFIX.matcher(info.publicNamePrefix()).matches()) {
            throw ArmException.invalidParameter("communityGalleryInfo.publicNamePrefix", "The public name prefix is 5 "
                    + "to 16 letters and digits.");
        }
        Inputs.email(info.publisherContact(), "communityGalleryInfo.publisherContact");
        if (info.publisherUri() != null) {
            Inputs.httpUrl(info.publisherUri(), "communityGalleryInfo.publisherUri", true);
        }
        if (info.eula() == null || info.eula().isBlank() || info.eula().length() > Inputs.EULA_MAX) {
            throw ArmException.invalidParameter("communityGalleryInfo.eula", "A community gallery needs a EULA of at "
                    + "most " + Inputs.EULA_MAX + " characters.");
        }
        return info;
    }

    /** Adds the recipients not there yet and invites a rejected one again; answers whether anything changed. */
    private Uni<Boolean> add(Caller caller, GalleryRef g, List<Target> targets) {
        return GalleryShare.<GalleryShare>list("galleryKey", g.galleryKey).flatMap(existing -> {
            for (String type : List.of("Subscriptions", "AADTenants")) {
                long n = java.util.stream.Stream.concat(
                        existing.stream().filter(e -> e.targetType.equals(type)).map(e -> e.targetId),
                        targets.stream().filter(t -> t.type().equals(type)).map(Target::id)).distinct().count();
                int max = type.equals("Subscriptions") ? MAX_SUBSCRIPTIONS : MAX_TENANTS;
                if (n > max) {
                    throw ArmException.invalid("SharingLimitExceeded", "A gallery can be shared with at most " + max
                            + (type.equals("Subscriptions") ? " subscriptions" : " tenants") + " (this would make " + n
                            + ").", "groups");
                }
            }
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
                    s.createdAt = Instant.now();
                    s.createdBy = caller.principalId();
                    return s.persist().replaceWith(true);
                });
            }).collect().asList().map(changes -> changes.contains(true));
        });
    }

    private static Uni<String> recipientTenant(Target t) {
        if (t.type().equals("AADTenants")) {
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

    private Uni<Boolean> remove(GalleryRef g, List<Target> targets) {
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

    private Uni<Boolean> enableCommunity(GalleryRef g, SharingBodies.CommunityGalleryInfo info) {
        return GalleryCommunity.<GalleryCommunity>findById(g.galleryKey).flatMap(existing -> {
            String publicName = info.publicNamePrefix() + "-" + shortHash(g.galleryKey);
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

    static String shortHash(String s) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes());
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
    public Uni<List<SharingBodies.Invitation>> invitations(Caller caller) {
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
    public Uni<SharingBodies.Invitation> decide(Caller caller, String id, boolean accept) {
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
                    s.decidedAt = Instant.now();
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

    private static SharingBodies.Invitation invitation(GalleryShare s, GalleryRef g) {
        return new SharingBodies.Invitation("/providers/Microsoft.Compute/sharingInvitations/" + s.id, s.id,
                "Microsoft.Compute/sharingInvitations", new SharingBodies.InvitationProperties(
                g == null ? null : g.uniqueName, g == null ? null : g.tenantId, s.targetType, s.targetId, s.state,
                s.createdAt, s.decidedAt, s.decidedBy));
    }
}

package dev.imagegallery.access.domain;

import dev.imagegallery.common.arm.ArmException;

import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The rules of gallery sharing, as Azure's {@code share} action has them, in plain Java: the operations, the recipient
 * groups and their limits (30 subscriptions, 5 tenants, 10 groups), the community publication's information, and what
 * a gallery's sharing profile says. Each refusal names its request field.
 */
public final class Sharing {
    public static final String SUBSCRIPTIONS = "Subscriptions";
    public static final String TENANTS = "AADTenants";
    public static final int MAX_SUBSCRIPTIONS = 30;
    public static final int MAX_TENANTS = 5;
    public static final int MAX_GROUPS = 10;
    static final Set<String> OPERATIONS = Set.of("Add", "Remove", "Reset", "EnableCommunity");
    static final Pattern PREFIX = Pattern.compile("^[A-Za-z0-9]{5,16}$");

    private Sharing() {
    }

    /** A share action as the request carried it (null where absent). */
    public record Update(String operationType, List<Group> groups, Community communityGalleryInfo) {
    }

    /** A group of recipients: its type (Subscriptions or AADTenants) and their ids. */
    public record Group(String type, List<String> ids) {
    }

    /** A community publication's information as the publisher gives it. */
    public record Community(String publisherUri, String publisherContact, String eula, String publicNamePrefix) {
    }

    /** One recipient of a request, normalised, with the request field it came from (for errors). */
    public record Recipient(String type, String id, String field) {
    }

    /** One recipient's share and its state (Pending, Accepted, Rejected). */
    public record Share(String type, String id, String state) {
    }

    /** A gallery's community publication as it stands. */
    public record Publication(String publisherUri, String publisherContact, String eula, String publicNamePrefix,
                              String publicGalleryName, boolean enabled) {
    }

    /** A gallery's sharing profile: Private, Groups or Community, its groups, each share, the publication. */
    public record Profile(String permissions, List<Group> groups, List<Share> shares, Publication community) {
    }

    /** A share offered to a recipient tenant, as its administrators see it. */
    public record Invitation(String id, String galleryUniqueName, String ownerTenantId, String sharedWithType,
                             String sharedWith, String state, Instant createdOn, Instant decidedOn,
                             String decidedBy) {
    }

    /** Whether the request is an EnableCommunity whose information is the gallery's own (none in the request). */
    public static boolean needsAskedCommunity(Update req) {
        return "EnableCommunity".equals(operation(req)) && req.communityGalleryInfo() == null;
    }

    /** The operation, checked: Add, Remove, Reset or EnableCommunity. */
    public static String operation(Update req) {
        if (req == null || req.operationType() == null) {
            throw ArmException.invalidParameter("operationType", "operationType is required: Add, Remove, Reset or "
                    + "EnableCommunity.");
        }
        String op = req.operationType();
        if (!OPERATIONS.contains(op)) {
            throw ArmException.invalidParameter("operationType", "operationType '" + Inputs.shown(op) + "' is not "
                    + "one of Add, Remove, Reset, EnableCommunity.");
        }
        return op;
    }

    /**
     * The recipients of an Add or Remove, checked and normalised: each group a known type, at most as many ids as a
     * gallery may hold of that type, each a subscription GUID or a tenant id (lower-case); each refusal names its
     * field ({@code groups[1].ids[0]}). A recipient named twice counts once.
     */
    public static List<Recipient> recipients(Update req) {
        if (req.groups() == null || req.groups().isEmpty()) {
            throw ArmException.invalidParameter("groups", "groups are required for " + req.operationType() + ".");
        }
        if (req.groups().size() > MAX_GROUPS) {
            throw ArmException.invalidParameter("groups", "At most " + MAX_GROUPS + " groups are accepted.");
        }
        Map<String, Recipient> out = new LinkedHashMap<>();
        for (int i = 0; i < req.groups().size(); i++) {
            var g = req.groups().get(i);
            String field = "groups[" + i + "]";
            if (g == null || !Set.of(SUBSCRIPTIONS, TENANTS).contains(g.type())) {
                throw ArmException.invalidParameter(field + ".type", "A group's type is Subscriptions or AADTenants.");
            }
            boolean subs = g.type().equals(SUBSCRIPTIONS);
            if (g.ids() == null || g.ids().isEmpty()) {
                throw ArmException.invalidParameter(field + ".ids", "A group needs ids.");
            }
            int max = max(g.type());
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
                out.putIfAbsent(g.type() + "|" + id, new Recipient(g.type(), id, idField));
            }
        }
        return List.copyOf(out.values());
    }

    private static int max(String type) {
        return type.equals(SUBSCRIPTIONS) ? MAX_SUBSCRIPTIONS : MAX_TENANTS;
    }

    /**
     * An Add may not take a gallery over its limits: the recipients it already has ({@code existing}) and those
     * added, counted once each, per type.
     */
    public static void checkLimits(List<Share> existing, List<Recipient> added) {
        for (String type : List.of(SUBSCRIPTIONS, TENANTS)) {
            long n = Stream.concat(existing.stream().filter(e -> e.type().equals(type)).map(Share::id),
                    added.stream().filter(t -> t.type().equals(type)).map(Recipient::id)).distinct().count();
            int max = max(type);
            if (n > max) {
                throw ArmException.invalid("SharingLimitExceeded", "A gallery can be shared with at most " + max
                        + (type.equals(SUBSCRIPTIONS) ? " subscriptions" : " tenants") + " (this would make " + n
                        + ").", "groups");
            }
        }
    }

    /** EnableCommunity's information, checked: Azure's prefix rule, an e-mail contact, an http(s) URI, a EULA. */
    public static Community community(Community info) {
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

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /**
     * A new community gallery's public name: its prefix and 12 random hexadecimal digits (Azure adds a GUID). It was
     * a hash of the gallery's id, so anyone could test guesses of the owner's subscription, resource group and
     * gallery name against a published name. The caller keeps it for the gallery (its publication row).
     */
    public static String newPublicName(String prefix) {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return prefix + "-" + HexFormat.of().formatHex(b);
    }

    /**
     * A gallery's profile from its shares (in the order they were made) and publication: Community when published,
     * else Groups when shared with anyone, else Private; one group per recipient type that has any.
     */
    public static Profile profile(List<Share> shares, Publication community) {
        List<Group> groups = new java.util.ArrayList<>();
        for (String type : List.of(SUBSCRIPTIONS, TENANTS)) {
            var ids = shares.stream().filter(s -> s.type().equals(type)).map(Share::id).toList();
            if (!ids.isEmpty()) {
                groups.add(new Group(type, ids));
            }
        }
        boolean published = community != null && community.enabled();
        String permissions = published ? "Community" : groups.isEmpty() ? "Private" : "Groups";
        return new Profile(permissions, groups, shares, community);
    }
}

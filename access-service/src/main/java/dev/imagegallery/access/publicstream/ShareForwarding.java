package dev.imagegallery.access.publicstream;

import dev.imagegallery.access.publicstream.Translation.Forward;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.events.PublicEvents;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a gallery's new sharing state means for the streams: the owner's stream gets the whole state (its own data),
 * and each recipient tenant's stream gets what changed for it: a share offered (Pending, or Accepted within the
 * owner's tenant), accepted, rejected or removed. A recipient learns the gallery's unique name, location and owner
 * tenant (what its invitation shows), never the other recipients.
 */
public final class ShareForwarding {
    private ShareForwarding() {
    }

    /** A recipient row as forwarded last (public_share). */
    public record Recipient(String sharedWithType, String sharedWith, String recipientTenantId, String ownerTenantId,
                            String galleryUniqueName, String location, String state) {
        String key() {
            return sharedWithType + "/" + sharedWith;
        }
    }

    public record Outcome(List<Forward> forwards, List<Recipient> recipients) {
    }

    /**
     * The public events of {@code state} given the recipients forwarded before ({@code before}), and the recipients to
     * keep for next time.
     */
    public static Outcome of(CloudEvent source, Payloads.GallerySharingChanged state, List<Recipient> before) {
        long sequence = state.sequence() == null ? 0 : state.sequence();
        Instant time = source.time() == null ? Instant.EPOCH : source.time();
        Map<String, Recipient> old = new LinkedHashMap<>();
        before.forEach(r -> old.put(r.key(), r));
        Map<String, Recipient> now = new LinkedHashMap<>();
        if (state.shares() != null) {
            for (Payloads.ShareEntry s : state.shares()) {
                if (s.tenantId() == null) {
                    continue;
                }
                String id = s.id().toLowerCase(Locale.ROOT);
                Recipient r = new Recipient(s.type(), id, s.tenantId(), state.ownerTenantId(),
                        state.galleryUniqueName(), state.location(), s.state());
                now.put(r.key(), r);
            }
        }
        List<Forward> out = new ArrayList<>();
        if (state.ownerTenantId() != null) {
            List<PublicEvents.Share> shares = now.values().stream()
                    .map(r -> new PublicEvents.Share(r.sharedWithType(), r.sharedWith(), r.state())).toList();
            var community = state.community() == null ? new PublicEvents.Community(false, null)
                    : new PublicEvents.Community(state.community().enabled(),
                    state.community().enabled() ? state.community().publicGalleryName() : null);
            out.add(Translation.forward(source, state.ownerTenantId(), PublicEvents.GALLERY_SHARING_CHANGED, null,
                    state.galleryId(), new PublicEvents.GallerySharingChanged(state.galleryId(),
                            state.galleryUniqueName(), state.location(), shares, community, sequence)));
        }
        for (Recipient r : now.values()) {
            Recipient was = old.get(r.key());
            if (was == null || !was.state().equals(r.state())) {
                out.add(recipientEvent(source, r, r.state(), sequence));
            }
        }
        for (Recipient r : old.values()) {
            if (!now.containsKey(r.key())) {
                out.add(recipientEvent(source, r, "Removed", sequence));
            }
        }
        return new Outcome(out, List.copyOf(now.values()));
    }

    private static Forward recipientEvent(CloudEvent source, Recipient r, String state, long sequence) {
        return Translation.forward(source, r.recipientTenantId(), PublicEvents.GALLERY_SHARE_CHANGED, r.key(),
                "/sharedGalleries/" + r.galleryUniqueName(), new PublicEvents.GalleryShareChanged(
                        r.galleryUniqueName(), r.ownerTenantId(), r.location(), r.sharedWithType(), r.sharedWith(),
                        state, sequence));
    }
}

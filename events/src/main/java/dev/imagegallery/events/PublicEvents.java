package dev.imagegallery.events;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The public per-tenant streams ({@code gallery.public.<tenantId>.v1}) that external subscribers read: what a tenant's
 * subscriber needs to know of its own resources and of the shares it receives, and nothing of other tenants. Each
 * type has a JSON Schema in {@code docs/schemas/public/} and the whole contract is {@code docs/asyncapi/public-events.yaml}.
 * These payloads are a contract of their own: an internal event may gain or lose a field without a public one doing so.
 */
public final class PublicEvents {
    public static final String TOPIC_PREFIX = "gallery.public.";
    public static final String SOURCE = "/services/access-service/public-streams";

    public static final String VERSION_PUBLISHED = "VersionPublished";
    public static final String REPLICA_COMPLETED = "ReplicaCompleted";
    public static final String VERSION_DELETED = "VersionDeleted";
    public static final String VERSION_LIFECYCLE_CHANGED = "VersionLifecycleChanged";
    /** The owner's own view of a gallery's sharing (in the owner's stream). */
    public static final String GALLERY_SHARING_CHANGED = "GallerySharingChanged";
    /** A share offered to (or changed for, or removed from) the recipient tenant (in the recipient's stream). */
    public static final String GALLERY_SHARE_CHANGED = "GalleryShareChanged";
    public static final String USAGE_RECORDED = "UsageRecorded";

    public static final List<String> TYPES = List.of(VERSION_PUBLISHED, REPLICA_COMPLETED, VERSION_DELETED,
            VERSION_LIFECYCLE_CHANGED, GALLERY_SHARING_CHANGED, GALLERY_SHARE_CHANGED, USAGE_RECORDED);

    private PublicEvents() {
    }

    /** The public stream of a tenant. */
    public static String topicOf(String tenantId) {
        return TOPIC_PREFIX + tenantId.toLowerCase(Locale.ROOT) + ".v1";
    }

    public static String schemaOf(String type) {
        return "https://imagegallery.dev/events/public/v1/" + type;
    }

    /**
     * The id of the public event that {@code sourceEventId} gives {@code tenantId} ({@code discriminator} tells apart
     * several public events of one type from one source event): the same inputs always give the same id (a name-based
     * UUID), so a re-forwarded event is recognisably the same one.
     */
    public static UUID idOf(String sourceEventId, String tenantId, String type, String discriminator) {
        return UUID.nameUUIDFromBytes(("gallery.public|" + sourceEventId + "|" + tenantId + "|" + type + "|"
                + (discriminator == null ? "" : discriminator)).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A public event: its id derives from the source event's and its time is the source event's, so forwarding the
     * same source event again yields the identical document.
     */
    public static CloudEvent of(UUID id, String type, String subject, Instant time, Object data) {
        return new CloudEvent(CloudEvent.SPEC_VERSION, id.toString(), SOURCE, type, subject, time, "application/json",
                schemaOf(type), Json.MAPPER.valueToTree(data));
    }

    public record TargetRegion(String name, int regionalReplicaCount, String storageAccountType) {
    }

    public record VersionPublished(String versionId, String subscriptionId, long sizeBytes,
                                   List<TargetRegion> targetRegions) {
    }

    public record ReplicaCompleted(String versionId, String subscriptionId, String region, int replicaCount,
                                   String storageAccountType, String digest, Instant completedAt) {
    }

    public record VersionDeleted(String versionId, String subscriptionId) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record VersionLifecycleChanged(String versionId, String subscriptionId, String state,
                                          String replacementVersion) {
    }

    /** One recipient as the owner sees it: {@code type} Subscriptions or AADTenants. */
    public record Share(String type, String id, String state) {
    }

    public record Community(boolean enabled, String publicGalleryName) {
    }

    public record GallerySharingChanged(String galleryId, String galleryUniqueName, String location,
                                        List<Share> shares, Community community, long sequence) {
    }

    /**
     * The recipient's view: {@code sharedWithType}/{@code sharedWith} is the recipient (one of its subscriptions, or
     * the tenant), {@code state} Pending, Accepted, Rejected or Removed.
     */
    public record GalleryShareChanged(String galleryUniqueName, String ownerTenantId, String location,
                                      String sharedWithType, String sharedWith, String state, long sequence) {
    }

    /**
     * Usage as it is measured: {@code usage} StorageStarted (a region's replicas hold {@code bytes} from {@code at}),
     * StorageEnded (they are gone from {@code at}) or Egress ({@code bytes} moved between two regions at {@code at}).
     * Prices and invoices are billing-service's ({@code Microsoft.Consumption/usageDetails}). Fields that do not apply
     * to the kind of usage are absent.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record UsageRecorded(String usage, String versionId, String subscriptionId, String region,
                                Integer replicaCount, String storageAccountType, Long bytes, Long logicalBytes,
                                String sourceRegion, String destinationRegion, Instant at) {
    }
}

package dev.imagegallery.events;

import java.util.List;

/** Topic and event type names. docs/events.md documents each payload; bump the topic suffix on a breaking change. */
public final class EventTypes {
    public static final String CATALOG_TOPIC = "gallery.catalog.v1";
    public static final String REPLICATION_TOPIC = "gallery.replication.v1";
    public static final String ACCESS_TOPIC = "gallery.access.v1";
    /** Denied requests from every enforcing service: access-service keeps the audit log. */
    public static final String AUDIT_TOPIC = "gallery.audit.v1";
    /** billing-service's dead letters: usage events it refused to bill, with the reason. */
    public static final String BILLING_DLQ_TOPIC = "gallery.billing.dlq.v1";

    public static final String VERSION_PUBLISHED = "VersionPublished";
    public static final String VERSION_DELETED = "VersionDeleted";
    public static final String VERSION_TARGET_REGIONS_CHANGED = "VersionTargetRegionsChanged";
    public static final String VERSION_LIFECYCLE_CHANGED = "VersionLifecycleChanged";
    public static final String VERSION_SOFT_DELETED = "VersionSoftDeleted";
    public static final String REPLICA_COMPLETED = "ReplicaCompleted";
    public static final String REPLICA_FAILED = "ReplicaFailed";
    public static final String EGRESS_TRANSFERRED = "EgressTransferred";
    public static final String REPLICA_PROGRESS = "ReplicaProgress";
    public static final String REPLICA_DELETED = "ReplicaDeleted";
    public static final String CHUNK_REPAIRED = "ChunkRepaired";
    public static final String BLOB_COMMITTED = "BlobCommitted";
    public static final String BLOB_DELETED = "BlobDeleted";
    public static final String SUBSCRIPTION_CREATED = "SubscriptionCreated";
    public static final String GALLERY_CHANGED = "GalleryChanged";
    public static final String IMAGE_DEFINITION_CHANGED = "ImageDefinitionChanged";
    public static final String MANAGED_IMAGE_CHANGED = "ManagedImageChanged";
    public static final String GALLERY_SHARING_CHANGED = "GallerySharingChanged";
    public static final String TENANT_REGISTERED = "TenantRegistered";
    public static final String ACCESS_DENIED = "AccessDenied";
    public static final String ROLE_ASSIGNMENT_CREATED = "RoleAssignmentCreated";
    public static final String ROLE_ASSIGNMENT_DELETED = "RoleAssignmentDeleted";
    public static final String USAGE_EVENT_REJECTED = "UsageEventRejected";

    /** Every type of the internal topics; each has a JSON Schema in docs/schemas/internal/{type}.json. */
    public static final List<String> TYPES = List.of(VERSION_PUBLISHED, VERSION_DELETED,
            VERSION_TARGET_REGIONS_CHANGED, VERSION_LIFECYCLE_CHANGED, GALLERY_CHANGED, IMAGE_DEFINITION_CHANGED,
            REPLICA_COMPLETED, REPLICA_FAILED, EGRESS_TRANSFERRED, REPLICA_PROGRESS, REPLICA_DELETED, BLOB_COMMITTED,
            BLOB_DELETED, CHUNK_REPAIRED, SUBSCRIPTION_CREATED, ROLE_ASSIGNMENT_CREATED, ROLE_ASSIGNMENT_DELETED,
            GALLERY_SHARING_CHANGED, TENANT_REGISTERED, ACCESS_DENIED, USAGE_EVENT_REJECTED, MANAGED_IMAGE_CHANGED,
            VERSION_SOFT_DELETED);

    private EventTypes() {
    }

    public static String schemaOf(String type) {
        return "https://imagegallery.dev/events/v1/" + type;
    }
}

package dev.imagegallery.events;

/** Topic and event type names. docs/events.md documents each payload; bump the topic suffix on a breaking change. */
public final class EventTypes {
    public static final String CATALOG_TOPIC = "gallery.catalog.v1";
    public static final String REPLICATION_TOPIC = "gallery.replication.v1";
    public static final String ACCESS_TOPIC = "gallery.access.v1";

    public static final String VERSION_PUBLISHED = "VersionPublished";
    public static final String VERSION_DELETED = "VersionDeleted";
    public static final String REPLICA_COMPLETED = "ReplicaCompleted";
    public static final String REPLICA_FAILED = "ReplicaFailed";
    public static final String EGRESS_TRANSFERRED = "EgressTransferred";
    public static final String SUBSCRIPTION_CREATED = "SubscriptionCreated";
    public static final String ROLE_ASSIGNMENT_CREATED = "RoleAssignmentCreated";
    public static final String ROLE_ASSIGNMENT_DELETED = "RoleAssignmentDeleted";

    private EventTypes() {
    }

    public static String schemaOf(String type) {
        return "https://imagegallery.dev/events/v1/" + type;
    }
}

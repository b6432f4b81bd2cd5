package dev.imagegallery.replication.events;

import dev.imagegallery.common.inbox.Inbox;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.replication.service.ImageContents;
import dev.imagegallery.replication.service.ReplicationService;
import dev.imagegallery.replication.service.ReplicationWorker;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.util.Set;

/**
 * Plans replication from catalog-service's events, and wakes the worker once they are committed: a planned job starts
 * then, a deleted one is purged then, not at the worker's next poll.
 */
@ApplicationScoped
public class CatalogEventsConsumer {
    private final ReplicationService replication;
    private final ReplicationWorker worker;
    private final ImageContents images;

    public CatalogEventsConsumer(ReplicationService replication, ReplicationWorker worker, ImageContents images) {
        this.replication = replication;
        this.worker = worker;
        this.images = images;
    }

    /** The events that change jobs or kept content; the topic's others are skipped without a transaction. */
    static final Set<String> APPLIED = Set.of(EventTypes.VERSION_PUBLISHED, EventTypes.VERSION_DELETED,
            EventTypes.VERSION_TARGET_REGIONS_CHANGED, EventTypes.VERSION_LIFECYCLE_CHANGED,
            EventTypes.MANAGED_IMAGE_CHANGED, EventTypes.VERSION_SOFT_DELETED);

    @Incoming("catalog-events")
    public Uni<Void> consume(String json) {
        return Inbox.consume(json, "catalog", APPLIED, event -> switch (event.type()) {
            case EventTypes.VERSION_PUBLISHED -> replication.plan(event.dataAs(Payloads.VersionPublished.class));
            case EventTypes.VERSION_DELETED -> replication.versionDeleted(event.dataAs(Payloads.VersionDeleted.class));
            case EventTypes.VERSION_TARGET_REGIONS_CHANGED -> replication.targetRegionsChanged(
                    event.dataAs(Payloads.VersionTargetRegionsChanged.class));
            case EventTypes.VERSION_LIFECYCLE_CHANGED -> replication.lifecycleChanged(
                    event.dataAs(Payloads.VersionLifecycleChanged.class));
            case EventTypes.MANAGED_IMAGE_CHANGED -> images.changed(event.dataAs(Payloads.ManagedImageChanged.class));
            case EventTypes.VERSION_SOFT_DELETED -> replication.softDeleted(
                    event.dataAs(Payloads.VersionSoftDeleted.class));
            default -> Uni.createFrom().voidItem();
        }).invoke(worker::wake);
    }
}

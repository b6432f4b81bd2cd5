package dev.imagegallery.replication.events;

import dev.imagegallery.common.inbox.Inbox;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.replication.service.ReplicationService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** Plans replication from catalog-service's events. */
@ApplicationScoped
public class CatalogEventsConsumer {
    private final ReplicationService replication;

    public CatalogEventsConsumer(ReplicationService replication) {
        this.replication = replication;
    }

    @Incoming("catalog-events")
    public Uni<Void> consume(String json) {
        return Inbox.consume(json, "catalog", event -> switch (event.type()) {
            case EventTypes.VERSION_PUBLISHED -> replication.plan(event.dataAs(Payloads.VersionPublished.class));
            case EventTypes.VERSION_DELETED -> replication.versionDeleted(event.dataAs(Payloads.VersionDeleted.class));
            case EventTypes.VERSION_TARGET_REGIONS_CHANGED -> replication.targetRegionsChanged(
                    event.dataAs(Payloads.VersionTargetRegionsChanged.class));
            case EventTypes.VERSION_LIFECYCLE_CHANGED -> replication.lifecycleChanged(
                    event.dataAs(Payloads.VersionLifecycleChanged.class));
            default -> Uni.createFrom().voidItem();
        });
    }
}

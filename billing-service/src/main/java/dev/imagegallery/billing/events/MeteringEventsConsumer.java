package dev.imagegallery.billing.events;

import dev.imagegallery.billing.service.MeteringService;
import dev.imagegallery.events.EventTypes;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.util.List;

/**
 * Meters usage from other services' events, a polled batch at a time (one transaction per batch, see
 * {@link MeteringService#apply}): storage (ReplicaCompleted, and its end in one region: ReplicaDeleted) and egress
 * (EgressTransferred) from replication-service, the end of a version's storage (VersionDeleted) from catalog-service.
 * Other event types are ignored.
 */
@ApplicationScoped
public class MeteringEventsConsumer {
    private final MeteringService metering;

    public MeteringEventsConsumer(MeteringService metering) {
        this.metering = metering;
    }

    @Incoming("replication-events")
    public Uni<Void> replication(List<String> batch) {
        return metering.apply(EventTypes.REPLICATION_TOPIC, batch);
    }

    @Incoming("catalog-events")
    public Uni<Void> catalog(List<String> batch) {
        return metering.apply(EventTypes.CATALOG_TOPIC, batch);
    }
}

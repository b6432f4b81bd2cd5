package dev.imagegallery.billing.events;

import dev.imagegallery.billing.service.MeteringService;
import dev.imagegallery.common.inbox.Inbox;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Meters usage from other services' events: storage (ReplicaCompleted) and egress (EgressTransferred) from
 * replication-service, the end of a version's storage (VersionDeleted) from catalog-service. Each event is applied
 * once, whatever the redelivery ({@link Inbox}); one that cannot be read is logged and skipped.
 */
@ApplicationScoped
public class MeteringEventsConsumer {
    private final MeteringService metering;

    public MeteringEventsConsumer(MeteringService metering) {
        this.metering = metering;
    }

    @Incoming("replication-events")
    public Uni<Void> replication(String json) {
        return consume(json, event -> switch (event.type()) {
            case EventTypes.REPLICA_COMPLETED -> {
                var p = payload(event, Payloads.ReplicaCompleted.class);
                yield () -> metering.replicaCompleted(event.id(), p, event.time());
            }
            case EventTypes.EGRESS_TRANSFERRED -> {
                var p = payload(event, Payloads.EgressTransferred.class);
                yield () -> metering.egressTransferred(event.id(), p, event.time());
            }
            default -> null;
        });
    }

    @Incoming("catalog-events")
    public Uni<Void> catalog(String json) {
        return consume(json, event -> {
            if (!EventTypes.VERSION_DELETED.equals(event.type())) {
                return null;
            }
            var p = payload(event, Payloads.VersionDeleted.class);
            return () -> metering.versionDeleted(event.id(), p, event.time());
        });
    }

    private static <T> T payload(CloudEvent event, Class<T> type) {
        T p = event.data() == null ? null : event.dataAs(type);
        if (p == null) {
            throw new IllegalArgumentException("event " + event.id() + " of type " + event.type() + " has no data");
        }
        return p;
    }

    /** Parses the envelope and the payload first, so that a malformed event is skipped rather than retried. */
    private static Uni<Void> consume(String json, Function<CloudEvent, Supplier<Uni<Void>>> effectOf) {
        CloudEvent event;
        Supplier<Uni<Void>> effect;
        try {
            event = CloudEvent.parse(json);
            if (event.id() == null || event.type() == null) {
                Log.warnf("skipping an event without id or type: %.200s", json);
                return Uni.createFrom().voidItem();
            }
            effect = effectOf.apply(event);
        } catch (IllegalArgumentException e) {
            Log.warnf("skipping a malformed event: %s", e.getMessage());
            return Uni.createFrom().voidItem();
        }
        if (effect == null) {
            return Uni.createFrom().voidItem();
        }
        return Inbox.process(event, effect);
    }
}

package dev.imagegallery.common.inbox;

import dev.imagegallery.common.outbox.OutboxRelay;
import dev.imagegallery.events.CloudEvent;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Idempotent consumption: an event's effect and the record of its id commit in one transaction, so redelivery or a
 * replay from offset zero changes nothing. Transient failures are retried with backoff; an event that still fails is
 * logged and skipped rather than blocking its partition forever.
 */
public final class Inbox {
    private Inbox() {
    }

    public static Uni<Void> process(CloudEvent event, Supplier<Uni<Void>> effect) {
        return Panache.withTransaction(() -> ProcessedEvent.<ProcessedEvent>findById(event.id())
                        .flatMap(done -> {
                            if (done != null) {
                                return Uni.createFrom().voidItem();
                            }
                            return effect.get().call(() -> {
                                ProcessedEvent pe = new ProcessedEvent();
                                pe.eventId = event.id();
                                pe.type = event.type();
                                pe.processedAt = Instant.now();
                                return pe.persist();
                            }).replaceWithVoid();
                        }))
                .invoke(OutboxRelay::wakeAll)
                .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5)).atMost(8)
                .onFailure().recoverWithUni(e -> {
                    Log.errorf(e, "giving up on event %s (%s) of %s", event.id(), event.type(), event.subject());
                    return Uni.createFrom().voidItem();
                });
    }
}

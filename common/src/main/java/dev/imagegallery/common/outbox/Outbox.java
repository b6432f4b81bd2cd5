package dev.imagegallery.common.outbox;

import dev.imagegallery.events.CloudEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

/** Adds events to the outbox inside the caller's transaction. */
@ApplicationScoped
public class Outbox {
    private final OutboxConfig config;

    public Outbox(OutboxConfig config) {
        this.config = config;
    }

    /** Writes an event of {@code type} about {@code subject} (the Kafka key) to this service's topic. */
    public Uni<CloudEvent> emit(String type, String subject, Object payload) {
        CloudEvent event = CloudEvent.of(config.source(), type, subject, payload);
        OutboxEvent row = new OutboxEvent();
        row.id = UUID.fromString(event.id());
        row.topic = config.topic();
        row.key = subject;
        row.payload = event.toJson();
        row.createdAt = event.time();
        return row.persist().replaceWith(event);
    }
}

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

    static final String WRITTEN = "gallery.outbox.written";

    /** Marks the current request as having written events, so that the relay is woken when it is answered. */
    static void markWritten() {
        try {
            io.smallrye.common.vertx.ContextLocals.put(WRITTEN, Boolean.TRUE);
        } catch (UnsupportedOperationException | IllegalStateException e) {
            // not on a request's context (a consumer or a job): the inbox or the poll wakes the relay
        }
    }

    static boolean writtenByThisRequest() {
        try {
            return io.smallrye.common.vertx.ContextLocals.<Boolean>get(WRITTEN).orElse(false);
        } catch (UnsupportedOperationException | IllegalStateException e) {
            return true;
        }
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
        markWritten();
        return row.persist().replaceWith(event);
    }

    /**
     * Writes an event through {@code conn}, a reactive SQL connection inside the caller's own transaction (for code on
     * the plain pool rather than Hibernate, such as blocking data-plane endpoints). Wake the relay after the commit
     * ({@link OutboxRelay#wakeAll()}) where no request filter does.
     */
    public Uni<CloudEvent> emit(io.vertx.mutiny.sqlclient.SqlConnection conn, String type, String subject,
                                Object payload) {
        CloudEvent event = CloudEvent.of(config.source(), type, subject, payload);
        markWritten();
        return conn.preparedQuery("INSERT INTO outbox (id, topic, event_key, payload, created_at) "
                        + "VALUES ($1, $2, $3, $4, $5)")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(UUID.fromString(event.id()), config.topic(), subject,
                        event.toJson(), java.time.OffsetDateTime.ofInstant(event.time(), java.time.ZoneOffset.UTC)))
                .replaceWith(event);
    }
}

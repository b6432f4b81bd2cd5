package dev.imagegallery.common.outbox;

import dev.imagegallery.common.tracing.EventTracing;
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
    /** Events written by this process so far, committed or not ({@link #writtenSince}). */
    private static final java.util.concurrent.atomic.AtomicLong WRITES = new java.util.concurrent.atomic.AtomicLong();

    /** A mark to pass to {@link #writtenSince} after a transaction, taken before it. */
    public static long writes() {
        return WRITES.get();
    }

    /**
     * Whether any event was written in this process since {@code mark} ({@link #writes}): when not, a transaction that
     * ran in between wrote none, and waking the relay after it would only run an empty round (a transaction of its
     * own). Where other work wrote events meanwhile it answers true: a wake too many, never one too few.
     */
    public static boolean writtenSince(long mark) {
        return WRITES.get() != mark;
    }

    /** Marks the current request as having written events, so that the relay is woken when it is answered. */
    static void markWritten() {
        WRITES.incrementAndGet();
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

    /**
     * Writes an event of {@code type} about {@code subject} (the Kafka key) to this service's topic. The event carries
     * the trace context current at the call (the request's or the consumer's span: {@link EventTracing}), and so does
     * its row, for the relay's send span.
     */
    public Uni<CloudEvent> emit(String type, String subject, Object payload) {
        CloudEvent event = EventTracing.withCurrentTrace(CloudEvent.of(config.source(), type, subject, payload));
        OutboxEvent row = new OutboxEvent();
        row.id = UUID.fromString(event.id());
        row.topic = config.topic();
        row.key = subject;
        row.payload = event.toJson();
        row.createdAt = event.time();
        row.traceparent = event.traceparent();
        row.tracestate = event.tracestate();
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
        CloudEvent event = EventTracing.withCurrentTrace(CloudEvent.of(config.source(), type, subject, payload));
        markWritten();
        return conn.preparedQuery("INSERT INTO outbox (id, topic, event_key, payload, created_at, traceparent, "
                        + "tracestate) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .execute(io.vertx.mutiny.sqlclient.Tuple.from(java.util.Arrays.asList(UUID.fromString(event.id()),
                        config.topic(), subject, event.toJson(),
                        java.time.OffsetDateTime.ofInstant(event.time(), java.time.ZoneOffset.UTC),
                        event.traceparent(), event.tracestate())))
                .replaceWith(event);
    }

    /**
     * An event ready to be written as it is: to a topic of the caller's choosing (a dead-letter topic, say), under an id
     * the caller derives from what it reports, so that writing it again (a retried batch) adds nothing.
     */
    public record Entry(UUID id, String topic, String key, String payload, java.time.Instant createdAt,
                        String traceparent, String tracestate) {
        /** An entry without a trace context. */
        public Entry(UUID id, String topic, String key, String payload, java.time.Instant createdAt) {
            this(id, topic, key, payload, createdAt, null, null);
        }
    }

    /**
     * Writes {@code entries} through {@code conn} in one statement, inside the caller's own transaction on the plain
     * SQL pool (a consumer of polled batches, such as billing's metering); an id already in the outbox is skipped.
     */
    public Uni<Void> emitAll(io.vertx.mutiny.sqlclient.SqlConnection conn, java.util.List<Entry> entries) {
        if (entries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        int n = entries.size();
        UUID[] ids = new UUID[n];
        String[] topics = new String[n];
        String[] keys = new String[n];
        String[] payloads = new String[n];
        java.time.OffsetDateTime[] times = new java.time.OffsetDateTime[n];
        String[] traceparents = new String[n];
        String[] tracestates = new String[n];
        for (int i = 0; i < n; i++) {
            Entry e = entries.get(i);
            ids[i] = e.id();
            topics[i] = e.topic();
            keys[i] = e.key();
            payloads[i] = e.payload();
            times[i] = e.createdAt().atOffset(java.time.ZoneOffset.UTC);
            traceparents[i] = e.traceparent();
            tracestates[i] = e.tracestate();
        }
        markWritten();
        return conn.preparedQuery("INSERT INTO outbox (id, topic, event_key, payload, created_at, traceparent, "
                        + "tracestate) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], "
                        + "$5::timestamptz[], $6::text[], $7::text[]) ON CONFLICT (id) DO NOTHING")
                .execute(io.vertx.mutiny.sqlclient.Tuple.tuple(java.util.Arrays.<Object>asList(ids, topics, keys,
                        payloads, times, traceparents, tracestates)))
                .replaceWithVoid();
    }
}

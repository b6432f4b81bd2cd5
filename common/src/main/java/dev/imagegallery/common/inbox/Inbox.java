package dev.imagegallery.common.inbox;

import dev.imagegallery.common.db.Unavailable;
import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.common.outbox.OutboxRelay;
import dev.imagegallery.common.tracing.EventTracing;
import dev.imagegallery.events.CloudEvent;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Idempotent consumption: an event's effect and the record of its id commit in one transaction, so redelivery or a
 * replay from offset zero changes nothing. While the database is unavailable the event waits for it ({@link
 * Unavailable}); other failures are retried with backoff, and an event that still fails is logged and skipped rather
 * than blocking its partition forever.
 * <p>
 * The consumer skeleton every service's {@code @Incoming} method is: {@link #consume} (read the CloudEvent, skip and
 * log a malformed one, apply it in the inbox, in a span continuing the trace the event carries: {@link EventTracing}).
 * Consumers of polled batches on the plain SQL pool (billing's metering)
 * record a batch's ids in one statement with {@link #recordFresh}.
 */
public final class Inbox {
    private Inbox() {
    }

    /**
     * Reads {@code json} (a record of {@code topic}) as a CloudEvent and applies {@code effect} to it in the inbox
     * ({@link #process}); a message that is no CloudEvent is logged and skipped (it would fail on every delivery).
     */
    public static Uni<Void> consume(String json, String topic, Function<CloudEvent, Uni<Void>> effect) {
        CloudEvent event = parse(json, topic);
        return event == null ? Uni.createFrom().voidItem() : traced(event, topic, effect);
    }

    /**
     * As {@link #consume(String, String, Function)} for a consumer that applies only some event {@code types} of its
     * topic: the others are skipped without a transaction or a record.
     */
    public static Uni<Void> consume(String json, String topic, Set<String> types,
                                    Function<CloudEvent, Uni<Void>> effect) {
        CloudEvent event = parse(json, topic);
        return event == null || !types.contains(event.type()) ? Uni.createFrom().voidItem()
                : traced(event, topic, effect);
    }

    /** {@link #process} in a span that continues the event's trace (none for an event without a trace context). */
    private static Uni<Void> traced(CloudEvent event, String topic, Function<CloudEvent, Uni<Void>> effect) {
        return EventTracing.consume(event, topic, () -> process(event, () -> effect.apply(event)));
    }

    /** The CloudEvent in {@code json}, or null (logged) when it is none. */
    static CloudEvent parse(String json, String topic) {
        try {
            return CloudEvent.parse(json);
        } catch (IllegalArgumentException e) {
            Log.warnf("skipping a malformed %s event: %s", topic, e.getMessage());
            return null;
        }
    }

    /**
     * Applies {@code effect} to {@code event} and records its id, in one transaction, unless the id is recorded
     * already; then wakes the outbox relay if the effect wrote events ({@link Outbox#writtenSince}: most events a
     * service consumes write none, and a wake after each ran an empty relay round, a transaction, for every one).
     */
    public static Uni<Void> process(CloudEvent event, Supplier<Uni<Void>> effect) {
        long[] mark = new long[1];
        // while the database is away the event waits for it (its partition with it): given up after the attempts
        // below, every event that arrived during a restart of PostgreSQL was lost
        return Unavailable.waitedOut(Uni.createFrom().deferred(() -> {
                    mark[0] = Outbox.writes();
                    return apply(event, effect);
                }), "event " + event.id() + " (" + event.type() + ")")
                .invoke(() -> {
                    if (Outbox.writtenSince(mark[0])) {
                        OutboxRelay.wakeAll();
                    }
                })
                .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5)).atMost(8)
                .onFailure().recoverWithUni(e -> {
                    Log.errorf(e, "giving up on event %s (%s) of %s", event.id(), event.type(), event.subject());
                    return Uni.createFrom().voidItem();
                });
    }

    private static Uni<Void> apply(CloudEvent event, Supplier<Uni<Void>> effect) {
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
                        }));
    }

    /**
     * Records a batch of event ids as processed through {@code conn}, inside the caller's transaction on the plain SQL
     * pool (the same {@code processed_event} table as {@link #process}), in one statement; answers the ids that were
     * not recorded before: the ones whose effect to apply. {@code types} are the events' types, in the same order.
     */
    public static Uni<Set<String>> recordFresh(SqlConnection conn, List<String> ids, List<String> types) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(Set.of());
        }
        return conn.preparedQuery("INSERT INTO processed_event (event_id, type, processed_at) "
                        + "SELECT i, t, clock_timestamp() FROM unnest($1::text[], $2::text[]) AS x(i, t) "
                        + "ON CONFLICT (event_id) DO NOTHING RETURNING event_id")
                .execute(Tuple.of(ids.toArray(new String[0]), types.toArray(new String[0])))
                .map(rows -> {
                    Set<String> fresh = new HashSet<>();
                    for (Row r : rows) {
                        fresh.add(r.getString(0));
                    }
                    return fresh;
                });
    }
}

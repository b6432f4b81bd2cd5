package dev.imagegallery.common.outbox;

import dev.imagegallery.common.tracing.EventTracing;
import dev.imagegallery.common.log.FailureStreak;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Relays outbox rows to Kafka in the order they were written ({@code seq}, a number the database hands out at the
 * insert): one round at a time across every instance of the service (a transaction-scoped advisory lock, {@link
 * #LOCK}), which selects a batch, sends it, waits for every acknowledgement, then deletes the rows in the same
 * transaction. Several instances used to relay side by side, each a batch of its own ({@code FOR UPDATE SKIP LOCKED}),
 * and the later batch could reach Kafka first: a resource's events out of order on its partition (a version's deletion
 * before its creation). An instance that finds the lock taken tries again shortly ({@link #BUSY_RETRY}), as the round
 * running may have begun before its rows committed. A crash
 * between send and delete re-sends: consumers are idempotent by event id. (Not one {@code DELETE ... WHERE id IN
 * (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED) RETURNING}: with a backlog of 100,000 rows PostgreSQL ran that statement
 * for over 30 s, measured by bench/public-streams.) A round whose acknowledgements do not come within 20 s rolls
 * back. A round is never larger than what the Kafka sink accepts unacknowledged
 * ({@code mp.messaging.outgoing.outbox.max-inflight-messages}, 1024 by default): a bigger one would be refused by the
 * emitter (SRMSG00034) and retried forever. Polls every second as a fallback, and is
 * woken right after every committed change (by {@link OutboxWakeFilter} after a write request, and by the inbox after
 * a consumed event that wrote some), so an event normally leaves within milliseconds of its commit. Each send of a row that carries a
 * trace context (the writing transaction's, see {@link Outbox#emit}) is a span of that trace ({@link EventTracing}).
 */
@ApplicationScoped
public class OutboxRelay {
    private final Pool pool;
    private final MutinyEmitter<String> emitter;
    private final OutboxConfig config;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    /** Rounds fail every second while the database or Kafka is away: logged once, then once a minute. */
    private final FailureStreak failures = new FailureStreak("outbox relay round", Duration.ofMinutes(1),
            OutboxRelay.class);
    private static volatile OutboxRelay instance;

    private final int roundSize;
    /** The advisory lock (one bigint key) a relay round holds in its transaction: one round at a time per database. */
    static final long LOCK = 0x6761_6c6c_6f75_7401L;
    /** How soon an instance that found another's round running tries again. */
    static final Duration BUSY_RETRY = Duration.ofMillis(50);
    /** What {@link #relayBatch} answers when another instance's round holds the lock. */
    public static final int BUSY = -1;
    /** Below PostgreSQL's idle-in-transaction timeout (30 s), which would end the round's transaction otherwise. */
    static final Duration ROUND_DEADLINE = Duration.ofSeconds(20);

    public OutboxRelay(Pool pool, @Channel("outbox") MutinyEmitter<String> emitter, OutboxConfig config,
                       @ConfigProperty(name = "mp.messaging.outgoing.outbox.max-inflight-messages",
                               defaultValue = "1024") long sinkInFlight) {
        this.pool = pool;
        this.emitter = emitter;
        this.config = config;
        this.roundSize = roundSize(config.batchSize(), sinkInFlight);
        instance = this;
    }

    /** The rows of one round: the configured batch, capped at what the sink takes unacknowledged (0: no cap). */
    static int roundSize(int batchSize, long sinkInFlight) {
        return (int) Math.max(1, sinkInFlight <= 0 ? batchSize : Math.min(batchSize, sinkInFlight));
    }

    /** Wakes the relay of this application, if it has one (after a transaction that may have written events). */
    public static void wakeAll() {
        OutboxRelay relay = instance;
        if (relay != null) {
            relay.wake();
        }
    }

    /** Not before the application runs: earlier, the outbox channel is not connected yet (a stack trace at every start). */
    @Scheduled(every = "${gallery.outbox.poll-interval:1s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void poll() {
        drain();
    }

    /** Starts a relay round now (or right after the one running). Call after a commit. */
    public void wake() {
        drain();
    }

    private void drain() {
        if (!running.compareAndSet(false, true)) {
            again.set(true);
            return;
        }
        relayBatch().subscribe().with(sent -> {
            running.set(false);
            failures.succeeded();
            if (sent == BUSY) {
                again.set(false);
                Uni.createFrom().voidItem().onItem().delayIt().by(BUSY_RETRY).subscribe().with(x -> drain());
            } else if (sent >= roundSize || again.getAndSet(false)) {
                drain();
            }
        }, failure -> {
            running.set(false);
            failures.failed(failure);
        });
    }

    /**
     * Sends {@code entries} now, in order, without the outbox, and completes when Kafka has acknowledged every one (in
     * rounds of at most what the sink takes unacknowledged; a round not acknowledged within {@link #ROUND_DEADLINE}
     * fails). For a caller with exactly-once bookkeeping of its own that sends before committing it (access-service's
     * public-stream forwarder: its inbox records the source events in the transaction that commits after this
     * completes, so a failure here rolls back and the batch is sent again under the same ids). It spares the two extra
     * writes per event of the outbox (insert, then delete), which were what held the forwarder back at 7,500 events/s.
     */
    public Uni<Void> sendNow(List<Outbox.Entry> entries) {
        Uni<Void> all = Uni.createFrom().voidItem();
        for (int from = 0; from < entries.size(); from += roundSize) {
            List<Outbox.Entry> round = entries.subList(from, Math.min(entries.size(), from + roundSize));
            all = all.chain(() -> {
                List<Uni<Void>> sends = new ArrayList<>(round.size());
                for (Outbox.Entry e : round) {
                    Message<String> msg = Message.of(e.payload()).addMetadata(OutgoingKafkaRecordMetadata
                            .<String>builder().withTopic(e.topic()).withKey(e.key()).build());
                    sends.add(EventTracing.send(e.traceparent(), e.tracestate(), e.topic(),
                            () -> emitter.sendMessage(msg)));
                }
                return Uni.join().all(sends).andFailFast().replaceWithVoid()
                        .ifNoItem().after(ROUND_DEADLINE).failWith(() -> new IllegalStateException(
                                "no acknowledgement of " + round.size() + " events within "
                                        + ROUND_DEADLINE.toSeconds() + " s"));
            });
        }
        return all;
    }

    /**
     * One round; answers the number of events sent, or {@link #BUSY} when another instance's round is running. (Rows
     * are still locked {@code FOR UPDATE SKIP LOCKED}: an instance of the version before, during a rolling upgrade,
     * relays without the advisory lock, and must not send them twice.)
     */
    public Uni<Integer> relayBatch() {
        return pool.withTransaction(conn -> conn
                .preparedQuery("SELECT pg_try_advisory_xact_lock($1)").execute(Tuple.of(LOCK))
                .flatMap(locked -> !locked.iterator().next().getBoolean(0) ? Uni.createFrom().item(BUSY) : conn
                .preparedQuery("SELECT id, topic, event_key, payload, traceparent, tracestate FROM outbox "
                        + "ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED")
                .execute(Tuple.of(roundSize))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(0);
                    }
                    List<Uni<Void>> sends = new ArrayList<>(rows.size());
                    List<UUID> ids = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        ids.add(row.getUUID("id"));
                        String topic = row.getString("topic");
                        Message<String> msg = Message.of(row.getString("payload")).addMetadata(
                                OutgoingKafkaRecordMetadata.<String>builder()
                                        .withTopic(topic)
                                        .withKey(row.getString("event_key"))
                                        .build());
                        // a span of the trace that wrote the row (none for a row without one), ended at the ack
                        sends.add(EventTracing.send(row.getString("traceparent"), row.getString("tracestate"), topic,
                                () -> emitter.sendMessage(msg)));
                    }
                    // a round whose acknowledgements never come (a lost broker, a stuck sink) must not hold the relay
                    // (and its rows) for good: it rolls back and the next round sends the rows again
                    return Uni.join().all(sends).andFailFast()
                            .ifNoItem().after(ROUND_DEADLINE).failWith(() -> new IllegalStateException(
                                    "no acknowledgement of a round of " + ids.size() + " events within "
                                            + ROUND_DEADLINE.toSeconds() + " s"))
                            .flatMap(x -> conn.preparedQuery("DELETE FROM outbox WHERE id = ANY($1)")
                                    .execute(Tuple.of(ids.toArray(new UUID[0]))))
                            .map(x -> ids.size());
                })));
    }
}

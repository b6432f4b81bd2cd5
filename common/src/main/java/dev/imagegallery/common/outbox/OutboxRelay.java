package dev.imagegallery.common.outbox;

import io.quarkus.logging.Log;
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

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Relays outbox rows to Kafka in commit order: takes a batch out of the table in one statement ({@code DELETE ...
 * RETURNING} over rows locked {@code FOR UPDATE SKIP LOCKED}, so several instances share the work), sends it, waits for
 * every acknowledgement, and only then commits: a failed send rolls the rows back into the outbox, and a crash between
 * the acknowledgements and the commit re-sends (consumers are idempotent by event id). A round is never larger than
 * what the Kafka sink accepts unacknowledged ({@code mp.messaging.outgoing.outbox.max-inflight-messages}, 1024 by
 * default): a bigger one would be refused by the emitter (SRMSG00034) and retried forever. Polls every second as a fallback, and is
 * woken right after every committed change (by {@link OutboxWakeFilter} after a write request, and by the inbox after
 * a consumed event), so an event normally leaves within milliseconds of its commit.
 */
@ApplicationScoped
public class OutboxRelay {
    private final Pool pool;
    private final MutinyEmitter<String> emitter;
    private final OutboxConfig config;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private static volatile OutboxRelay instance;

    private final int roundSize;

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
            if (sent >= roundSize || again.getAndSet(false)) {
                drain();
            }
        }, failure -> {
            running.set(false);
            Log.warnf("outbox relay round failed, will retry: %s", failure.getMessage());
        });
    }

    /** One round; answers the number of events sent. */
    public Uni<Integer> relayBatch() {
        return pool.withTransaction(conn -> conn
                .preparedQuery("DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY created_at, id "
                        + "LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING id, topic, event_key, payload, created_at")
                .execute(Tuple.of(roundSize))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(0);
                    }
                    // RETURNING has no order: commit order again (created_at, then id as PostgreSQL orders uuids)
                    List<Row> batch = new ArrayList<>(rows.size());
                    rows.forEach(batch::add);
                    batch.sort(Comparator.comparing((Row r) -> r.getOffsetDateTime("created_at"))
                            .thenComparing(r -> r.getUUID("id").toString()));
                    List<Uni<Void>> sends = new ArrayList<>(batch.size());
                    for (Row row : batch) {
                        Message<String> msg = Message.of(row.getString("payload")).addMetadata(
                                OutgoingKafkaRecordMetadata.<String>builder()
                                        .withTopic(row.getString("topic"))
                                        .withKey(row.getString("event_key"))
                                        .build());
                        sends.add(emitter.sendMessage(msg));
                    }
                    return Uni.join().all(sends).andFailFast().map(x -> batch.size());
                }));
    }
}

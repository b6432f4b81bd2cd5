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
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Relays outbox rows to Kafka in commit order: locks a batch ({@code FOR UPDATE SKIP LOCKED}, so several instances
 * share the work), sends it, waits for every acknowledgement, then deletes the rows in the same transaction. A crash
 * between send and delete re-sends: consumers are idempotent by event id. Polls every second as a fallback, and is
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

    public OutboxRelay(Pool pool, @Channel("outbox") MutinyEmitter<String> emitter, OutboxConfig config) {
        this.pool = pool;
        this.emitter = emitter;
        this.config = config;
        instance = this;
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
            if (sent >= config.batchSize() || again.getAndSet(false)) {
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
                .preparedQuery("SELECT id, topic, event_key, payload FROM outbox ORDER BY created_at, id LIMIT $1 "
                        + "FOR UPDATE SKIP LOCKED")
                .execute(Tuple.of(config.batchSize()))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(0);
                    }
                    List<Uni<Void>> sends = new ArrayList<>(rows.size());
                    List<UUID> ids = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        ids.add(row.getUUID("id"));
                        Message<String> msg = Message.of(row.getString("payload")).addMetadata(
                                OutgoingKafkaRecordMetadata.<String>builder()
                                        .withTopic(row.getString("topic"))
                                        .withKey(row.getString("event_key"))
                                        .build());
                        sends.add(emitter.sendMessage(msg));
                    }
                    return Uni.join().all(sends).andFailFast()
                            .flatMap(x -> conn.preparedQuery("DELETE FROM outbox WHERE id = ANY($1)")
                                    .execute(Tuple.of(ids.toArray(new UUID[0]))))
                            .map(x -> ids.size());
                }));
    }
}

package dev.imagegallery.billing.service;

import dev.imagegallery.billing.config.BillingConfig;
import dev.imagegallery.billing.domain.KnownAt;
import dev.imagegallery.billing.domain.StorageLedger;
import dev.imagegallery.billing.domain.UsageEvents;
import dev.imagegallery.billing.domain.UsageEvents.Parsed;
import dev.imagegallery.billing.repository.LedgerRepository;
import dev.imagegallery.billing.repository.LedgerRepository.NewEgress;
import dev.imagegallery.common.db.Unavailable;
import dev.imagegallery.common.inbox.Inbox;
import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.common.outbox.OutboxConfig;
import dev.imagegallery.common.tracing.EventTracing;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.events.Regions;
import io.opentelemetry.api.trace.Span;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Metering: turns a batch of consumed events into the ledger (storage meters, egress records, deletions) in one
 * transaction, together with the ids of the events applied, so that each event takes effect exactly once however often
 * it is delivered or replayed. An event that cannot be billed correctly (a negative or absurd quantity, an unknown
 * storage type or region, a missing field, a time in the future) is not billed: it goes to the dead-letter topic
 * {@value EventTypes#BILLING_DLQ_TOPIC} with the reason, through the outbox in the same transaction.
 * <p>
 * Reading and checking the events is {@link UsageEvents}'s; the storage rules (a meter per stretch of unchanged
 * content, deletions ending meters, in either order) are {@link StorageLedger}'s, when the system knew of each
 * event {@link KnownAt}'s; this class holds the transactions,
 * the batches and the dead letters.
 */
@ApplicationScoped
public class MeteringService {
    private final Pool pool;
    private final LedgerRepository ledger;
    private final Outbox outbox;
    private final String source;
    private final Clock clock = Clock.systemUTC();
    private final UsageEvents events;
    /** From this many events a batch is parsed in parallel. */
    private static final int PARALLEL_PARSE = 256;

    public MeteringService(Pool pool, LedgerRepository ledger, Outbox outbox, BillingConfig config,
                           OutboxConfig outboxConfig) {
        this.pool = pool;
        this.ledger = ledger;
        this.outbox = outbox;
        this.source = outboxConfig.source();
        var limits = config.metering();
        this.events = new UsageEvents(new UsageEvents.Limits(limits.maxBytes(), limits.maxReplicaCount(),
                limits.maxClockSkew()), clock);
    }

    /**
     * Applies a batch of events consumed from {@code topic}, in order, in one transaction (retried on a transient
     * failure). If the batch still fails, each event is applied in a transaction of its own, and one that fails alone
     * is dead-lettered, so that one bad event never blocks its partition nor loses the others.
     */
    public Uni<Void> apply(String topic, List<String> jsons) {
        // parsing a polled batch (JSON, checks) is CPU work: off the event loop, on the worker pool, in parallel
        return Uni.createFrom().item(() -> parseAll(jsons))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .flatMap(events -> applyParsed(topic, events));
    }

    private List<Parsed> parseAll(List<String> jsons) {
        return (jsons.size() >= PARALLEL_PARSE ? jsons.parallelStream() : jsons.stream())
                .map(events::parse).filter(Objects::nonNull).toList();
    }

    private Uni<Void> applyParsed(String topic, List<Parsed> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        // each event that carries a trace gets a span of its trace for its part of the batch (none for the others)
        List<Span> spans = EventTracing.startAll(events.stream().map(Parsed::event).toList(), topic);
        Uni<Void> applied = applyBatch(topic, events);
        return spans.isEmpty() ? applied
                : applied.onTermination().invoke((x, failure, cancelled) -> EventTracing.end(spans, failure));
    }

    private Uni<Void> applyBatch(String topic, List<Parsed> events) {
        // while the database is away the batch waits for it (dead-lettered after the attempts below, an event that
        // arrived during a restart of PostgreSQL was recorded as rejected and never billed)
        return Unavailable.waitedOut(applyInOneTransaction(topic, events), "a batch of " + events.size() + " "
                        + topic + " events")
                .onFailure().retry().withBackOff(Duration.ofMillis(50), Duration.ofSeconds(1)).atMost(3)
                .onFailure().recoverWithUni(e -> {
                    if (events.size() == 1) {
                        Log.errorf(e, "dead-lettering event %s: it cannot be applied", events.get(0).id());
                        Parsed p = events.get(0);
                        Parsed failed = p.rejected("it could not be applied: " + e.getMessage());
                        return Unavailable.waitedOut(applyInOneTransaction(topic, List.of(failed)),
                                "dead-lettering event " + p.id());
                    }
                    Log.warnf("a batch of %d events failed (%s); applying them one by one", events.size(),
                            e.getMessage());
                    Uni<Void> chain = Uni.createFrom().voidItem();
                    for (Parsed p : events) {
                        chain = chain.flatMap(v -> apply(topic, List.of(p.json())));
                    }
                    return chain;
                });
    }

    private Uni<Void> applyInOneTransaction(String topic, List<Parsed> events) {
        return pool.withTransaction(c -> {
            List<String> ids = new ArrayList<>();
            List<String> types = new ArrayList<>();
            for (Parsed p : events) {
                // an egress record is keyed by its event id: its insert is its own deduplication
                if (p.id() != null && !(p.payload() instanceof Payloads.EgressTransferred)) {
                    ids.add(p.id());
                    types.add(p.event().type());
                }
            }
            return Inbox.recordFresh(c, ids, types).flatMap(fresh -> applyFresh(c, topic, events, fresh));
        });
    }

    private Uni<Void> applyFresh(SqlConnection c, String topic, List<Parsed> events, Set<String> fresh) {
        Set<String> taken = new HashSet<>();
        List<Parsed> todo = new ArrayList<>();
        for (Parsed p : events) {
            // an event without an id cannot be deduplicated: it is only ever dead-lettered
            if (p.payload() instanceof Payloads.EgressTransferred) {
                todo.add(p); // ON CONFLICT (event_id) DO NOTHING
            } else if (p.id() == null ? p.reason() != null : fresh.contains(p.id()) && taken.add(p.id())) {
                todo.add(p);
            }
        }
        if (todo.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Set<String> subscriptions = new LinkedHashSet<>();
        Set<String> versions = new LinkedHashSet<>();
        List<Parsed> egress = new ArrayList<>();
        List<Outbox.Entry> dead = new ArrayList<>();
        List<Parsed> storage = new ArrayList<>();
        for (Parsed p : todo) {
            if (p.reason() != null) {
                dead.add(deadLetter(topic, p));
            } else if (p.payload() instanceof Payloads.EgressTransferred e) {
                subscriptions.add(sub(e.subscriptionId()));
                egress.add(p);
            } else if (p.payload() instanceof Payloads.ReplicaCompleted e) {
                subscriptions.add(sub(e.subscriptionId()));
                versions.add(key(e.versionId()));
                storage.add(p);
            } else if (p.payload() instanceof Payloads.ReplicaDeleted e) {
                subscriptions.add(sub(e.subscriptionId()));
                versions.add(key(e.versionId()));
                storage.add(p);
            } else if (p.payload() instanceof Payloads.VersionDeleted e) {
                if (!isBlank(e.subscriptionId())) {
                    subscriptions.add(sub(e.subscriptionId()));
                }
                versions.add(key(e.versionId()));
                storage.add(p);
            }
        }
        return ledger.lock(c, subscriptions, versions)
                .flatMap(v -> ledger.issuedCutoffs(c, subscriptions))
                .map(cutoffs -> new KnownAt(cutoffs, clock))
                .flatMap(knowledge -> (storage.isEmpty() ? Uni.createFrom().voidItem()
                        : applyStorage(c, versions, storage, knowledge))
                        .flatMap(v -> ledger.insertEgress(c, egress.stream().map(p -> {
                            var e = (Payloads.EgressTransferred) p.payload();
                            return new NewEgress(p.id(), key(e.versionId()), e.versionId(), sub(e.subscriptionId()),
                                    Regions.normalise(e.sourceRegion()), Regions.normalise(e.destinationRegion()),
                                    e.bytes(), this.events.timeOf(e.transferredAt(), p.event()),
                                    knowledge.of(p.event(), e.subscriptionId()));
                        }).toList())))
                .flatMap(v -> outbox.emitAll(c, dead))
                .invoke(() -> {
                    if (!dead.isEmpty()) {
                        Log.warnf("dead-lettered %d usage event(s) to %s, e.g. %s: %s", dead.size(),
                                EventTypes.BILLING_DLQ_TOPIC, todo.stream().filter(p -> p.reason() != null)
                                        .findFirst().map(Parsed::id).orElse("?"),
                                todo.stream().map(Parsed::reason).filter(r -> r != null).findFirst().orElse(""));
                    }
                });
    }

    /**
     * The storage events of a batch (completions and deletions), set-based: what the ledger holds for the batch's
     * versions (latest meter per region, deletion times) is read in three statements under the versions' locks, the
     * events are applied to it in order in memory, and the outcome is written in three (meters, version and replica
     * deletions): a batch costs the same few statements however many storage events it holds.
     */
    private Uni<Void> applyStorage(SqlConnection c, Set<String> versions, List<Parsed> events, KnownAt knowledge) {
        return Uni.combine().all().unis(ledger.latestMeters(c, versions), ledger.deletedVersions(c, versions),
                ledger.deletedReplicas(c, versions)).asTuple().flatMap(t -> {
            StorageLedger batch = new StorageLedger(t.getItem1(), t.getItem2(), t.getItem3());
            for (Parsed p : events) {
                if (p.payload() instanceof Payloads.ReplicaCompleted e) {
                    batch.replicaCompleted(p.id(), e, this.events.timeOf(e.completedAt(), p.event()),
                            knowledge.of(p.event(), e.subscriptionId()));
                } else if (p.payload() instanceof Payloads.ReplicaDeleted e) {
                    batch.replicaDeleted(e, this.events.timeOf(e.deletedAt(), p.event()),
                            knowledge.of(p.event(), e.subscriptionId()));
                } else {
                    var e = (Payloads.VersionDeleted) p.payload();
                    batch.versionDeleted(e, this.events.timeOf(null, p.event()), knowledge.of(p.event(), e.subscriptionId()));
                }
            }
            batch.ignored().forEach(Log::info);
            return ledger.writeMeters(c, batch.changed(), batch.added())
                    .flatMap(v -> ledger.versionsDeleted(c, batch.versionDeletions()))
                    .flatMap(v -> ledger.replicasDeleted(c, batch.replicaDeletions()));
        });
    }

    private Outbox.Entry deadLetter(String topic, Parsed p) {
        String id = p.id();
        String type = p.event() == null ? null : p.event().type();
        CloudEvent letter = CloudEvent.of(source, EventTypes.USAGE_EVENT_REJECTED,
                id != null ? id : "unparseable",
                new Payloads.UsageEventRejected(id, type, topic, p.reason(), p.json()));
        // the letter's id derives from the rejected event's, so that a retried batch writes it once
        UUID letterId = UUID.nameUUIDFromBytes(("dlq|" + (id != null ? id : p.json()))
                .getBytes(StandardCharsets.UTF_8));
        String key = p.event() != null && p.event().subject() != null ? p.event().subject()
                : id != null ? id : "unparseable";
        return new Outbox.Entry(letterId, EventTypes.BILLING_DLQ_TOPIC, key, letter.toJson(), clock.instant());
    }

    private static String key(String versionId) {
        return StorageLedger.key(versionId);
    }

    private static String sub(String subscriptionId) {
        return StorageLedger.sub(subscriptionId);
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}

package dev.imagegallery.billing.service;

import dev.imagegallery.billing.config.BillingConfig;
import dev.imagegallery.billing.repository.LedgerRepository;
import dev.imagegallery.billing.repository.LedgerRepository.DeadLetter;
import dev.imagegallery.billing.repository.LedgerRepository.Meter;
import dev.imagegallery.billing.repository.LedgerRepository.NewEgress;
import dev.imagegallery.billing.repository.LedgerRepository.NewMeter;
import dev.imagegallery.billing.repository.LedgerRepository.Place;
import dev.imagegallery.billing.domain.PriceSheet;
import dev.imagegallery.common.outbox.OutboxConfig;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.events.Regions;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 * Storage rules: a meter is a stretch of time during which a version's replicas in one region held the same bytes. A
 * completion that repeats what is metered changes nothing; one that changes what is stored closes the running meter at
 * its {@code completedAt} and opens a new one. A completion older than the version's deletion is metered up to the
 * deletion only (the two events come on different topics).
 */
@ApplicationScoped
public class MeteringService {
    private final Pool pool;
    private final LedgerRepository ledger;
    private final BillingConfig.Metering limits;
    private final String source;
    private final Clock clock = Clock.systemUTC();
    /** From this many events a batch is parsed in parallel. */
    private static final int PARALLEL_PARSE = 256;

    /** A consumed event, read and checked: either something to apply or a reason to reject it. */
    record Parsed(CloudEvent event, Object payload, String reason, String json) {
        String id() {
            return event != null && event.id() != null ? event.id() : null;
        }
    }

    public MeteringService(Pool pool, LedgerRepository ledger, BillingConfig config, OutboxConfig outbox) {
        this.pool = pool;
        this.ledger = ledger;
        this.limits = config.metering();
        this.source = outbox.source();
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
                .map(this::parse).filter(Objects::nonNull).toList();
    }

    private Uni<Void> applyParsed(String topic, List<Parsed> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return applyInOneTransaction(topic, events)
                .onFailure().retry().withBackOff(Duration.ofMillis(50), Duration.ofSeconds(1)).atMost(3)
                .onFailure().recoverWithUni(e -> {
                    if (events.size() == 1) {
                        Log.errorf(e, "dead-lettering event %s: it cannot be applied", events.get(0).id());
                        Parsed p = events.get(0);
                        Parsed failed = new Parsed(p.event(), null, "it could not be applied: " + e.getMessage(),
                                p.json());
                        return applyInOneTransaction(topic, List.of(failed));
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
            return ledger.markProcessed(c, ids, types).flatMap(fresh -> applyFresh(c, topic, events, fresh));
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
        List<DeadLetter> dead = new ArrayList<>();
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
                .map(Knowledge::new)
                .flatMap(knowledge -> (storage.isEmpty() ? Uni.createFrom().voidItem()
                        : applyStorage(c, versions, storage, knowledge))
                        .flatMap(v -> ledger.insertEgress(c, egress.stream().map(p -> {
                            var e = (Payloads.EgressTransferred) p.payload();
                            return new NewEgress(p.id(), key(e.versionId()), e.versionId(), sub(e.subscriptionId()),
                                    Regions.normalise(e.sourceRegion()), Regions.normalise(e.destinationRegion()),
                                    e.bytes(), timeOf(e.transferredAt(), p.event()), knowledge.of(p, e.subscriptionId()));
                        }).toList())))
                .flatMap(v -> ledger.insertOutbox(c, dead))
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
    private Uni<Void> applyStorage(SqlConnection c, Set<String> versions, List<Parsed> events, Knowledge knowledge) {
        return Uni.combine().all().unis(ledger.latestMeters(c, versions), ledger.deletedVersions(c, versions),
                ledger.deletedReplicas(c, versions)).asTuple().flatMap(t -> {
            StorageBatch batch = new StorageBatch(t.getItem1(), t.getItem2(), t.getItem3());
            for (Parsed p : events) {
                if (p.payload() instanceof Payloads.ReplicaCompleted e) {
                    batch.replicaCompleted(p.id(), e, timeOf(e.completedAt(), p.event()),
                            knowledge.of(p, e.subscriptionId()));
                } else if (p.payload() instanceof Payloads.ReplicaDeleted e) {
                    batch.replicaDeleted(e, timeOf(e.deletedAt(), p.event()), knowledge.of(p, e.subscriptionId()));
                } else {
                    var e = (Payloads.VersionDeleted) p.payload();
                    batch.versionDeleted(e, timeOf(null, p.event()), knowledge.of(p, e.subscriptionId()));
                }
            }
            List<Meter> changed = new ArrayList<>();
            List<NewMeter> added = new ArrayList<>();
            for (Map.Entry<UUID, Meter> m : batch.touched.entrySet()) {
                NewMeter created = batch.created.get(m.getKey());
                if (created == null) {
                    changed.add(m.getValue());
                } else {
                    Meter now = m.getValue();
                    added.add(new NewMeter(created.id(), created.versionKey(), created.versionId(),
                            created.subscriptionId(), created.region(), now.storageAccountType(),
                            now.replicaCount(), now.physicalBytes(), now.logicalBytes(), now.startedAt(),
                            now.endedAt(), created.knownAt(), now.endKnownAt()));
                }
            }
            return ledger.writeMeters(c, changed, added)
                    .flatMap(v -> ledger.versionsDeleted(c, batch.versionDeletions))
                    .flatMap(v -> ledger.replicasDeleted(c, batch.replicaDeletions));
        });
    }

    /**
     * The storage ledger of a batch's versions in memory: the latest meter of each (version, region), the deletion
     * times, and what the batch changed (written at the end).
     */
    private static final class StorageBatch {
        final Map<Place, Meter> latest;
        final Map<String, Instant> versionDeleted;
        final Map<Place, Instant> replicaDeleted;
        /** Every meter the batch changed or created, by id, as it is now. */
        final Map<UUID, Meter> touched = new LinkedHashMap<>();
        final Map<UUID, NewMeter> created = new HashMap<>();
        final Map<String, Instant> versionDeletions = new LinkedHashMap<>();
        final Map<Place, Instant> replicaDeletions = new LinkedHashMap<>();

        StorageBatch(Map<Place, Meter> latest, Map<String, Instant> versionDeleted, Map<Place, Instant> replicaDeleted) {
            this.latest = latest;
            this.versionDeleted = versionDeleted;
            this.replicaDeleted = replicaDeleted;
        }

        private void put(Place place, Meter m) {
            latest.put(place, m);
            touched.put(m.id(), m);
        }

        private void open(Place place, Payloads.ReplicaCompleted e, String type, Instant start, Instant end,
                          Instant known) {
            Instant endKnown = end == null ? null : known;
            NewMeter m = new NewMeter(UUID.randomUUID(), place.versionKey(), e.versionId(), sub(e.subscriptionId()),
                    place.region(), type, e.replicaCount(), e.physicalBytes(), e.logicalBytes(), start, end, known,
                    endKnown);
            created.put(m.id(), m);
            put(place, new Meter(m.id(), type, e.replicaCount(), e.physicalBytes(), e.logicalBytes(), start, end,
                    endKnown));
        }

        void replicaCompleted(String eventId, Payloads.ReplicaCompleted e, Instant start, Instant known) {
            Place place = new Place(key(e.versionId()), Regions.normalise(e.region()));
            String type = PriceSheet.storageType(e.storageAccountType()).orElseThrow();
            Meter latest = this.latest.get(place);
            if (latest != null && start.isBefore(latest.startedAt())) {
                Log.infof("ignoring ReplicaCompleted %s of %s in %s at %s: a meter from %s is newer", eventId,
                        e.versionId(), place.region(), start, latest.startedAt());
                return;
            }
            boolean same = latest != null && latest.sameContentAs(type, e.replicaCount(), e.physicalBytes(),
                    e.logicalBytes());
            if (latest != null && latest.isOpen()) {
                if (same) {
                    return;
                }
                // the running meter ends where the new content starts (at its own start when both start together: a
                // meter's content never changes, so that the ledger as of an earlier time stays what it was)
                put(place, latest.endingAt(start, known));
                open(place, e, type, start, null, known);
                return;
            }
            if (latest != null && start.isBefore(latest.endedAt())) {
                Log.infof("ignoring ReplicaCompleted %s of %s in %s at %s: that time is already metered up to %s",
                        eventId, e.versionId(), place.region(), start, latest.endedAt());
                return;
            }
            // a completion older than a deletion of the version or of the region's replicas (consumed after it) is
            // metered up to the earliest such deletion after it
            Instant end = null;
            for (Instant deleted : new Instant[] {versionDeleted.get(place.versionKey()), replicaDeleted.get(place)}) {
                if (deleted != null && deleted.isAfter(start) && (end == null || deleted.isBefore(end))) {
                    end = deleted;
                }
            }
            open(place, e, type, start, end, known);
        }

        /** The region's replicas are gone: its running meter stops there, and later completions of it too. */
        void replicaDeleted(Payloads.ReplicaDeleted e, Instant at, Instant known) {
            Place place = new Place(key(e.versionId()), Regions.normalise(e.region()));
            replicaDeleted.merge(place, at, MeteringService::latest);
            replicaDeletions.merge(place, at, MeteringService::latest);
            end(place, at, known);
        }

        /** The version is gone: its running meters stop at the event's time, and later completions of it too. */
        void versionDeleted(Payloads.VersionDeleted e, Instant at, Instant known) {
            String version = key(e.versionId());
            versionDeleted.merge(version, at, MeteringService::latest);
            versionDeletions.merge(version, at, MeteringService::latest);
            for (Place place : new ArrayList<>(latest.keySet())) {
                if (place.versionKey().equals(version)) {
                    end(place, at, known);
                }
            }
        }

        /**
         * The latest meter ends at {@code at}: a running one, or one that ended later (the two deletions of the same
         * replicas, of the version and of the region, come on different topics in either order: the earliest wins).
         */
        private void end(Place place, Instant at, Instant known) {
            Meter m = latest.get(place);
            if (m != null && m.startedAt().isBefore(at) && (m.isOpen() || m.endedAt().isAfter(at))) {
                put(place, m.endingAt(at, known));
            }
        }
    }

    /**
     * When the system learnt what an event says: the event's own time (stamped by its producer), but never before the
     * cutoff of the latest invoice already issued for the subscription, since an issued invoice never changes (what
     * arrives after it is an adjustment on the next one). From the events alone, apart from that floor; a replay into
     * an empty database (no invoices yet) therefore reproduces what was known when.
     */
    private final class Knowledge {
        private final Map<String, Instant> cutoffs;

        Knowledge(Map<String, Instant> cutoffs) {
            this.cutoffs = cutoffs;
        }

        Instant of(Parsed p, String subscriptionId) {
            Instant t = p.event() != null && p.event().time() != null ? p.event().time() : clock.instant();
            Instant floor = isBlank(subscriptionId)
                    ? cutoffs.values().stream().max(Instant::compareTo).orElse(null)
                    : cutoffs.get(sub(subscriptionId));
            return floor != null && floor.isAfter(t) ? floor : t;
        }
    }

    private static Instant latest(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /** Reads an event; null for one billing does not meter (another type). */
    Parsed parse(String json) {
        CloudEvent event;
        try {
            event = CloudEvent.parse(json);
        } catch (RuntimeException e) {
            return new Parsed(null, null, "not a CloudEvent: " + e.getMessage(), json);
        }
        if (event.id() == null || event.type() == null) {
            return new Parsed(event, null, "the event has no id or no type", json);
        }
        Class<?> type = switch (event.type()) {
            case EventTypes.REPLICA_COMPLETED -> Payloads.ReplicaCompleted.class;
            case EventTypes.EGRESS_TRANSFERRED -> Payloads.EgressTransferred.class;
            case EventTypes.VERSION_DELETED -> Payloads.VersionDeleted.class;
            case EventTypes.REPLICA_DELETED -> Payloads.ReplicaDeleted.class;
            default -> null;
        };
        if (type == null) {
            return null;
        }
        Object payload;
        try {
            payload = event.data() == null || event.data().isNull() ? null : event.dataAs(type);
        } catch (RuntimeException e) {
            return new Parsed(event, null, "its data is not a " + event.type() + ": " + e.getMessage(), json);
        }
        if (payload == null) {
            return new Parsed(event, null, "the event has no data", json);
        }
        String reason;
        if (payload instanceof Payloads.ReplicaCompleted p) {
            reason = problemOf(p, event);
        } else if (payload instanceof Payloads.EgressTransferred p) {
            reason = problemOf(p, event);
        } else if (payload instanceof Payloads.ReplicaDeleted p) {
            reason = problemOf(p, event);
        } else {
            reason = isBlank(((Payloads.VersionDeleted) payload).versionId()) ? "versionId is required" : null;
        }
        return new Parsed(event, reason == null ? payload : null, reason, json);
    }

    /** Why a completion cannot be metered, or null. */
    String problemOf(Payloads.ReplicaCompleted e, CloudEvent event) {
        if (isBlank(e.versionId()) || isBlank(e.subscriptionId()) || isBlank(e.region())) {
            return "versionId, subscriptionId and region are required";
        }
        if (Regions.normalise(e.region()) == null) {
            return "the region '" + e.region() + "' is unknown (known: " + Regions.names() + ")";
        }
        if (PriceSheet.storageType(e.storageAccountType()).isEmpty()) {
            return "the storage account type '" + e.storageAccountType() + "' is unknown (known: "
                    + PriceSheet.STORAGE_TYPES + ")";
        }
        String bytes = bytesProblem("physicalBytes", e.physicalBytes());
        if (bytes == null) {
            bytes = bytesProblem("logicalBytes", e.logicalBytes());
        }
        if (bytes != null) {
            return bytes;
        }
        if (e.replicaCount() < 1 || e.replicaCount() > limits.maxReplicaCount()) {
            return "replicaCount " + e.replicaCount() + " is not between 1 and " + limits.maxReplicaCount();
        }
        return timeProblem("completedAt", timeOf(e.completedAt(), event));
    }

    /** Why a deletion of a region's replicas cannot end its meter, or null. */
    String problemOf(Payloads.ReplicaDeleted e, CloudEvent event) {
        if (isBlank(e.versionId()) || isBlank(e.subscriptionId()) || isBlank(e.region())) {
            return "versionId, subscriptionId and region are required";
        }
        if (Regions.normalise(e.region()) == null) {
            return "the region '" + e.region() + "' is unknown (known: " + Regions.names() + ")";
        }
        if (e.replicaCount() < 1 || e.replicaCount() > limits.maxReplicaCount()) {
            return "replicaCount " + e.replicaCount() + " is not between 1 and " + limits.maxReplicaCount();
        }
        return timeProblem("deletedAt", timeOf(e.deletedAt(), event));
    }

    /** Why an egress cannot be billed, or null. */
    String problemOf(Payloads.EgressTransferred e, CloudEvent event) {
        if (isBlank(e.versionId()) || isBlank(e.subscriptionId()) || isBlank(e.sourceRegion())
                || isBlank(e.destinationRegion())) {
            return "versionId, subscriptionId, sourceRegion and destinationRegion are required";
        }
        for (String region : List.of(e.sourceRegion(), e.destinationRegion())) {
            if (Regions.normalise(region) == null) {
                return "the region '" + region + "' is unknown (known: " + Regions.names() + ")";
            }
        }
        String bytes = bytesProblem("bytes", e.bytes());
        return bytes != null ? bytes : timeProblem("transferredAt", timeOf(e.transferredAt(), event));
    }

    private String bytesProblem(String field, long bytes) {
        if (bytes < 0) {
            return "negative byte count: " + field + " " + bytes;
        }
        if (bytes > limits.maxBytes()) {
            return "absurd byte count: " + field + " " + bytes + " is more than " + limits.maxBytes() + " (1 PiB)";
        }
        return null;
    }

    private String timeProblem(String field, Instant t) {
        Instant latest = clock.instant().plus(limits.maxClockSkew());
        return t.isAfter(latest) ? field + " " + t + " is in the future" : null;
    }

    private DeadLetter deadLetter(String topic, Parsed p) {
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
        return new DeadLetter(letterId, EventTypes.BILLING_DLQ_TOPIC, key, letter.toJson(), clock.instant());
    }

    private Instant timeOf(Instant given, CloudEvent event) {
        return given != null ? given : event != null && event.time() != null ? event.time() : clock.instant();
    }

    static String key(String versionId) {
        return versionId.toLowerCase(Locale.ROOT);
    }

    static String sub(String subscriptionId) {
        return subscriptionId.toLowerCase(Locale.ROOT);
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}

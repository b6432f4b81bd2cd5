package dev.imagegallery.billing.service;

import dev.imagegallery.billing.domain.DeletedVersion;
import dev.imagegallery.billing.domain.EgressRecord;
import dev.imagegallery.billing.domain.PriceSheet;
import dev.imagegallery.billing.domain.StorageMeter;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.events.Regions;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Metering: the storage meters and egress records that replication and catalog events produce. Each method is an
 * event's effect and runs in the transaction of {@code Inbox.process}, which records the event id with it. An event
 * that cannot be billed correctly (a negative byte count, a missing field, an unpriced storage type) is logged and
 * skipped, never billed.
 */
@ApplicationScoped
public class MeteringService {
    private final PriceSheet prices;

    public MeteringService(PriceSheet prices) {
        this.prices = prices;
    }

    /**
     * A version's replicas in a region are complete: meter what they store from {@code completedAt}. A completion
     * that changes what is stored closes the open meter at {@code completedAt} and opens a new one; one that repeats
     * it changes nothing. A completion older than the version's deletion is metered up to the deletion only.
     */
    public Uni<Void> replicaCompleted(String eventId, Payloads.ReplicaCompleted e, Instant eventTime) {
        String problem = problemOf(e);
        var type = prices.storageType(e.storageAccountType());
        if (problem == null && type.isEmpty()) {
            problem = "the storage account type '" + e.storageAccountType() + "' has no price";
        }
        if (problem != null) {
            Log.warnf("not billing ReplicaCompleted %s: %s", eventId, problem);
            return Uni.createFrom().voidItem();
        }
        String key = key(e.versionId());
        String region = region(e.region());
        String storageType = type.get();
        Instant start = e.completedAt() != null ? e.completedAt() : eventTime != null ? eventTime : Instant.now();
        return lockVersion(key)
                .flatMap(v -> DeletedVersion.<DeletedVersion>findById(key))
                .flatMap(deleted -> StorageMeter.<StorageMeter>find(
                                "versionKey = ?1 and region = ?2 order by startedAt desc", key, region).firstResult()
                        .flatMap(latest -> {
                            if (latest != null && start.isBefore(latest.startedAt)) {
                                Log.infof("ignoring ReplicaCompleted %s of %s in %s at %s: a meter from %s is newer",
                                        eventId, e.versionId(), region, start, latest.startedAt);
                                return Uni.createFrom().voidItem();
                            }
                            boolean same = latest != null && latest.sameContentAs(storageType, e.replicaCount(),
                                    e.physicalBytes(), e.logicalBytes());
                            if (latest != null && latest.isOpen()) {
                                if (same) {
                                    return Uni.createFrom().voidItem();
                                }
                                if (start.equals(latest.startedAt)) {
                                    apply(latest, storageType, e);
                                    return Uni.createFrom().voidItem();
                                }
                                latest.endedAt = start;
                                // flush the close before the insert: at most one open meter per (version, region)
                                return latest.<StorageMeter>persistAndFlush()
                                        .flatMap(closed -> open(key, region, storageType, e, start, null));
                            }
                            if (latest != null && start.isBefore(latest.endedAt)) {
                                Log.infof("ignoring ReplicaCompleted %s of %s in %s at %s: that time is already "
                                        + "metered up to %s", eventId, e.versionId(), region, start, latest.endedAt);
                                return Uni.createFrom().voidItem();
                            }
                            Instant end = deleted != null && deleted.deletedAt.isAfter(start) ? deleted.deletedAt : null;
                            return open(key, region, storageType, e, start, end);
                        }));
    }

    /** Bytes moved between two regions: recorded once per event, priced when usage is read. */
    public Uni<Void> egressTransferred(String eventId, Payloads.EgressTransferred e, Instant eventTime) {
        String problem = problemOf(e);
        if (problem != null) {
            Log.warnf("not billing EgressTransferred %s: %s", eventId, problem);
            return Uni.createFrom().voidItem();
        }
        return EgressRecord.<EgressRecord>findById(eventId).flatMap(existing -> {
            if (existing != null) {
                return Uni.createFrom().voidItem();
            }
            EgressRecord r = new EgressRecord();
            r.eventId = eventId;
            r.versionKey = key(e.versionId());
            r.versionId = e.versionId();
            r.subscriptionId = e.subscriptionId().toLowerCase(Locale.ROOT);
            r.sourceRegion = region(e.sourceRegion());
            r.destinationRegion = region(e.destinationRegion());
            r.bytes = e.bytes();
            r.transferredAt = e.transferredAt() != null ? e.transferredAt()
                    : eventTime != null ? eventTime : Instant.now();
            return r.persist().replaceWithVoid();
        });
    }

    /** The version is gone: its running meters stop at the event's time, and later completions of it stop there. */
    public Uni<Void> versionDeleted(String eventId, Payloads.VersionDeleted e, Instant eventTime) {
        if (isBlank(e.versionId())) {
            Log.warnf("ignoring VersionDeleted %s without a versionId", eventId);
            return Uni.createFrom().voidItem();
        }
        String key = key(e.versionId());
        Instant at = eventTime != null ? eventTime : Instant.now();
        return lockVersion(key)
                .flatMap(v -> DeletedVersion.<DeletedVersion>findById(key))
                .flatMap(existing -> {
                    if (existing == null) {
                        DeletedVersion d = new DeletedVersion();
                        d.versionKey = key;
                        d.deletedAt = at;
                        return d.persist().replaceWithVoid();
                    }
                    if (at.isAfter(existing.deletedAt)) {
                        existing.deletedAt = at;
                    }
                    return Uni.createFrom().voidItem();
                })
                .flatMap(v -> StorageMeter.<StorageMeter>list("versionKey = ?1 and endedAt is null", key))
                .map(open -> {
                    List<String> ended = new ArrayList<>();
                    for (StorageMeter m : open) {
                        // a meter that began after the deletion belongs to a re-created version of the same name
                        if (m.startedAt.isBefore(at)) {
                            m.endedAt = at;
                            ended.add(m.region);
                        }
                    }
                    Log.debugf("VersionDeleted %s ended the meters of %s in %s", eventId, e.versionId(), ended);
                    return null;
                });
    }

    private Uni<Void> open(String key, String region, String storageType, Payloads.ReplicaCompleted e, Instant start,
                           Instant end) {
        StorageMeter m = new StorageMeter();
        m.id = UUID.randomUUID();
        m.versionKey = key;
        m.versionId = e.versionId();
        m.subscriptionId = e.subscriptionId().toLowerCase(Locale.ROOT);
        m.region = region;
        apply(m, storageType, e);
        m.startedAt = start;
        m.endedAt = end;
        return m.persist().replaceWithVoid();
    }

    private static void apply(StorageMeter m, String storageType, Payloads.ReplicaCompleted e) {
        m.storageAccountType = storageType;
        m.replicaCount = e.replicaCount();
        m.physicalBytes = e.physicalBytes();
        m.logicalBytes = e.logicalBytes();
    }

    /** Why a completion cannot be metered, or null. */
    static String problemOf(Payloads.ReplicaCompleted e) {
        if (isBlank(e.versionId()) || isBlank(e.subscriptionId()) || isBlank(e.region())) {
            return "versionId, subscriptionId and region are required";
        }
        if (e.physicalBytes() < 0 || e.logicalBytes() < 0) {
            return "negative byte count (physicalBytes " + e.physicalBytes() + ", logicalBytes " + e.logicalBytes()
                    + ")";
        }
        if (e.replicaCount() < 1) {
            return "replicaCount " + e.replicaCount() + " is not positive";
        }
        return null;
    }

    /** Why an egress cannot be billed, or null. */
    static String problemOf(Payloads.EgressTransferred e) {
        if (isBlank(e.versionId()) || isBlank(e.subscriptionId()) || isBlank(e.sourceRegion())
                || isBlank(e.destinationRegion())) {
            return "versionId, subscriptionId, sourceRegion and destinationRegion are required";
        }
        if (e.bytes() < 0) {
            return "negative byte count " + e.bytes();
        }
        return null;
    }

    /**
     * Serialises the effects on one version within their transactions: ReplicaCompleted and VersionDeleted arrive on
     * different topics and may be applied concurrently.
     */
    private static Uni<Void> lockVersion(String key) {
        return Panache.getSession()
                .flatMap(s -> s.createNativeQuery(
                                "SELECT count(*) FROM (SELECT pg_advisory_xact_lock(hashtext(:key))) AS l", Long.class)
                        .setParameter("key", "billing-version:" + key)
                        .getSingleResult())
                .replaceWithVoid();
    }

    static String key(String versionId) {
        return versionId.toLowerCase(Locale.ROOT);
    }

    /** Known regions by their name; an unknown one as given, lower-cased (it is billed as another geography). */
    static String region(String region) {
        String known = Regions.normalise(region);
        return known != null ? known : region.trim().toLowerCase(Locale.ROOT);
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}

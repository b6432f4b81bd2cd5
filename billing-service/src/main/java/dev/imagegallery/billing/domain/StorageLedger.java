package dev.imagegallery.billing.domain;

import dev.imagegallery.events.Payloads;
import dev.imagegallery.events.Regions;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The storage ledger of a batch's versions, in memory: the latest meter of each (version, region) and the deletion
 * times as the database held them, the batch's storage events applied to them in order, and what changed (written at
 * the end by the caller). Plain Java: the metering rules without a database.
 * <p>
 * A completion that repeats what is metered changes nothing; one that changes what is stored closes the running meter
 * at its {@code completedAt} and opens a new one. A completion older than the version's deletion (or its region's) is
 * metered up to the deletion only (the events come on different topics, in either order); of two deletions of the
 * same replicas the earlier ends the meter.
 */
public final class StorageLedger {
    private final Map<Meter.Place, Meter> latest;
    private final Map<String, Instant> versionDeleted;
    private final Map<Meter.Place, Instant> replicaDeleted;
    /** Every meter the batch changed or created, by id, as it is now. */
    private final Map<UUID, Meter> touched = new LinkedHashMap<>();
    private final Map<UUID, Meter.New> created = new HashMap<>();
    private final Map<String, Instant> versionDeletions = new LinkedHashMap<>();
    private final Map<Meter.Place, Instant> replicaDeletions = new LinkedHashMap<>();
    private final List<String> ignored = new ArrayList<>();

    /**
     * @param latest         the latest meter of each region of the batch's versions (changed in place)
     * @param versionDeleted when each deleted version was deleted (changed in place)
     * @param replicaDeleted when each deleted region's replicas were deleted (changed in place)
     */
    public StorageLedger(Map<Meter.Place, Meter> latest, Map<String, Instant> versionDeleted,
                         Map<Meter.Place, Instant> replicaDeleted) {
        this.latest = latest;
        this.versionDeleted = versionDeleted;
        this.replicaDeleted = replicaDeleted;
    }

    private void put(Meter.Place place, Meter m) {
        latest.put(place, m);
        touched.put(m.id(), m);
    }

    private void open(Meter.Place place, Payloads.ReplicaCompleted e, String type, Instant start, Instant end,
                      Instant known) {
        Instant endKnown = end == null ? null : known;
        // a meter holds what all the region's replicas store (the event says what one replica does)
        long physical = e.physicalBytesOfAllReplicas();
        long logical = e.logicalBytesOfAllReplicas();
        Meter.New m = new Meter.New(UUID.randomUUID(), place.versionKey(), e.versionId(), sub(e.subscriptionId()),
                place.region(), type, e.replicaCount(), physical, logical, start, end, known, endKnown);
        created.put(m.id(), m);
        put(place, new Meter(m.id(), type, e.replicaCount(), physical, logical, start, end, endKnown));
    }

    /** A region's replicas completed at {@code start} (the event's {@code completedAt}), learnt at {@code known}. */
    public void replicaCompleted(String eventId, Payloads.ReplicaCompleted e, Instant start, Instant known) {
        Meter.Place place = new Meter.Place(key(e.versionId()), Regions.normalise(e.region()));
        String type = PriceSheet.storageType(e.storageAccountType()).orElseThrow();
        Meter latest = this.latest.get(place);
        if (latest != null && start.isBefore(latest.startedAt())) {
            ignored.add("ignoring ReplicaCompleted " + eventId + " of " + e.versionId() + " in " + place.region()
                    + " at " + start + ": a meter from " + latest.startedAt() + " is newer");
            return;
        }
        boolean same = latest != null && latest.sameContentAs(type, e.replicaCount(),
                e.physicalBytesOfAllReplicas(), e.logicalBytesOfAllReplicas());
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
            ignored.add("ignoring ReplicaCompleted " + eventId + " of " + e.versionId() + " in " + place.region()
                    + " at " + start + ": that time is already metered up to " + latest.endedAt());
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
    public void replicaDeleted(Payloads.ReplicaDeleted e, Instant at, Instant known) {
        Meter.Place place = new Meter.Place(key(e.versionId()), Regions.normalise(e.region()));
        replicaDeleted.merge(place, at, StorageLedger::later);
        replicaDeletions.merge(place, at, StorageLedger::later);
        end(place, at, known);
    }

    /** The version is gone: its running meters stop at the event's time, and later completions of it too. */
    public void versionDeleted(Payloads.VersionDeleted e, Instant at, Instant known) {
        String version = key(e.versionId());
        versionDeleted.merge(version, at, StorageLedger::later);
        versionDeletions.merge(version, at, StorageLedger::later);
        for (Meter.Place place : new ArrayList<>(latest.keySet())) {
            if (place.versionKey().equals(version)) {
                end(place, at, known);
            }
        }
    }

    /**
     * The latest meter ends at {@code at}: a running one, or one that ended later (the two deletions of the same
     * replicas, of the version and of the region, come on different topics in either order: the earliest wins).
     */
    private void end(Meter.Place place, Instant at, Instant known) {
        Meter m = latest.get(place);
        if (m != null && m.startedAt().isBefore(at) && (m.isOpen() || m.endedAt().isAfter(at))) {
            put(place, m.endingAt(at, known));
        }
    }

    /** The meters that existed before the batch and changed (they ended). */
    public List<Meter> changed() {
        return touched.entrySet().stream().filter(m -> !created.containsKey(m.getKey())).map(Map.Entry::getValue)
                .toList();
    }

    /** The meters the batch opened, as they are now (one may already have ended within the batch). */
    public List<Meter.New> added() {
        List<Meter.New> added = new ArrayList<>();
        for (Map.Entry<UUID, Meter> m : touched.entrySet()) {
            Meter.New created = this.created.get(m.getKey());
            if (created != null) {
                Meter now = m.getValue();
                added.add(new Meter.New(created.id(), created.versionKey(), created.versionId(),
                        created.subscriptionId(), created.region(), now.storageAccountType(), now.replicaCount(),
                        now.physicalBytes(), now.logicalBytes(), now.startedAt(), now.endedAt(), created.knownAt(),
                        now.endKnownAt()));
            }
        }
        return added;
    }

    /** The versions this batch learnt were deleted, and when (the latest time of each). */
    public Map<String, Instant> versionDeletions() {
        return versionDeletions;
    }

    /** The regions whose replicas this batch learnt were deleted, and when (the latest time of each). */
    public Map<Meter.Place, Instant> replicaDeletions() {
        return replicaDeletions;
    }

    /** Why completions were ignored (for the log). */
    public List<String> ignored() {
        return ignored;
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /** The ledger's key of a version: its id in lower case. */
    public static String key(String versionId) {
        return versionId.toLowerCase(Locale.ROOT);
    }

    /** The ledger's key of a subscription: its id in lower case. */
    public static String sub(String subscriptionId) {
        return subscriptionId.toLowerCase(Locale.ROOT);
    }
}

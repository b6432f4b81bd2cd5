package dev.imagegallery.billing.domain;

import dev.imagegallery.events.Payloads;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The storage metering rules on an in-memory ledger, without Quarkus or a database. */
class StorageLedgerTest {
    static final String VERSION = "/subscriptions/S/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/"
            + "i/versions/1.0.0";
    static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

    /** A completion whose replicas hold {@code physical} bytes together (a multiple of {@code replicas}). */
    static Payloads.ReplicaCompleted completed(int replicas, long physical, Instant at) {
        return new Payloads.ReplicaCompleted(VERSION, "S", "westeurope", replicas, "Standard_LRS", "sha256:x",
                physical / replicas, physical / replicas, at);
    }

    static StorageLedger empty() {
        return new StorageLedger(new HashMap<>(), new HashMap<>(), new HashMap<>());
    }

    @Test
    void aCompletionOpensAMeterAndARepeatChangesNothing() {
        var ledger = empty();
        ledger.replicaCompleted("e1", completed(2, 100, T0), T0, T0);
        ledger.replicaCompleted("e2", completed(2, 100, T0.plusSeconds(60)), T0.plusSeconds(60), T0.plusSeconds(60));
        assertEquals(1, ledger.added().size());
        var m = ledger.added().get(0);
        assertEquals("westeurope", m.region());
        assertEquals(VERSION.toLowerCase(), m.versionKey());
        assertEquals("s", m.subscriptionId());
        assertEquals(T0, m.startedAt());
        assertNull(m.endedAt());
        assertEquals(List.of(), ledger.changed());
    }

    @Test
    void aChangedReplicaCountEndsTheRunningMeterWhereTheNewOneStarts() {
        Map<Meter.Place, Meter> latest = new HashMap<>();
        var place = new Meter.Place(VERSION.toLowerCase(), "westeurope");
        var running = new Meter(java.util.UUID.randomUUID(), "Standard_LRS", 1, 100, 100, T0, null, null);
        latest.put(place, running);
        var ledger = new StorageLedger(latest, new HashMap<>(), new HashMap<>());
        Instant later = T0.plusSeconds(3600);
        ledger.replicaCompleted("e", completed(3, 300, later), later, later);
        assertEquals(List.of(running.endingAt(later, later)), ledger.changed());
        assertEquals(3, ledger.added().get(0).replicaCount());
        assertEquals(later, ledger.added().get(0).startedAt());
    }

    @Test
    void aCompletionOlderThanTheVersionsDeletionIsMeteredUpToTheDeletionOnly() {
        var ledger = empty();
        Instant deleted = T0.plusSeconds(600);
        ledger.versionDeleted(new Payloads.VersionDeleted(VERSION, "S"), deleted, deleted);
        ledger.replicaCompleted("e", completed(1, 100, T0), T0, deleted);
        var m = ledger.added().get(0);
        assertEquals(deleted, m.endedAt());
        assertEquals(Map.of(VERSION.toLowerCase(), deleted), ledger.versionDeletions());
    }

    @Test
    void ofTwoDeletionsOfTheSameReplicasTheEarlierEndsTheMeter() {
        var ledger = empty();
        ledger.replicaCompleted("e", completed(1, 100, T0), T0, T0);
        Instant region = T0.plusSeconds(100);
        Instant version = T0.plusSeconds(50);
        ledger.replicaDeleted(new Payloads.ReplicaDeleted(VERSION, "S", "westeurope", 1, region), region, region);
        ledger.versionDeleted(new Payloads.VersionDeleted(VERSION, "S"), version, version);
        assertEquals(version, ledger.added().get(0).endedAt());
    }

    @Test
    void aCompletionOlderThanTheLatestMeterIsIgnoredAndSaysWhy() {
        Map<Meter.Place, Meter> latest = new HashMap<>();
        latest.put(new Meter.Place(VERSION.toLowerCase(), "westeurope"),
                new Meter(java.util.UUID.randomUUID(), "Standard_LRS", 1, 100, 100, T0, null, null));
        var ledger = new StorageLedger(latest, new HashMap<>(), new HashMap<>());
        ledger.replicaCompleted("old", completed(2, 200, T0.minusSeconds(1)), T0.minusSeconds(1), T0);
        assertTrue(ledger.added().isEmpty());
        assertTrue(ledger.ignored().get(0).startsWith("ignoring ReplicaCompleted old of "));
    }
}

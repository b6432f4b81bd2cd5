package dev.imagegallery.billing.domain;

import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Which usage events can be billed, and why the others cannot, without Quarkus. */
class UsageEventsTest {
    static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    final UsageEvents events = new UsageEvents(new UsageEvents.Limits(1L << 50, 1000, Duration.ofHours(1)),
            Clock.fixed(NOW, ZoneOffset.UTC));

    static String event(String type, Object payload) {
        return CloudEvent.of("/test", type, "subject", payload).toJson();
    }

    static Payloads.ReplicaCompleted completed(String storage, long physical, Instant at) {
        return new Payloads.ReplicaCompleted("v", "s", "westeurope", 1, storage, "d", physical, physical, at);
    }

    @Test
    void aBillableCompletionIsReadWithItsPayload() {
        var p = events.parse(event(EventTypes.REPLICA_COMPLETED, completed("Standard_LRS", 10, NOW)));
        assertNull(p.reason());
        assertInstanceOf(Payloads.ReplicaCompleted.class, p.payload());
    }

    @Test
    void anEventBillingDoesNotMeterIsSkippedAndAMessageThatIsNoCloudEventIsRejected() {
        assertNull(events.parse(event("GalleryChanged", new Payloads.VersionDeleted("v", "s"))));
        assertEquals("not a CloudEvent: ", events.parse("{").reason().substring(0, 18));
    }

    @Test
    void negativeAbsurdUnknownAndFutureUsageIsRejectedWithTheReason() {
        assertEquals("negative byte count: physicalBytesPerReplica -1", events.parse(event(EventTypes.REPLICA_COMPLETED,
                completed("Standard_LRS", -1, NOW))).reason());
        assertEquals("absurd byte count: physicalBytesPerReplica " + ((1L << 50) + 1) + " is more than " + (1L << 50)
                + " (1 PiB)", events.parse(event(EventTypes.REPLICA_COMPLETED,
                completed("Standard_LRS", (1L << 50) + 1, NOW))).reason());
        assertEquals("the storage account type 'Tape' is unknown (known: " + PriceSheet.STORAGE_TYPES + ")",
                events.parse(event(EventTypes.REPLICA_COMPLETED, completed("Tape", 1, NOW))).reason());
        Instant future = NOW.plus(Duration.ofHours(2));
        assertEquals("completedAt " + future + " is in the future", events.parse(event(EventTypes.REPLICA_COMPLETED,
                completed("Standard_LRS", 1, future))).reason());
        assertEquals("versionId is required", events.parse(event(EventTypes.VERSION_DELETED,
                new Payloads.VersionDeleted(" ", "s"))).reason());
    }

    @Test
    void theUsageTimeIsThePayloadsElseTheEventsElseNow() {
        CloudEvent e = CloudEvent.of("/test", EventTypes.VERSION_DELETED, "x", new Payloads.VersionDeleted("v", "s"));
        assertEquals(NOW.minusSeconds(5), events.timeOf(NOW.minusSeconds(5), e));
        assertEquals(e.time(), events.timeOf(null, e));
        assertEquals(NOW, events.timeOf(null, null));
    }

    @Test
    void whatAllTheRegionsReplicasHoldIsBoundedLikeEachReplica() {
        long half = (1L << 49) + 1; // each replica is within 1 PiB, the two together are not
        var both = new Payloads.ReplicaCompleted("v", "s", "westeurope", 2, "Standard_LRS", "d", half, half, NOW);
        assertEquals("absurd byte count: physicalBytes of all 2 replicas " + 2 * half + " is more than " + (1L << 50)
                + " (1 PiB)", events.parse(event(EventTypes.REPLICA_COMPLETED, both)).reason());
    }

    @Test
    void aCompletionOfTheFormerShapeIsBilledForWhatItsReplicasHoldTogether() {
        String json = "{\"specversion\":\"1.0\",\"id\":\"old\",\"type\":\"ReplicaCompleted\",\"data\":"
                + "{\"versionId\":\"v\",\"subscriptionId\":\"s\",\"region\":\"westeurope\",\"replicaCount\":3,"
                + "\"storageAccountType\":\"Standard_LRS\",\"digest\":\"d\",\"physicalBytes\":300,"
                + "\"logicalBytes\":750,\"completedAt\":\"" + NOW + "\"}}";
        var p = (Payloads.ReplicaCompleted) events.parse(json).payload();
        assertEquals(300, p.physicalBytesOfAllReplicas());
        assertEquals(750, p.logicalBytesOfAllReplicas());
    }
}

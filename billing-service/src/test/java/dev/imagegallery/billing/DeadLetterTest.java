package dev.imagegallery.billing;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.TestInfra;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.stream.Collectors;

import static dev.imagegallery.billing.BillingTestSupport.GIB;
import static dev.imagegallery.billing.BillingTestSupport.PATIENCE;
import static dev.imagegallery.billing.BillingTestSupport.egress;
import static dev.imagegallery.billing.BillingTestSupport.newSubscription;
import static dev.imagegallery.billing.BillingTestSupport.newVersionId;
import static dev.imagegallery.billing.BillingTestSupport.publishReplication;
import static dev.imagegallery.billing.BillingTestSupport.replicaCompleted;
import static dev.imagegallery.billing.BillingTestSupport.replicaDeleted;
import static dev.imagegallery.billing.BillingTestSupport.usageOf;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Negative, absurd or unreadable usage events go to the dead-letter topic with the reason and are never billed. */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "billing"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class DeadLetterTest {

    @BeforeAll
    static void seed() {
        BillingTestSupport.publishSeedGrants();
    }

    @Test
    void badUsageEventsAreDeadLetteredWithTheirReasonAndNeverBilled() {
        String sub = newSubscription();
        String v = newVersionId(sub);
        Instant at = Instant.parse("2025-05-10T10:00:00Z");
        CloudEvent negative = egress(sub, v, "westeurope", "eastus", -5 * GIB, at);
        CloudEvent absurd = egress(sub, v, "westeurope", "eastus", (1L << 50) + 1, at);
        CloudEvent unknownType = replicaCompleted(sub, v, "westeurope", 1, "Ultra_SSD", GIB, GIB, at);
        CloudEvent unknownRegion = egress(sub, v, "westeurope", "moon", GIB, at);
        CloudEvent noReplicas = replicaCompleted(sub, v, "eastus", 0, "Standard_LRS", GIB, GIB, at);
        CloudEvent future = egress(sub, v, "westeurope", "eastus", GIB, Instant.now().plus(Duration.ofDays(30)));
        CloudEvent deletedInAnUnknownRegion = replicaDeleted(sub, v, "atlantis", 1, at);
        CloudEvent deletedWithoutRegion = replicaDeleted(sub, v, null, 1, at);
        CloudEvent deletedInTheFuture = replicaDeleted(sub, v, "eastus", 1, Instant.now().plus(Duration.ofDays(30)));
        CloudEvent good = egress(sub, v, "westeurope", "northeurope", GIB, at);
        List<CloudEvent> bad = List.of(negative, absurd, unknownType, unknownRegion, noReplicas, future,
                deletedInAnUnknownRegion, deletedWithoutRegion, deletedInTheFuture);
        bad.forEach(BillingTestSupport::publishReplicationUnchecked);
        String garbage = "{this is not json " + v;
        publishRaw(v, garbage);
        publishReplication(good);

        List<CloudEvent> letters = TestEvents.read(EventTypes.BILLING_DLQ_TOPIC, PATIENCE, seen -> seen.stream()
                .map(e -> e.dataAs(Payloads.UsageEventRejected.class))
                .filter(r -> r.event() != null && r.event().contains(v)).count() >= bad.size() + 1);
        // the letter is keyed by the rejected event's subject, names the rejected event's id as its subject
        Map<String, Payloads.UsageEventRejected> byId = letters.stream()
                .map(e -> e.dataAs(Payloads.UsageEventRejected.class))
                .filter(r -> r.eventId() != null)
                .collect(Collectors.toMap(Payloads.UsageEventRejected::eventId, Function.identity(), (a, b) -> a));
        assertThat(byId.get(negative.id()).reason(), containsString("negative byte count"));
        assertThat(byId.get(absurd.id()).reason(), containsString("absurd byte count"));
        assertThat(byId.get(unknownType.id()).reason(), containsString("storage account type 'Ultra_SSD'"));
        assertThat(byId.get(unknownRegion.id()).reason(), containsString("region 'moon'"));
        assertThat(byId.get(noReplicas.id()).reason(), containsString("replicaCount 0"));
        assertThat(byId.get(future.id()).reason(), containsString("in the future"));
        assertThat(byId.get(deletedInAnUnknownRegion.id()).reason(), containsString("region 'atlantis'"));
        assertThat(byId.get(deletedWithoutRegion.id()).reason(), containsString("region are required"));
        assertThat(byId.get(deletedInTheFuture.id()).reason(), containsString("deletedAt"));
        assertEquals(EventTypes.REPLICA_DELETED, byId.get(deletedInAnUnknownRegion.id()).eventType());
        Payloads.UsageEventRejected n = byId.get(negative.id());
        assertEquals(EventTypes.EGRESS_TRANSFERRED, n.eventType());
        assertEquals(EventTypes.REPLICATION_TOPIC, n.sourceTopic());
        assertEquals(negative.id(), CloudEvent.parse(n.event()).id());
        CloudEvent letter = letters.stream().filter(e -> negative.id().equals(e.subject())).findFirst().orElseThrow();
        assertEquals(EventTypes.USAGE_EVENT_REJECTED, letter.type());
        assertTrue(letters.stream().map(e -> e.dataAs(Payloads.UsageEventRejected.class))
                .anyMatch(r -> r.eventId() == null && r.reason().startsWith("not a CloudEvent")
                        && r.event().equals(garbage)));

        // the partition was not blocked, and only the good event is billed
        LocalDate may = LocalDate.parse("2025-05-01");
        await().atMost(PATIENCE).until(() -> !usageOf(sub, may, may.plusDays(30)).isEmpty());
        var lines = usageOf(sub, may, may.plusDays(30));
        assertEquals(1, lines.size(), lines::toString);
        assertEquals("Inter-region egress westeurope to northeurope", lines.get(0).get("meterName"));
        assertEquals(0, ((BigDecimal) lines.get(0).get("quantity")).compareTo(BigDecimal.ONE));
    }

    static void publishRaw(String key, String value) {
        Properties p = TestInfra.shared().clientProps("replication-service");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(EventTypes.REPLICATION_TOPIC, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.imagegallery.billing;

import dev.imagegallery.billing.service.MeteringService;
import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.TestInfra;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static dev.imagegallery.billing.BillingTestSupport.GIB;
import static dev.imagegallery.billing.BillingTestSupport.PATIENCE;
import static dev.imagegallery.billing.BillingTestSupport.egress;
import static dev.imagegallery.billing.BillingTestSupport.exact;
import static dev.imagegallery.billing.BillingTestSupport.invoicePath;
import static dev.imagegallery.billing.BillingTestSupport.newSubscription;
import static dev.imagegallery.billing.BillingTestSupport.newVersionId;
import static dev.imagegallery.billing.BillingTestSupport.publishCatalog;
import static dev.imagegallery.billing.BillingTestSupport.publishReplication;
import static dev.imagegallery.billing.BillingTestSupport.replicaCompleted;
import static dev.imagegallery.billing.BillingTestSupport.replicaDeleted;
import static dev.imagegallery.billing.BillingTestSupport.reportedAt;
import static dev.imagegallery.billing.BillingTestSupport.usageQuantity;
import static dev.imagegallery.billing.BillingTestSupport.versionDeleted;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.comparesEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exactly once in effect: replaying every topic from offset zero (a fresh consumer group) changes nothing; wiping the
 * subscription's ledger and invoices and replaying again reproduces every invoice to the cent.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "billing"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class ReplayTest {
    static final List<String> MONTHS = List.of("2025-01", "2025-02", "2025-03");

    @Inject
    MeteringService metering;
    @Inject
    Pool pool;

    @BeforeAll
    static void seed() {
        BillingTestSupport.publishSeedGrants();
    }

    @Test
    void replayingFromOffsetZeroReproducesEveryInvoiceToTheCent() {
        String sub = newSubscription();
        String v1 = newVersionId(sub);
        String v2 = newVersionId(sub);
        List<CloudEvent> events = new ArrayList<>();
        events.add(replicaCompleted(sub, v1, "westeurope", 2, "Standard_ZRS", 3 * GIB + 12345, 10 * GIB,
                Instant.parse("2025-01-05T03:17:00Z")));
        events.add(replicaCompleted(sub, v1, "westeurope", 3, "Standard_ZRS", 3 * GIB + 999, 10 * GIB,
                Instant.parse("2025-02-11T17:45:00Z")));
        events.add(replicaCompleted(sub, v2, "northeurope", 1, "Premium_LRS", 3 * GIB - 1, 3 * GIB,
                Instant.parse("2025-01-20T00:00:00Z")));
        for (int i = 0; i < 40; i++) {
            events.add(egress(sub, i % 2 == 0 ? v1 : v2, "westeurope", i % 3 == 0 ? "eastus" : "northeurope",
                    GIB / 7 * (i + 1), Instant.parse("2025-01-01T00:00:00Z").plus(Duration.ofHours(50L * i + 7))));
        }
        for (CloudEvent e : events) {
            publishReplication(e);
        }
        publishReplication(events.get(5)); // redelivered: billed once

        LocalDate jan = LocalDate.parse("2025-01-01");
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertTrue(usageQuantity(sub, jan, jan.plusDays(89), "Premium_LRS Stored GiB-hours").signum() > 0);
            BigDecimal moved = usageQuantity(sub, jan, jan.plusDays(89), "Inter-region egress westeurope to eastus")
                    .add(usageQuantity(sub, jan, jan.plusDays(89), "Inter-region egress westeurope to northeurope"));
            long bytes = 0;
            for (int i = 0; i < 40; i++) {
                bytes += GIB / 7 * (i + 1);
            }
            assertThat(moved.multiply(BigDecimal.valueOf(GIB)).setScale(0, java.math.RoundingMode.HALF_EVEN),
                    comparesEqualTo(BigDecimal.valueOf(bytes)));
        });
        // January is invoiced (as known at its cutoff, 1 February 01:00) ...
        given().auth().oauth2(Tokens.alice()).get(invoicePath(sub, "2025-01")).then().statusCode(200);
        // ... then two facts of January are reported late, in February: a transfer, and v2's replicas in northeurope
        // having been removed on 25 January (v2 was billed up to the end of January)
        CloudEvent lateTransfer = reportedAt(Instant.parse("2025-02-05T00:00:00Z"), egress(sub, v1, "westeurope",
                "westus2", 5 * GIB, Instant.parse("2025-01-28T12:00:00Z")));
        CloudEvent lateRemoval = reportedAt(Instant.parse("2025-02-10T00:00:00Z"), replicaDeleted(sub, v2,
                "northeurope", 1, Instant.parse("2025-01-25T00:00:00Z")));
        publishReplication(lateTransfer);
        publishReplication(lateRemoval);
        // and v2 is deleted in March (its meter already ended in January)
        CloudEvent deletion = versionDeleted(v2, Instant.parse("2025-03-03T09:30:00Z"));
        publishCatalog(deletion);
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(usageQuantity(sub, LocalDate.parse("2025-03-04"), LocalDate.parse("2025-03-31"),
                    "Premium_LRS Stored GiB-hours"), comparesEqualTo(BigDecimal.ZERO));
            assertThat(usageQuantity(sub, jan, jan.plusDays(30), "Inter-region egress westeurope to westus2"),
                    comparesEqualTo(new BigDecimal(5)));
            assertThat(usageQuantity(sub, LocalDate.parse("2025-01-26"), LocalDate.parse("2025-01-31"),
                    "Premium_LRS Stored GiB-hours"), comparesEqualTo(BigDecimal.ZERO));
        });
        Map<String, Object> first = invoices(sub);
        assertThat((BigDecimal) ((Map<?, ?>) first.get("2025-01")).get("total"), org.hamcrest.Matchers
                .greaterThan(BigDecimal.ZERO));
        // the late facts are adjustments of January on February's invoice, not edits of January's
        List<?> february = (List<?>) ((Map<?, ?>) first.get("2025-02")).get("lines");
        assertTrue(february.stream().map(l -> (Map<?, ?>) l).anyMatch(l -> "Adjustment".equals(l.get("lineType"))
                && "2025-01".equals(l.get("servicePeriod")) && String.valueOf(l.get("meterName")).contains("westus2")),
                "February adjusts January's egress: " + february);
        assertTrue(february.stream().map(l -> (Map<?, ?>) l).anyMatch(l -> "Adjustment".equals(l.get("lineType"))
                && "2025-01".equals(l.get("servicePeriod"))
                && new BigDecimal(String.valueOf(l.get("cost"))).signum() < 0),
                "February credits January's storage of v2 after 25 January: " + february);

        // 1. a replay of both topics from offset zero by a fresh consumer group: every event is known, nothing changes
        replayFromOffsetZero();
        assertEquals(first, invoices(sub));

        // 2. wipe everything billing knows of the subscription, then replay from offset zero again
        List<String> ids = new ArrayList<>(events.stream().map(CloudEvent::id).toList());
        ids.add(deletion.id());
        ids.add(lateTransfer.id());
        ids.add(lateRemoval.id());
        pool.preparedQuery("DELETE FROM invoice_line WHERE subscription_id = $1").execute(Tuple.of(sub))
                .await().indefinitely();
        pool.preparedQuery("DELETE FROM invoice WHERE subscription_id = $1").execute(Tuple.of(sub))
                .await().indefinitely();
        pool.preparedQuery("DELETE FROM storage_meter WHERE subscription_id = $1").execute(Tuple.of(sub))
                .await().indefinitely();
        pool.preparedQuery("DELETE FROM egress_record WHERE subscription_id = $1").execute(Tuple.of(sub))
                .await().indefinitely();
        pool.preparedQuery("DELETE FROM deleted_replica WHERE version_key = ANY($1)")
                .execute(Tuple.of((Object) new String[]{v1.toLowerCase(), v2.toLowerCase()})).await().indefinitely();
        pool.preparedQuery("DELETE FROM deleted_version WHERE version_key = ANY($1)")
                .execute(Tuple.of((Object) new String[]{v1.toLowerCase(), v2.toLowerCase()})).await().indefinitely();
        pool.preparedQuery("DELETE FROM processed_event WHERE event_id = ANY($1)")
                .execute(Tuple.of((Object) ids.toArray(new String[0]))).await().indefinitely();
        given().auth().oauth2(Tokens.alice()).get(invoicePath(sub, "2025-01")).then().statusCode(404);

        replayFromOffsetZero();
        assertEquals(first, invoices(sub));
    }

    /** Every invoice's lines and total (not its issue time, which is when it was issued). */
    private static Map<String, Object> invoices(String sub) {
        Map<String, Object> all = new LinkedHashMap<>();
        for (String month : MONTHS) {
            JsonPath i = exact(given().auth().oauth2(Tokens.alice()).get(invoicePath(sub, month)));
            assertEquals("Issued", i.getString("properties.status"));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("total", i.get("properties.totalAmount.value"));
            m.put("lines", i.getList("properties.lineItems"));
            all.put(month, m);
        }
        return all;
    }

    /** Reads both topics from offset zero with a fresh consumer group and meters every event, in polled batches. */
    private void replayFromOffsetZero() {
        for (String topic : List.of(EventTypes.REPLICATION_TOPIC, EventTypes.CATALOG_TOPIC)) {
            Properties p = TestInfra.shared().clientProps("billing-service");
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "billing-service-replay-" + UUID.randomUUID());
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
                consumer.subscribe(List.of(topic));
                int empty = 0;
                int total = 0;
                while (empty < 5) {
                    List<String> batch = new ArrayList<>();
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                        batch.add(r.value());
                    }
                    if (batch.isEmpty()) {
                        empty++;
                        continue;
                    }
                    total += batch.size();
                    metering.apply(topic, batch).await().atMost(Duration.ofSeconds(60));
                }
                assertTrue(total > 0, "replayed nothing from " + topic);
            }
        }
    }
}

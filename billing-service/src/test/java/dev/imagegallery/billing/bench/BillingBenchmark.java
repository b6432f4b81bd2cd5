package dev.imagegallery.billing.bench;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.TestInfra;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;

/**
 * The billing benchmark (bench/billing/run.sh runs it; skipped otherwise): metering throughput from Kafka into the
 * ledger against a bare Kafka consumer reading the same events, and the time to issue an invoice over a million usage
 * rows against a bare count/sum over the same rows. Real Kafka and PostgreSQL (devstack), the real service.
 */
@QuarkusTest
@EnabledIfSystemProperty(named = "gallery.bench", matches = "true")
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "billing"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class BillingBenchmark {
    static final long GIB = 1L << 30;
    static final int EVENTS = Integer.getInteger("bench.events", 200_000);
    static final int ROWS = Integer.getInteger("bench.rows", 1_000_000);

    @Inject
    Pool pool;

    @Test
    void benchmark() throws Exception {
        TestEvents.publishSeedGrants();
        meteringThroughput();
        invoiceOverAMillionRows();
    }

    void meteringThroughput() throws Exception {
        String sub = UUID.randomUUID().toString();
        List<String> versions = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            versions.add("/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/bench"
                    + "/images/i/versions/1.0." + i);
        }
        List<ProducerRecord<String, String>> records = new ArrayList<>(EVENTS);
        Instant base = Instant.parse("2025-01-01T00:00:00Z");
        String[] regions = {"northeurope", "eastus", "westus2"};
        int storage = 0;
        for (int i = 0; i < EVENTS; i++) {
            String v = versions.get(i % versions.size());
            CloudEvent e;
            if (i % 20 == 0) { // 5 % storage facts, 95 % egress
                storage++;
                e = CloudEvent.of("/bench", EventTypes.REPLICA_COMPLETED, v, new Payloads.ReplicaCompleted(v, sub,
                        regions[i % 3], 1 + i % 3, "Standard_LRS", "sha256:00", GIB + i, 2 * GIB,
                        base.plusSeconds(i)));
            } else {
                e = CloudEvent.of("/bench", EventTypes.EGRESS_TRANSFERRED, v, new Payloads.EgressTransferred(v, sub,
                        "westeurope", regions[i % 3], GIB + i, base.plusSeconds(i)));
            }
            records.add(new ProducerRecord<>(EventTypes.REPLICATION_TOPIC, v, e.toJson()));
        }
        int egress = EVENTS - storage;
        Properties p = TestInfra.shared().clientProps("replication-service");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(512 * 1024));
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        long t0 = System.nanoTime();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (var r : records) {
                producer.send(r);
            }
            producer.flush();
        }
        long produced = System.nanoTime();
        // the service consumes while the events are produced; done when every egress row and every processed id is in
        while (true) {
            long rows = count("SELECT count(*) FROM egress_record WHERE subscription_id = $1", sub);
            if (rows >= egress) {
                break;
            }
            if (System.nanoTime() - t0 > Duration.ofMinutes(5).toNanos()) {
                throw new IllegalStateException("only " + rows + " of " + egress + " egress rows after 5 minutes");
            }
            Thread.sleep(20);
        }
        long metered = System.nanoTime();
        long meters = count("SELECT count(*) FROM storage_meter WHERE subscription_id = $1", sub);

        // baseline: a bare consumer (fresh group, no database) reading the whole topic, which holds these events
        Properties c = TestInfra.shared().clientProps("billing-service");
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "billing-service-bench-bare-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        long read = 0;
        long parsed = 0;
        long b0 = System.nanoTime();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            consumer.subscribe(List.of(EventTypes.REPLICATION_TOPIC));
            int empty = 0;
            while (read < EVENTS && empty < 50) {
                var batch = consumer.poll(Duration.ofMillis(100));
                if (batch.isEmpty()) {
                    empty++;
                }
                for (var r : batch) {
                    read++;
                    // the same parsing the service does, without the database
                    if (CloudEvent.parse(r.value()).id() != null) {
                        parsed++;
                    }
                }
            }
        }
        long bare = System.nanoTime();
        double serviceSeconds = (metered - t0) / 1e9;
        double bareSeconds = (bare - b0) / 1e9;
        double service = EVENTS / serviceSeconds;
        double baseline = read / bareSeconds;
        System.out.printf("BENCH metering: %d usage events (%d EgressTransferred, %d ReplicaCompleted) produced in "
                        + "%.2f s; metered into the ledger (%d egress rows, %d storage meters) %.2f s after the first "
                        + "was produced%n", EVENTS, egress, storage, (produced - t0) / 1e9, egress, meters,
                serviceSeconds);
        System.out.printf("BENCH metering throughput: %.0f events/s (target >= 20000)%n", service);
        System.out.printf("BENCH baseline bare Kafka consumer + JSON parse, no database: %d events (%d parsed) in "
                + "%.2f s = %.0f events/s%n", read, parsed, bareSeconds, baseline);
        System.out.printf("BENCH ratio metering / bare consumer: %.2f%n", service / baseline);
    }

    void invoiceOverAMillionRows() {
        String sub = UUID.randomUUID().toString();
        TestEvents.publish(EventTypes.ACCESS_TOPIC, CloudEvent.of("/bench", EventTypes.SUBSCRIPTION_CREATED,
                "/subscriptions/" + sub, new Payloads.SubscriptionCreated(sub, Realms.CONTOSO, "bench")));
        TestEvents.grant(UUID.randomUUID().toString(), Realms.CONTOSO, "/subscriptions/" + sub, Realms.ALICE,
                "8e3af657-a8ff-443c-a75c-2fe8c4bcb635");
        int meters = ROWS / 2;
        int transfers = ROWS - meters;
        long l0 = System.nanoTime();
        exec("INSERT INTO storage_meter (id, version_key, version_id, subscription_id, region, storage_account_type, "
                + "replica_count, physical_bytes, logical_bytes, started_at, ended_at, known_at, end_known_at, "
                + "recorded_at) SELECT id, k, k, $1, r, t, n, p, l, s, e, s, e, now() FROM (SELECT "
                + "gen_random_uuid() AS id, 'bench-v' || i AS k, "
                + "(ARRAY['westeurope','northeurope','eastus','westus2'])[1 + i % 4] AS r, "
                + "(ARRAY['Standard_LRS','Standard_ZRS','Premium_LRS'])[1 + i % 3] AS t, 1 + i % 3 AS n, "
                + "1073741824 + i AS p, 2147483648 + i AS l, timestamptz '2025-02-01 00:00Z' + (i % 600) "
                + "* interval '1 hour' + (i % 3600) * interval '1 second' AS s, timestamptz '2025-02-01 00:00Z' "
                + "+ (i % 600 + 24 + i % 48) * interval '1 hour' AS e FROM generate_series(1, " + meters
                + ") AS i) AS x", sub);
        exec("INSERT INTO egress_record (event_id, version_key, version_id, subscription_id, source_region, "
                + "destination_region, bytes, transferred_at, known_at, recorded_at) "
                + "SELECT 'bench-e-' || $1 || i, 'bench-v' || i % 5000, 'bench-v' || i % 5000, $1, 'westeurope', "
                + "(ARRAY['northeurope','eastus','westus2'])[1 + i % 3], 1000000 + i, "
                + "timestamptz '2025-02-01 00:00Z' + (i % 2419200) * interval '1 second', "
                + "timestamptz '2025-02-01 00:00Z' + (i % 2419200) * interval '1 second', now() "
                + "FROM generate_series(1, " + transfers + ") AS i", sub);
        exec("ANALYZE storage_meter", null);
        exec("ANALYZE egress_record", null);
        long loaded = System.nanoTime();
        System.out.printf("BENCH invoice: loaded %d usage rows (%d storage meters, %d egress records) for one "
                + "subscription in February 2025 in %.1f s%n", ROWS, meters, transfers, (loaded - l0) / 1e9);

        // baseline: a bare count and sum over the same rows
        long b0 = System.nanoTime();
        count("SELECT count(*) + sum(physical_bytes) * 0 FROM storage_meter WHERE subscription_id = $1", sub);
        count("SELECT count(*) + sum(bytes) * 0 FROM egress_record WHERE subscription_id = $1", sub);
        long b1 = System.nanoTime();

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> given().auth()
                .oauth2(Tokens.alice()).get("/subscriptions/" + sub + "/providers/Microsoft.Consumption/invoices/"
                        + "1999-01?api-version=2023-05-01").statusCode() == 404);
        long i0 = System.nanoTime();
        var body = given().auth().oauth2(Tokens.alice()).get("/subscriptions/" + sub
                        + "/providers/Microsoft.Consumption/invoices/2025-02?api-version=2023-05-01").then()
                .statusCode(200).body("properties.status", is("Issued")).extract().jsonPath();
        long i1 = System.nanoTime();
        var again = given().auth().oauth2(Tokens.alice()).get("/subscriptions/" + sub
                + "/providers/Microsoft.Consumption/invoices/2025-02?api-version=2023-05-01").then().statusCode(200);
        long i2 = System.nanoTime();
        double baseline = (b1 - b0) / 1e6;
        double issue = (i1 - i0) / 1e6;
        System.out.printf("BENCH invoice for a subscription with %d usage rows: issued (computed and stored) in "
                        + "%.0f ms over HTTP (target <= 2000 ms); %d lines, total %s USD; read back issued in %.0f ms%n",
                ROWS, issue, body.getList("properties.lineItems").size(), body.getString("properties.totalAmount.value"),
                (i2 - i1) / 1e6);
        System.out.printf("BENCH baseline bare SELECT count(*)/sum over the same rows: %.0f ms; ratio invoice / "
                + "baseline: %.2f%n", baseline, issue / baseline);
        again.toString();
    }

    long count(String sql, String sub) {
        return pool.preparedQuery(sql).execute(Tuple.of(sub)).await().indefinitely().iterator().next()
                .getNumeric(0).longValue();
    }

    void exec(String sql, String sub) {
        (sub == null ? pool.query(sql).execute() : pool.preparedQuery(sql).execute(Tuple.of(sub)))
                .await().indefinitely();
    }
}

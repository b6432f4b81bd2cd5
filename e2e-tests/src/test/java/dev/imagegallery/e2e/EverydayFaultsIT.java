package dev.imagegallery.e2e;

import dev.imagegallery.devstack.Realms;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults an operator meets every week, on the whole stack and through the front door: PostgreSQL restarted (a minor
 * upgrade, a failover), the Kafka broker restarted. The services are left running; nothing is restarted but the
 * database or the broker.
 */
class EverydayFaultsIT extends StackIT {
    /** Longer than the attempts an event consumer used to give an event before skipping it (about 20 s). */
    static final Duration OUTAGE = Duration.ofSeconds(30);

    @BeforeAll
    static void up() throws java.io.IOException {
        stack = shared();
    }

    /** A request of each service through the door's http twin, with the status it answers when all is well. */
    static Map<String, Integer> requests() {
        return Map.of(
                "/subscriptions/" + CONTOSO + "/providers/Microsoft.Compute/galleries" + API, 200,
                "/subscriptions" + "?api-version=2022-12-01", 200,
                "/subscriptions/" + CONTOSO + "/providers/Microsoft.Consumption/usageDetails?api-version=2023-05-01", 200,
                "/blobs/westeurope/" + CONTOSO + "/no-such-blob", 404);
    }

    /**
     * While PostgreSQL is down every service answers 503 {@code ServiceUnavailable} with {@code Retry-After} (Azure's
     * SDKs retry it), at once; it answered 500 {@code InternalServerError}. An event that arrives meanwhile waits for
     * the database and is applied when it is back: catalog-service gave it up after about 20 s of attempts and lost
     * it. Once PostgreSQL is back, the same requests answer as before, without a restart of any service.
     */
    @Test
    void whilePostgresIsDownRequestsAre503AndEventsWaitForIt() throws Exception {
        String alice = token(Realms.CONTOSO, "alice");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> requests().forEach((path, status) ->
                assertEquals((int) status, given().auth().oauth2(alice).get(stack.doorHttpUrl() + path)
                        .statusCode(), path)));
        String blob = "committed-while-postgres-was-down.raw";
        Map<java.nio.file.Path, Long> logs = serviceLogSizes();
        stack.stopPostgres();
        try {
            for (String path : requests().keySet()) {
                long t0 = System.nanoTime();
                Response r = given().auth().oauth2(alice).get(stack.doorHttpUrl() + path);
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                assertEquals(503, r.statusCode(), path + ": " + r.body().asString());
                assertEquals("ServiceUnavailable", r.path("error.code"), path);
                assertNotNull(r.header("Retry-After"), path);
                assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, path + " took " + took);
            }
            // what replication-service announces after an upload, arriving while catalog-service cannot apply it
            CloudEvent committed = CloudEvent.of("/services/replication-service", EventTypes.BLOB_COMMITTED,
                    "/blobs/westeurope/" + CONTOSO + "/" + blob, new Payloads.BlobCommitted("westeurope", CONTOSO,
                            blob, "0".repeat(64), 4096, Instant.now()));
            assertEquals(null, send(stack.busClientProps("replication-service"), EventTypes.REPLICATION_TOPIC,
                    committed));
            Thread.sleep(OUTAGE.toMillis());
        } finally {
            stack.startPostgres();
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> requests().forEach((path, status) ->
                assertEquals((int) status, given().auth().oauth2(alice).get(stack.doorHttpUrl() + path)
                        .statusCode(), path)));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            try (java.sql.Connection db = stack.database("catalog-service");
                 var st = db.prepareStatement("SELECT count(*) FROM blob_view WHERE blob_key LIKE ?")) {
                st.setString(1, "%" + blob);
                try (var rs = st.executeQuery()) {
                    rs.next();
                    assertEquals(1, rs.getLong(1), "catalog-service applied the event that came during the outage");
                }
            }
        });
        // the loops that retry every second (each service's outbox relay, replication-service's worker) say that
        // they fail once, then once a minute, and that they work again: they logged every round, several lines a
        // second from replication-service, burying everything else in the log
        for (var log : logs.entrySet()) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                java.util.List<String> lines = appended(log.getKey(), log.getValue());
                java.util.List<String> failing = lines.stream()
                        .filter(l -> l.contains("round failed") || l.contains("round still failing")).toList();
                assertTrue(failing.size() <= 3, log.getKey().getFileName() + " logged " + failing.size()
                        + " lines of failed rounds in a " + OUTAGE.toSeconds() + " s outage:\n"
                        + String.join("\n", failing.subList(0, Math.min(5, failing.size()))));
                if (!failing.isEmpty()) {
                    assertTrue(lines.stream().anyMatch(l -> l.contains("round works again after")),
                            log.getKey().getFileName() + " did not say its rounds work again");
                }
                // and they retry at a steady pace while it lasts: replication-service's worker made more attempts
                // every second of the outage (286 in 31 s), each failure scheduling one more
                for (String line : lines) {
                    var m = java.util.regex.Pattern.compile("round works again after (\\d+) failures? over (\\d+) s")
                            .matcher(line);
                    if (m.find()) {
                        long tries = Long.parseLong(m.group(1));
                        long seconds = Long.parseLong(m.group(2));
                        assertTrue(tries <= 2 * seconds + 3, log.getKey().getFileName() + ": " + line);
                    }
                }
            });
        }
    }

    /** The services' log files (not the broker's, Keycloak's or the door's) and their sizes now. */
    private static Map<java.nio.file.Path, Long> serviceLogSizes() throws java.io.IOException {
        Map<java.nio.file.Path, Long> sizes = new java.util.HashMap<>();
        try (var files = java.nio.file.Files.list(stack.logDir())) {
            for (var f : files.filter(f -> f.getFileName().toString().matches("(access|catalog|replication|billing)"
                    + "-service.*\\.log")).toList()) {
                sizes.put(f, java.nio.file.Files.size(f));
            }
        }
        assertTrue(sizes.size() >= 4, "the services' logs in " + stack.logDir() + ": " + sizes.keySet());
        return sizes;
    }

    /** The lines a log file gained after {@code from} bytes. */
    private static java.util.List<String> appended(java.nio.file.Path log, long from) throws java.io.IOException {
        try (var in = java.nio.file.Files.newInputStream(log)) {
            in.skipNBytes(from);
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        }
    }

    /**
     * A version published while the broker is down is accepted (its events wait in catalog-service's outbox) and
     * replicates to both its regions once the broker is back, without a restart of any service.
     */
    @Test
    void aVersionPublishedWhileKafkaIsDownReplicatesWhenItIsBack() {
        String alice = token(Realms.CONTOSO, "alice");
        SharingRulesIT.Published p = SharingRulesIT.publish(alice, CONTOSO, "rg-faults", "kafkafaults");
        String source = p.gallery().substring(0, p.gallery().indexOf("/providers/"))
                + "/providers/Microsoft.Compute/images/kafkafaults-src";
        String version = p.gallery() + "/images/app/versions/1.1.0";
        stack.stopKafka();
        try {
            given().auth().oauth2(alice).contentType(ContentType.JSON)
                    .body("{\"location\":\"westeurope\",\"properties\":{\"publishingProfile\":{\"targetRegions\":["
                            + "{\"name\":\"westeurope\"},{\"name\":\"northeurope\"}]},\"storageProfile\":{\"source\":"
                            + "{\"id\":\"" + source + "\"}}}}")
                    .put(stack.doorHttpUrl() + version + API).then().statusCode(201)
                    .body("properties.provisioningState", is("Creating"));
        } finally {
            stack.startKafka();
        }
        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> given().auth().oauth2(alice)
                .get(stack.doorHttpUrl() + version + API + "&$expand=ReplicationStatus").then().statusCode(200)
                .body("properties.provisioningState", is("Succeeded"))
                .body("properties.replicationStatus.aggregatedState", is("Completed")));
    }
}

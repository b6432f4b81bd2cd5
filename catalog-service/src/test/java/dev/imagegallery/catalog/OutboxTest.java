package dev.imagegallery.catalog;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.TestInfra;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.imagegallery.catalog.CatalogTestSupport.*;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The outbox: versions published while Kafka is down are answered, and every event arrives once it is back; a backlog
 * bigger than what the Kafka sink takes unacknowledged is relayed in rounds the sink accepts.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "catalog"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class OutboxTest {

    @BeforeEach
    void grants() {
        seedGrants();
    }

    @Test
    void versionsPublishedWhileKafkaIsDownAllArriveAfterwards() {
        Assumptions.assumeTrue("local".equals(TestInfra.shared().mode()),
                "stopping the broker needs the local broker (containers change ports on restart)");
        String mi = RG + "/providers/Microsoft.Compute/images/outbox-src";
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(managedImageBody("outbox.raw"))
                .put(mi + MI_API).then().statusCode(org.hamcrest.Matchers.anyOf(org.hamcrest.Matchers.is(200),
                        org.hamcrest.Matchers.is(201)));
        String g = "outbox" + UUID.randomUUID().toString().substring(0, 6);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody())
                .put(gallery(g) + API).then().statusCode(201);
        String def = gallery(g) + "/images/app";
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(imageBody("outbox-" + g))
                .put(def + API).then().statusCode(201);
        List<String> ids = IntStream.range(0, 5).mapToObj(i -> def + "/versions/1.0." + i).toList();
        TestInfra.shared().withKafkaDown(() -> {
            for (String id : ids) {
                given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                        .body(versionBody(mi, "westeurope")).put(id + API).then().statusCode(201);
            }
        });
        Set<String> wanted = Set.copyOf(ids);
        List<CloudEvent> events = TestEvents.read(EventTypes.CATALOG_TOPIC, Duration.ofSeconds(90), seen -> seen
                .stream().filter(e -> wanted.contains(e.subject())).map(CloudEvent::subject)
                .collect(Collectors.toSet()).size() == wanted.size());
        assertEquals(wanted, events.stream().filter(e -> wanted.contains(e.subject())
                && e.type().equals(EventTypes.VERSION_PUBLISHED)).map(CloudEvent::subject).collect(Collectors.toSet()));
    }

    /**
     * Regression: a round of the whole batch (2000) through a sink that takes 1024 unacknowledged messages was refused
     * by the emitter (SRMSG00034 "Insufficient downstream requests") and retried forever: nothing was sent again.
     */
    @Test
    void aBacklogBiggerThanTheSinksInFlightCapIsAllRelayed() throws Exception {
        String run = "backlog-" + UUID.randomUUID().toString().substring(0, 8);
        int n = 6000;
        TestInfra infra = TestInfra.shared();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(infra.jdbcUrl("catalog"), infra.pgUser(),
                infra.pgPassword());
             java.sql.PreparedStatement insert = c.prepareStatement(
                     "INSERT INTO outbox (id, topic, event_key, payload) VALUES (?, ?, ?, ?)")) {
            c.setAutoCommit(false);
            for (int i = 0; i < n; i++) {
                String subject = "/" + run + "/" + i;
                CloudEvent e = CloudEvent.of("/tests/catalog", "dev.imagegallery.test.BacklogProbe", subject,
                        java.util.Map.of("i", i));
                insert.setObject(1, UUID.fromString(e.id()));
                insert.setString(2, EventTypes.CATALOG_TOPIC);
                insert.setString(3, subject);
                insert.setString(4, e.toJson());
                insert.addBatch();
            }
            insert.executeBatch();
            c.commit();
        }
        List<CloudEvent> events = TestEvents.read(EventTypes.CATALOG_TOPIC, Duration.ofSeconds(60), seen -> seen
                .stream().filter(e -> e.subject() != null && e.subject().startsWith("/" + run + "/"))
                .map(CloudEvent::subject).distinct().count() == n);
        assertEquals(n, events.stream().filter(e -> e.subject() != null && e.subject().startsWith("/" + run + "/"))
                .map(CloudEvent::subject).distinct().count());
    }
}

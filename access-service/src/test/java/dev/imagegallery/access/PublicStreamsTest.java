package dev.imagegallery.access;

import dev.imagegallery.access.publicstream.BusAdmin;
import dev.imagegallery.access.publicstream.Forwarder;
import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.TestInfra;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.BlobRef;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.events.PublicEvents;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static dev.imagegallery.access.AccessTestSupport.SHARE_API;
import static dev.imagegallery.access.AccessTestSupport.group;
import static dev.imagegallery.access.AccessTestSupport.share;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The public per-tenant streams: what the forwarder writes to {@code gallery.public.<tenant>.v1} from the internal
 * topics (each event valid against its schema in docs/schemas/public), that a tenant's stream holds nothing of another
 * tenant, that shares reach the recipient's stream, that a replay forwards nothing twice, and the resync snapshot.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "access"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class PublicStreamsTest {
    static final String GALLERY_API = "?api-version=2026-12-01";
    static final String CONTOSO_STREAM = PublicEvents.topicOf(Realms.CONTOSO);
    static final String FABRIKAM_STREAM = PublicEvents.topicOf(Realms.FABRIKAM);
    static final String DIGEST = "sha256:" + "ab".repeat(32);

    @Inject
    Forwarder forwarder;

    @Inject
    BusAdmin bus;

    static String version(String subscription) {
        return "/subscriptions/" + subscription + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g"
                + UUID.randomUUID().toString().substring(0, 8) + "/images/ubuntu/versions/1.0.0";
    }

    static CloudEvent published(String versionId, String subscription, String tenant) {
        return CloudEvent.of("/tests", EventTypes.VERSION_PUBLISHED, versionId, new Payloads.VersionPublished(
                versionId, subscription, tenant, BlobRef.parse("http://localhost:8082/blobs/westeurope/"
                + subscription + "/disk.raw"), 8 << 20, List.of(
                new Payloads.TargetRegion("westeurope", 1, "Standard_LRS"),
                new Payloads.TargetRegion("northeurope", 2, "Standard_ZRS"))));
    }

    static CloudEvent completed(String versionId, String subscription, String region, int replicas) {
        return CloudEvent.of("/tests", EventTypes.REPLICA_COMPLETED, versionId, new Payloads.ReplicaCompleted(
                versionId, subscription, region, replicas, "Standard_LRS", DIGEST, 4096L, (8L << 20) / replicas,
                Instant.now()));
    }

    static List<CloudEvent> stream(String topic, Predicate<List<CloudEvent>> until) {
        return TestEvents.read(topic, Duration.ofSeconds(30), until);
    }

    static List<CloudEvent> about(List<CloudEvent> events, String subject) {
        return events.stream().filter(e -> subject.equals(e.subject())).toList();
    }

    static long count(List<CloudEvent> events, String subject, String type) {
        return about(events, subject).stream().filter(e -> e.type().equals(type)).count();
    }

    @Test
    void aTenantsStreamCarriesItsOwnVersionsReplicasAndUsageAndNothingOfAnotherTenant() {
        String v = version(Realms.CONTOSO_SUBSCRIPTION);
        String theirs = version(Realms.FABRIKAM_SUBSCRIPTION);
        String sub = Realms.CONTOSO_SUBSCRIPTION;
        TestEvents.publish(EventTypes.CATALOG_TOPIC, published(v, sub, Realms.CONTOSO));
        TestEvents.publish(EventTypes.CATALOG_TOPIC, published(theirs, Realms.FABRIKAM_SUBSCRIPTION,
                Realms.FABRIKAM));
        TestEvents.publish(EventTypes.REPLICATION_TOPIC, completed(v, sub, "westeurope", 1));
        TestEvents.publish(EventTypes.REPLICATION_TOPIC, completed(v, sub, "northeurope", 2));
        TestEvents.publish(EventTypes.REPLICATION_TOPIC, CloudEvent.of("/tests", EventTypes.EGRESS_TRANSFERRED, v,
                new Payloads.EgressTransferred(v, sub, "westeurope", "northeurope", 4096, Instant.now())));
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_LIFECYCLE_CHANGED, v,
                new Payloads.VersionLifecycleChanged(v, sub, "Deprecated", null)));

        List<CloudEvent> ours = stream(CONTOSO_STREAM, seen -> count(seen, v, PublicEvents.REPLICA_COMPLETED) == 2
                && count(seen, v, PublicEvents.USAGE_RECORDED) == 3
                && count(seen, v, PublicEvents.VERSION_LIFECYCLE_CHANGED) == 1);
        assertEquals(1, count(ours, v, PublicEvents.VERSION_PUBLISHED), () -> "contoso's stream: " + ours);
        assertEquals(2, count(ours, v, PublicEvents.REPLICA_COMPLETED));
        assertEquals(Set.of("westeurope", "northeurope"), about(ours, v).stream()
                .filter(e -> e.type().equals(PublicEvents.REPLICA_COMPLETED))
                .map(e -> e.data().get("region").asText()).collect(Collectors.toSet()));
        assertEquals(Set.of("StorageStarted", "Egress"), about(ours, v).stream()
                .filter(e -> e.type().equals(PublicEvents.USAGE_RECORDED))
                .map(e -> e.data().get("usage").asText()).collect(Collectors.toSet()));
        // the public event says what a subscriber needs and no internal detail (the blob URI of the upload)
        CloudEvent p = about(ours, v).stream().filter(e -> e.type().equals(PublicEvents.VERSION_PUBLISHED))
                .findFirst().orElseThrow();
        assertFalse(p.data().has("sourceBlob"));
        assertEquals(PublicEvents.SOURCE, p.source());
        // every event of the stream, whoever's test made it, is what its schema in docs/ says
        PublicSchemas.validateAll(ours);
        assertTrue(ours.stream().noneMatch(e -> e.subject().equals(theirs)
                        || Realms.FABRIKAM_SUBSCRIPTION.equals(e.data().path("subscriptionId").asText())),
                "contoso's stream holds nothing of fabrikam's versions");

        List<CloudEvent> fabrikams = stream(FABRIKAM_STREAM,
                seen -> count(seen, theirs, PublicEvents.VERSION_PUBLISHED) == 1);
        assertEquals(1, count(fabrikams, theirs, PublicEvents.VERSION_PUBLISHED));
        assertTrue(fabrikams.stream().noneMatch(e -> e.subject().equals(v)));
        PublicSchemas.validateAll(fabrikams);

        // the resync snapshot: the version with each target region's replication, and where to resume
        JsonPath snapshot = given().auth().oauth2(Tokens.alice())
                .get("/tenants/contoso/providers/Microsoft.Gallery/eventSnapshot" + GALLERY_API)
                .then().statusCode(200).extract().jsonPath();
        Map<String, Object> mine = snapshot.getMap("versions.find { it.versionId == '" + v + "' }");
        assertEquals("Deprecated", mine.get("lifecycleState"));
        assertEquals(List.of("Completed", "Completed"), snapshot.getList("versions.find { it.versionId == '" + v
                + "' }.regions.state"));
        assertEquals(CONTOSO_STREAM, snapshot.getString("topic"));
        assertFalse(snapshot.getList("resumeFrom").isEmpty());
        assertTrue(snapshot.getList("versions.versionId").stream().noneMatch(theirs::equals));

        // a deleted version leaves the snapshot; the stream says so
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_DELETED, v,
                new Payloads.VersionDeleted(v, sub)));
        stream(CONTOSO_STREAM, seen -> count(seen, v, PublicEvents.VERSION_DELETED) == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> given().auth().oauth2(Tokens.alice())
                .get("/tenants/contoso/providers/Microsoft.Gallery/eventSnapshot" + GALLERY_API).then()
                .statusCode(200).extract().jsonPath().getList("versions.versionId").stream().noneMatch(v::equals));
    }

    @Test
    void theContractIsServedAsItIsDocumented() throws Exception {
        String served = given().get("/providers/Microsoft.Gallery/asyncapi" + GALLERY_API).then().statusCode(200)
                .extract().asString();
        assertEquals(java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs", "asyncapi",
                "public-events.yaml")), served);
        assertEquals(PublicEvents.TYPES, given().get("/providers/Microsoft.Gallery/eventSchemas" + GALLERY_API)
                .then().statusCode(200).extract().jsonPath().getList("value.name"));
        for (String type : PublicEvents.TYPES) {
            String schema = given().get("/providers/Microsoft.Gallery/eventSchemas/" + type + GALLERY_API).then()
                    .statusCode(200).extract().asString();
            assertEquals(java.nio.file.Files.readString(PublicSchemas.DIR.resolve(type + ".json")), schema);
            PublicSchemas.of(type); // and it is a schema the validator reads
        }
        given().get("/providers/Microsoft.Gallery/eventSchemas/RoleAssignmentCreated" + GALLERY_API).then()
                .statusCode(404).body("error.code", org.hamcrest.Matchers.is("EventTypeNotFound"));
    }

    @Test
    void theSnapshotIsForTheTenantsAdministratorsOnly() {
        String path = "/tenants/contoso/providers/Microsoft.Gallery/eventSnapshot" + GALLERY_API;
        given().auth().oauth2(Tokens.carol()).get(path).then().statusCode(403)
                .body("error.code", org.hamcrest.Matchers.is("AuthorizationFailed"));
        given().auth().oauth2(Tokens.bob()).get(path).then().statusCode(404)
                .body("error.code", org.hamcrest.Matchers.is("TenantNotFound"));
        given().get(path).then().statusCode(401);
        given().auth().oauth2(Tokens.alice()).get("/tenants/contoso/providers/Microsoft.Gallery/eventSnapshot")
                .then().statusCode(400).body("error.target", org.hamcrest.Matchers.is("api-version"));
    }

    @Test
    void aShareReachesTheRecipientsStreamAndTheOwnerSeesItsWholeSharingState() {
        String g = SharingTest.gallery();
        String unique = Realms.CONTOSO_SUBSCRIPTION + "-" + g.substring(g.lastIndexOf('/') + 1).toUpperCase();
        String subject = "/sharedGalleries/" + unique;
        share(Tokens.alice(), g, group("Add", "Subscriptions", Realms.FABRIKAM_SUBSCRIPTION)).then().statusCode(200);
        List<CloudEvent> offered = stream(FABRIKAM_STREAM, seen -> about(seen, subject).size() == 1);
        CloudEvent offer = about(offered, subject).get(0);
        assertEquals(PublicEvents.GALLERY_SHARE_CHANGED, offer.type());
        assertEquals("Pending", offer.data().get("state").asText());
        assertEquals(Realms.FABRIKAM_SUBSCRIPTION, offer.data().get("sharedWith").asText());
        assertEquals("contoso", offer.data().get("ownerTenantId").asText());
        assertFalse(offer.toJson().contains("/resourceGroups/"), "the recipient does not learn the owner's ARM paths");

        SharingConsistencyTest.acceptPending(unique);
        share(Tokens.alice(), g, group("Remove", "Subscriptions", Realms.FABRIKAM_SUBSCRIPTION)).then()
                .statusCode(200);
        List<CloudEvent> theirs = stream(FABRIKAM_STREAM, seen -> about(seen, subject).size() == 3);
        assertEquals(List.of("Pending", "Accepted", "Removed"), about(theirs, subject).stream()
                .map(e -> e.data().get("state").asText()).toList());
        PublicSchemas.validateAll(theirs);

        List<CloudEvent> owners = stream(CONTOSO_STREAM, seen -> about(seen, g).size() == 3);
        assertEquals(List.of(1, 1, 0), about(owners, g).stream().map(e -> e.data().get("shares").size()).toList());
        assertTrue(about(owners, g).stream().allMatch(e -> e.type().equals(PublicEvents.GALLERY_SHARING_CHANGED)));
        PublicSchemas.validateAll(about(owners, g));
    }

    @Test
    void aReplayOfTheInternalTopicsFromOffsetZeroPublishesNothingTwice() {
        String v = version(Realms.CONTOSO_SUBSCRIPTION);
        String sub = Realms.CONTOSO_SUBSCRIPTION;
        List<CloudEvent> internal = List.of(published(v, sub, Realms.CONTOSO), completed(v, sub, "westeurope", 1));
        TestEvents.publish(EventTypes.CATALOG_TOPIC, internal.get(0));
        TestEvents.publish(EventTypes.REPLICATION_TOPIC, internal.get(1));
        stream(CONTOSO_STREAM, seen -> about(seen, v).size() == 3);

        // 1. the same records delivered again to the forwarder's consumer
        TestEvents.publish(EventTypes.CATALOG_TOPIC, internal.get(0));
        TestEvents.publish(EventTypes.REPLICATION_TOPIC, internal.get(1));
        // 2. every internal topic from offset zero, as a new consumer group would read it, through the forwarder
        List<String> everything = readFromZero(List.of(EventTypes.CATALOG_TOPIC, EventTypes.REPLICATION_TOPIC,
                EventTypes.ACCESS_TOPIC));
        assertTrue(everything.size() > 2);
        forwarder.forward(everything).await().atMost(Duration.ofSeconds(60));

        awaitForwarderCaughtUp();
        await().atMost(Duration.ofSeconds(20)).until(() -> AccessTestSupport.query(
                "SELECT count(*) FROM outbox WHERE topic LIKE ?", "gallery.public.%", rs -> rs.next()
                        && rs.getLong(1) == 0));
        List<CloudEvent> after = stream(CONTOSO_STREAM, seen -> false);
        assertEquals(3, about(after, v).size(), () -> "events about " + v + ": " + about(after, v));
        List<String> ids = after.stream().map(CloudEvent::id).toList();
        assertEquals(ids.size(), new HashSet<>(ids).size(), "no event id twice in contoso's stream");
    }

    @Test
    void aBatchThatChangesOneVersionTwiceKeepsItsLastChange() {
        String v = version(Realms.CONTOSO_SUBSCRIPTION);
        String sub = Realms.CONTOSO_SUBSCRIPTION;
        CloudEvent again = CloudEvent.of("/tests", EventTypes.VERSION_PUBLISHED, v, new Payloads.VersionPublished(
                v, sub, Realms.CONTOSO, BlobRef.parse("http://localhost:8082/blobs/westeurope/" + sub + "/disk.raw"),
                8 << 20, List.of(new Payloads.TargetRegion("westeurope", 3, "Standard_LRS"))));
        // one polled batch: the version published twice (a re-publication), a region's replicas completed twice
        forwarder.forward(List.of(published(v, sub, Realms.CONTOSO).toJson(), again.toJson(),
                        completed(v, sub, "westeurope", 1).toJson(), completed(v, sub, "westeurope", 3).toJson()))
                .await().atMost(Duration.ofSeconds(60));

        JsonPath snapshot = given().auth().oauth2(Tokens.alice())
                .get("/tenants/contoso/providers/Microsoft.Gallery/eventSnapshot" + GALLERY_API)
                .then().statusCode(200).extract().jsonPath();
        String mine = "versions.find { it.versionId == '" + v + "' }";
        assertEquals(List.of("westeurope"), snapshot.getList(mine + ".regions.region"), () -> snapshot.prettify());
        assertEquals(3, snapshot.getInt(mine + ".regions[0].replicaCount"));
        assertEquals("Completed", snapshot.getString(mine + ".regions[0].state"));
        List<CloudEvent> ours = stream(CONTOSO_STREAM, seen -> count(seen, v, PublicEvents.REPLICA_COMPLETED) == 2);
        assertEquals(2, count(ours, v, PublicEvents.VERSION_PUBLISHED), () -> "contoso's stream: " + about(ours, v));
    }

    @Test
    void theSnapshotComesInPagesThatTogetherHoldEveryVersionOnce() {
        String sub = Realms.CONTOSO_SUBSCRIPTION;
        List<String> mine = new ArrayList<>();
        List<String> batch = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String v = version(sub);
            mine.add(v);
            batch.add(published(v, sub, Realms.CONTOSO).toJson());
        }
        forwarder.forward(batch).await().atMost(Duration.ofSeconds(60));

        List<String> seen = new ArrayList<>();
        String link = "/tenants/contoso/providers/Microsoft.Gallery/eventSnapshot" + GALLERY_API + "&$top=2";
        int pages = 0;
        while (link != null) {
            JsonPath page = given().auth().oauth2(Tokens.alice()).urlEncodingEnabled(pages == 0).get(link)
                    .then().statusCode(200).extract().jsonPath();
            seen.addAll(page.getList("versions.versionId"));
            assertTrue(page.getList("versions").size() <= 2);
            // where to resume and the shares come once, with the first page
            assertEquals(pages == 0, page.get("resumeFrom") != null, () -> page.prettify());
            assertEquals(pages == 0, page.get("sharesGiven") != null);
            link = page.getString("nextLink");
            assertTrue(link == null || link.startsWith("http"), link);
            pages++;
        }
        assertTrue(pages >= 3, "5 versions or more in pages of 2");
        assertEquals(seen.size(), new HashSet<>(seen).size(), () -> "a version twice: " + seen);
        assertTrue(seen.containsAll(mine), () -> "every version once: " + seen);

        // a token of another list (fabrikam's snapshot) or a made-up one: 400 naming $skiptoken
        given().auth().oauth2(Tokens.alice()).queryParam("$skiptoken", "bm9wZQ.AAAA")
                .get("/tenants/contoso/providers/Microsoft.Gallery/eventSnapshot" + GALLERY_API)
                .then().statusCode(400).body("error.target", org.hamcrest.Matchers.equalTo("$skiptoken"));
        given().auth().oauth2(Tokens.alice()).queryParam("$top", "0")
                .get("/tenants/contoso/providers/Microsoft.Gallery/eventSnapshot" + GALLERY_API)
                .then().statusCode(400).body("error.target", org.hamcrest.Matchers.equalTo("$top"));
    }

    /**
     * The forwarder sends a batch's public events inside the batch's transaction: a send the broker refuses (here a
     * record over the topic's {@code max.message.bytes}) rolls back the batch's inbox rows, and the batch is forwarded,
     * once, when the broker accepts it again, however long the refusal lasted (longer than the retries that once
     * gave a refused batch up and so lost it).
     */
    @Test
    void aBatchWhoseSendTheBrokerRefusesIsRolledBackAndForwardedOnceWhenTheBrokerAcceptsIt() throws Exception {
        String v = version(Realms.CONTOSO_SUBSCRIPTION);
        CloudEvent event = published(v, Realms.CONTOSO_SUBSCRIPTION, Realms.CONTOSO);
        bus.ensureTopics(List.of(Realms.CONTOSO)).await().atMost(Duration.ofSeconds(30));
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, CONTOSO_STREAM);
        try (Admin admin = Admin.create(TestInfra.shared().superUserProps())) {
            admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(new ConfigEntry(
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "64"), AlterConfigOp.OpType.SET)))).all().get();
            CompletableFuture<Void> forwarded;
            try {
                double refusedBefore = forwarder.refusedSends();
                forwarded = forwarder.forward(List.of(event.toJson())).subscribeAsCompletionStage();
                // refused more often than the forwarder once tried before it gave the batch up (8 retries)
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> forwarder.refusedSends() - refusedBefore >= 10 || forwarded.isDone());
                assertFalse(forwarded.isDone(), "the forwarder gave the refused batch up");
                assertEquals(0L, (long) AccessTestSupport.query("SELECT count(*) FROM forwarded_event WHERE "
                        + "event_id = ?", event.id(), rs -> rs.next() ? rs.getLong(1) : -1L),
                        "the refused batch's inbox row was rolled back");
            } finally {
                admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(new ConfigEntry(
                        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, ""), AlterConfigOp.OpType.DELETE)))).all().get();
            }
            forwarded.get(60, TimeUnit.SECONDS);
        }
        assertEquals(1L, (long) AccessTestSupport.query("SELECT count(*) FROM forwarded_event WHERE event_id = ?",
                event.id(), rs -> rs.next() ? rs.getLong(1) : -1L));
        List<CloudEvent> ours = stream(CONTOSO_STREAM, seen -> count(seen, v, PublicEvents.VERSION_PUBLISHED) >= 1);
        assertEquals(1, count(ours, v, PublicEvents.VERSION_PUBLISHED), () -> "contoso's stream: " + about(ours, v));
        // and the forwarder's own consumer goes on forwarding
        String next = version(Realms.CONTOSO_SUBSCRIPTION);
        TestEvents.publish(EventTypes.CATALOG_TOPIC, published(next, Realms.CONTOSO_SUBSCRIPTION, Realms.CONTOSO));
        stream(CONTOSO_STREAM, seen -> count(seen, next, PublicEvents.VERSION_PUBLISHED) == 1);
    }

    /** The raw records of {@code topics} from offset zero to their current end. */
    static List<String> readFromZero(List<String> topics) {
        Properties p = new Properties();
        p.putAll(TestInfra.shared().superUserProps());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "replay-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String t : topics) {
                c.partitionsFor(t).forEach(i -> parts.add(new TopicPartition(t, i.partition())));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    out.add(r.value());
                }
            }
        }
        return out;
    }

    /** Until the forwarder's group has committed the end of every internal topic it reads. */
    static void awaitForwarderCaughtUp() {
        try (Admin admin = Admin.create(TestInfra.shared().superUserProps())) {
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).until(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                        "access-service-public").partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, OffsetSpec> spec = new java.util.HashMap<>();
                committed.keySet().forEach(tp -> spec.put(tp, OffsetSpec.latest()));
                var ends = admin.listOffsets(spec).all().get();
                return !committed.isEmpty() && committed.entrySet().stream()
                        .allMatch(e -> e.getValue().offset() >= ends.get(e.getKey()).offset());
            });
        }
    }
}

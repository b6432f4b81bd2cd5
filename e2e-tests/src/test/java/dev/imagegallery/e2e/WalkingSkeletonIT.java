package dev.imagegallery.e2e;

import dev.imagegallery.devstack.LocalStack;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.devstack.Realms;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The foundation's walking skeleton through every hop, on the whole local stack with real Keycloak tokens: upload,
 * managed image, gallery, definition, version, replication to two regions, status back in the catalog, usage in
 * billing, and the refusals.
 */
class WalkingSkeletonIT extends StackIT {
    static final int OFFSET = 10_000;
    /** Managed images take the Compute resource provider's api-versions, never a gallery date. */
    static final String SUB = CONTOSO;
    static final long COPY_RATE = 16 << 20;
    static final Path SPANS = Path.of("target/stack/spans");
    static com.sun.net.httpserver.HttpServer otlp;
    static final List<byte[]> OTLP_REQUESTS = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeAll
    static void up() throws java.io.IOException {
        // copies held to 16 MiB/s, so the crash test can kill replication-service in the middle of one
        stack = own("target/stack", OFFSET)
                .env("replication-service", "GALLERY_STORE_MAX_COPY_BYTES_PER_SECOND", String.valueOf(COPY_RATE));
        // traces: billing-service exports OTLP/HTTP to a receiver in this test (as to Jaeger, a user's collector), the
        // others write their spans to a file of their own (JSON lines); exported five times a second
        otlp = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        otlp.createContext("/v1/traces", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            OTLP_REQUESTS.add(body);
            exchange.sendResponseHeaders(200, -1); // an empty ExportTraceServiceResponse
            exchange.close();
        });
        otlp.start();
        for (String svc : LocalStack.SERVICES) {
            stack.env(svc, "QUARKUS_OTEL_BSP_SCHEDULE_DELAY", "200ms");
            if (svc.equals("billing-service")) {
                stack.env(svc, "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + otlp.getAddress().getPort());
            } else {
                stack.env(svc, "GALLERY_TRACING_SPAN_FILE", SPANS.resolve(svc + ".jsonl").toAbsolutePath().toString());
            }
        }
        stack.start();
    }

    @AfterAll
    static void stopReceiver() {
        if (otlp != null) {
            otlp.stop(0);
        }
    }

    /** A Linux managed image {@code id} (in westeurope) from an uploaded blob; 201. */
    static void managedImage(String token, String id, String blobUri) {
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"properties\":{\"storageProfile\":{\"osDisk\":{"
                        + "\"osType\":\"Linux\",\"osState\":\"Generalized\",\"blobUri\":\"" + blobUri + "\"}}}}")
                .put(url("catalog-service", id + MI_API)).then().statusCode(201);
    }

    /** A gallery {@code id} with {@code body}; 201; answers its unique name. */
    static String gallery(String token, String id, String body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body)
                .put(url("catalog-service", id + API)).then().statusCode(201)
                .extract().path("properties.identifier.uniqueName");
    }

    /** A Linux image definition {@code id} published by contoso with {@code offer} and {@code sku}; 201. */
    static void definition(String token, String id, String offer, String sku) {
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"properties\":{\"osType\":\"Linux\",\"osState\":\"Generalized\","
                        + "\"identifier\":{\"publisher\":\"contoso\",\"offer\":\"" + offer + "\",\"sku\":\"" + sku
                        + "\"}}}")
                .put(url("catalog-service", id + API)).then().statusCode(201);
    }

    /**
     * A tenant's event subscriber, with real Keycloak: alice registers one for contoso (a client of the contoso realm
     * made through Keycloak's admin API), the sample subscriber (examples/public-subscriber) signs in with its client
     * credentials and receives alice's VersionPublished and ReplicaCompleted from contoso's stream, and nothing of
     * fabrikam; the same client with a wrong secret gets no token and sees no data.
     */
    @Test
    void aRegisteredSubscriberReceivesItsTenantsVersionEventsAndNothingElse() throws Exception {
        String alice = token(Realms.CONTOSO, "alice");
        String rg = "/subscriptions/" + SUB + "/resourceGroups/rg-subscriber";
        var registered = given().auth().oauth2(alice).contentType(ContentType.JSON).body("{}")
                .put(url("access-service", "/tenants/contoso/providers/Microsoft.Gallery/eventSubscribers/e2e-sub"
                        + "?api-version=2026-12-01")).then().statusCode(201).extract().jsonPath();
        String clientId = registered.getString("properties.clientId");
        String secret = registered.getString("properties.clientSecret");
        String tokenUrl = registered.getString("properties.tokenUrl");
        String topic = registered.getString("properties.topic");
        String bootstrap = registered.getString("properties.bootstrapServers");
        String group = registered.getString("properties.consumerGroupPrefix") + "e2e";
        dev.imagegallery.devstack.BusLayout.allowTokenUrl(tokenUrl);

        await().atMost(Duration.ofSeconds(60)).until(() -> given().auth().oauth2(alice)
                .get(url("replication-service", "/blobs/westeurope/" + SUB + "/missing")).statusCode() == 404);
        byte[] image = new byte[1024 * 1024];
        new Random(13).nextBytes(image);
        String blobUri = given().auth().oauth2(alice).body(image)
                .put(url("replication-service", "/blobs/westeurope/" + SUB + "/subscriber.raw")).then()
                .statusCode(201).extract().path("blobUri");
        String mi = rg + "/providers/Microsoft.Compute/images/sub-src";
        managedImage(alice, mi, blobUri);
        String gallery = rg + "/providers/Microsoft.Compute/galleries/subgallery";
        gallery(alice, gallery, "{\"location\":\"westeurope\"}");
        definition(alice, gallery + "/images/app", "sub", "1");
        String version = gallery + "/images/app/versions/1.0.0";
        given().auth().oauth2(alice).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"properties\":{\"publishingProfile\":{\"targetRegions\":["
                        + "{\"name\":\"westeurope\"}]},\"storageProfile\":{\"source\":{\"id\":\"" + mi + "\"}}}}")
                .put(url("catalog-service", version + API)).then().statusCode(201);

        List<com.fasterxml.jackson.databind.JsonNode> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        dev.imagegallery.examples.PublicSubscriber.run(dev.imagegallery.examples.PublicSubscriber.config(bootstrap,
                tokenUrl, clientId, secret, group), topic, got::add, () -> System.nanoTime() > deadline
                || (got.stream().anyMatch(e -> e.path("type").asText().equals("VersionPublished")
                        && e.path("subject").asText().equalsIgnoreCase(version))
                && got.stream().anyMatch(e -> e.path("type").asText().equals("ReplicaCompleted")
                        && e.path("subject").asText().equalsIgnoreCase(version))));
        assertTrue(got.stream().anyMatch(e -> e.path("type").asText().equals("VersionPublished")
                && e.path("subject").asText().equalsIgnoreCase(version)), () -> "received: " + got);
        assertTrue(got.stream().anyMatch(e -> e.path("type").asText().equals("ReplicaCompleted")
                && e.path("data").path("region").asText().equals("westeurope")
                && e.path("subject").asText().equalsIgnoreCase(version)), () -> "received: " + got);
        assertTrue(got.stream().noneMatch(e -> e.toString().contains(Realms.FABRIKAM_SUBSCRIPTION)
                && !e.path("type").asText().startsWith("GalleryShar")), "nothing of fabrikam");

        // a wrong secret: no token, no session, no data
        List<com.fasterxml.jackson.databind.JsonNode> none = new java.util.concurrent.CopyOnWriteArrayList<>();
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        try {
            dev.imagegallery.examples.PublicSubscriber.run(dev.imagegallery.examples.PublicSubscriber.config(bootstrap,
                    tokenUrl, clientId, "wrong-secret", group + "x"), topic, none::add, () -> System.nanoTime() > end);
        } catch (org.apache.kafka.common.KafkaException e) {
            // refused at sign-in: what a subscriber with bad credentials gets
        }
        assertTrue(none.isEmpty(), "no data without valid credentials");
    }

    /**
     * A subscriber's token runs out, with real Keycloak and the secured bus: alice registers a subscriber and its
     * client's tokens are made to live 30 s (the client attribute {@code access.token.lifespan}, as an administrator
     * sets it in Keycloak). Two readers of contoso's stream sign in as it: one that gets new tokens with the client's
     * credentials (Kafka's login refreshes them and re-authenticates), and one that has a single token and cannot get
     * another (a file, as a client whose credentials were revoked in Keycloak). The broker ends a session when its
     * token expires ({@code connections.max.reauth.ms} set: a session lives until the earlier of that bound and the
     * token's expiry): after the expiry the second reader is refused at sign-in and sees none of the events, the first
     * goes on reading. Then alice deletes the subscriber: its ACLs go first, so the first reader, its token still
     * valid, is refused at its next fetch and gets nothing more, and Keycloak gives the client no new token.
     */
    static final int LIFESPAN = 30;

    @Test
    void aSubscriberWhoseTokenExpiresIsDisconnectedUnlessItGetsANewOne() throws Exception {
        String alice = token(Realms.CONTOSO, "alice");
        String subscriber = "/tenants/contoso/providers/Microsoft.Gallery/eventSubscribers/e2e-expiring"
                + "?api-version=2026-12-01";
        var registered = given().auth().oauth2(alice).contentType(ContentType.JSON).body("{}")
                .put(url("access-service", subscriber)).then().statusCode(201).extract().jsonPath();
        String clientId = registered.getString("properties.clientId");
        String secret = registered.getString("properties.clientSecret");
        String tokenUrl = registered.getString("properties.tokenUrl");
        String topic = registered.getString("properties.topic");
        String bootstrap = registered.getString("properties.bootstrapServers");
        var keycloak = new dev.imagegallery.devstack.KeycloakAdmin("http://localhost:" + stack.keycloakPort(), "admin",
                "admin");
        keycloak.setAttribute(Realms.CONTOSO, clientId, "access.token.lifespan", String.valueOf(LIFESPAN));

        // the events: alice's share of a gallery with her own subscription, added and removed in turns (each change is
        // a GallerySharingChanged on contoso's stream); the first once access-service knows the gallery
        String gallery = "/subscriptions/" + SUB + "/resourceGroups/rg-expiring/providers/Microsoft.Compute/galleries/"
                + "expiring";
        gallery(alice, gallery, "{\"location\":\"westeurope\"}");
        String add = "{\"operationType\":\"Add\",\"groups\":[{\"type\":\"Subscriptions\",\"ids\":[\"" + SUB
                + "\"]}]}";
        String remove = add.replace("Add", "Remove");
        String shareUrl = url("access-service", gallery + "/share" + API);
        await().atMost(Duration.ofSeconds(60)).until(() -> given().auth().oauth2(alice).contentType(ContentType.JSON)
                .body(add).post(shareUrl).statusCode() == 200);

        // one token, in a file: the reader that cannot get another
        String once = keycloak.clientToken(Realms.CONTOSO, clientId, secret).orElseThrow();
        var claims = dev.imagegallery.devstack.KeycloakAdmin.claims(once);
        assertEquals(LIFESPAN, claims.path("exp").asLong() - claims.path("iat").asLong(), () -> "token: " + claims);
        Path tokenFile = java.nio.file.Files.createTempFile("subscriber-token", ".jwt");
        java.nio.file.Files.writeString(tokenFile, once);
        String fileUrl = tokenFile.toUri().toString();
        dev.imagegallery.devstack.BusLayout.allowTokenUrl(fileUrl);
        dev.imagegallery.devstack.BusLayout.allowTokenUrl(tokenUrl);
        java.util.Properties refreshing = subscriberProps(bootstrap);
        refreshing.put("sasl.oauthbearer.token.endpoint.url", tokenUrl);
        refreshing.put("sasl.oauthbearer.client.credentials.client.id", clientId);
        refreshing.put("sasl.oauthbearer.client.credentials.client.secret", secret);
        // short tokens: refresh at 80 % of their life, not Kafka's defaults (at least 60 s apart, 300 s early)
        refreshing.put("sasl.login.refresh.min.period.seconds", "1");
        refreshing.put("sasl.login.refresh.buffer.seconds", "1");
        java.util.Properties fixed = subscriberProps(bootstrap);
        fixed.put("sasl.oauthbearer.token.endpoint.url", fileUrl);
        fixed.put("sasl.oauthbearer.jwt.retriever.class",
                "org.apache.kafka.common.security.oauthbearer.FileJwtRetriever");

        try (StreamReader renewing = new StreamReader(refreshing, topic, gallery);
             StreamReader stuck = new StreamReader(fixed, topic, gallery)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> renewing.ready && stuck.ready);
            // before the token expires both read
            long first = System.currentTimeMillis();
            given().auth().oauth2(alice).contentType(ContentType.JSON).body(remove).post(shareUrl).then()
                    .statusCode(200);
            await().atMost(Duration.ofSeconds(20)).until(() -> renewing.since(first, false) == 1
                    && stuck.since(first, false) == 1);

            // after it: the reader that gets new tokens reads on; the one that cannot is refused and reads nothing
            Thread.sleep(Math.max(0, claims.path("exp").asLong() * 1000 - System.currentTimeMillis()) + 3_000);
            long second = System.currentTimeMillis();
            given().auth().oauth2(alice).contentType(ContentType.JSON).body(add).post(shareUrl).then().statusCode(200);
            await().atMost(Duration.ofSeconds(30)).until(() -> renewing.since(second, true) == 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> stuck.failure != null);
            assertTrue(stuck.failure instanceof org.apache.kafka.common.errors.AuthenticationException,
                    () -> "the reader with an expired token: " + stuck.failure);
            assertEquals(0, stuck.since(second), () -> "after its token expired: " + stuck.received);
            assertTrue(renewing.failure == null, () -> "the reader with new tokens: " + renewing.failure);

            // deleted: refused at its next fetch (no ACLs) though its token is valid, and no new token from Keycloak
            given().auth().oauth2(alice).delete(url("access-service", subscriber)).then().statusCode(200);
            long third = System.currentTimeMillis();
            given().auth().oauth2(alice).contentType(ContentType.JSON).body(remove).post(shareUrl).then()
                    .statusCode(200);
            await().atMost(Duration.ofSeconds(20)).until(() -> renewing.failure != null);
            assertTrue(renewing.failure instanceof org.apache.kafka.common.errors.AuthorizationException
                            || renewing.failure instanceof org.apache.kafka.common.errors.AuthenticationException,
                    () -> "the deleted subscriber's reader: " + renewing.failure);
            assertEquals(0, renewing.since(third), () -> "after its deletion: " + renewing.received);
            assertTrue(keycloak.clientToken(Realms.CONTOSO, clientId, secret).isEmpty(), "no new token");
        } finally {
            java.nio.file.Files.deleteIfExists(tokenFile);
        }
    }

    /** A subscriber's settings without a consumer group (its readers take every partition from the end). */
    static java.util.Properties subscriberProps(String bootstrap) {
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", "OAUTHBEARER");
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;");
        p.put("sasl.login.callback.handler.class",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler");
        p.put("key.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
        p.put("value.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
        return p;
    }

    /**
     * Reads a tenant's stream from its end in a thread of its own, keeping the {@code GallerySharingChanged} events of
     * one gallery, until closed or until the broker refuses it ({@link #failure}).
     */
    static final class StreamReader implements AutoCloseable {
        record Received(long at, com.fasterxml.jackson.databind.JsonNode event) {
        }

        final List<Received> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile boolean ready;
        volatile Throwable failure;
        private volatile boolean stop;
        private final Thread thread;

        StreamReader(java.util.Properties props, String topic, String gallery) {
            thread = new Thread(() -> {
                try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, String>(props)) {
                    List<org.apache.kafka.common.TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                            .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition())).toList();
                    consumer.assign(partitions);
                    consumer.seekToEnd(partitions);
                    partitions.forEach(consumer::position);
                    ready = true;
                    while (!stop) {
                        for (var r : consumer.poll(Duration.ofMillis(300))) {
                            var e = dev.imagegallery.events.Json.read(r.value(),
                                    com.fasterxml.jackson.databind.JsonNode.class);
                            if (e.path("type").asText().equals("GallerySharingChanged")
                                    && e.path("subject").asText().equalsIgnoreCase(gallery)) {
                                received.add(new Received(System.currentTimeMillis(), e));
                            }
                        }
                    }
                } catch (Throwable t) {
                    failure = t;
                }
            }, "stream-reader");
            thread.setDaemon(true);
            thread.start();
        }

        /** How many of the gallery's sharing states it received after {@code t}. */
        long since(long t) {
            return received.stream().filter(r -> r.at() >= t).count();
        }

        /** How many it received after {@code t} that share the gallery ({@code shared}) or share it with nobody. */
        long since(long t, boolean shared) {
            return received.stream().filter(r -> r.at() >= t
                    && r.event().path("data").path("shares").size() > 0 == shared).count();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(10_000);
        }
    }

    /**
     * The cross-tenant story with real Keycloak: alice shares a gallery with fabrikam, bob (fabrikam's administrator)
     * accepts, resolves latest through the share and downloads it; alice revokes the share; bob is refused.
     */
    @Test
    void aGalleryIsSharedAcceptedUsedAndRevokedAcrossTenants() throws Exception {
        String alice = token(Realms.CONTOSO, "alice");
        String bob = token(Realms.FABRIKAM, "bob");
        String rg = "/subscriptions/" + SUB + "/resourceGroups/rg-share";
        await().atMost(Duration.ofSeconds(60)).until(() -> given().auth().oauth2(alice)
                .get(url("catalog-service", rg + "/providers/Microsoft.Compute/galleries" + API)).statusCode() == 200);
        byte[] image = new byte[2 * 1024 * 1024];
        new Random(11).nextBytes(image);
        await().atMost(Duration.ofSeconds(60)).until(() -> given().auth().oauth2(alice)
                .get(url("replication-service", "/blobs/westeurope/" + SUB + "/missing")).statusCode() == 404);
        String blobUri = given().auth().oauth2(alice).body(image)
                .put(url("replication-service", "/blobs/westeurope/" + SUB + "/shared.raw")).then().statusCode(201)
                .extract().path("blobUri");
        String mi = rg + "/providers/Microsoft.Compute/images/shared-src";
        managedImage(alice, mi, blobUri);
        String gallery = rg + "/providers/Microsoft.Compute/galleries/sharedgallery";
        String unique = gallery(alice, gallery, "{\"location\":\"westeurope\"}");
        definition(alice, gallery + "/images/app", "shared", "1");
        String version = gallery + "/images/app/versions/1.0.0";
        given().auth().oauth2(alice).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"properties\":{\"publishingProfile\":{\"targetRegions\":["
                        + "{\"name\":\"westeurope\"}]},\"storageProfile\":{\"source\":{\"id\":\"" + mi + "\"}}}}")
                .put(url("catalog-service", version + API)).then().statusCode(201);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().auth().oauth2(alice)
                .get(url("catalog-service", version + API)).then().body("properties.provisioningState", is("Succeeded")));

        // alice shares with the fabrikam tenant (access-service learns the gallery from catalog's events first)
        String share = "{\"operationType\":\"Add\",\"groups\":[{\"type\":\"AADTenants\",\"ids\":[\"fabrikam\"]}]}";
        await().atMost(Duration.ofSeconds(60)).until(() -> given().auth().oauth2(alice).contentType(ContentType.JSON)
                .body(share).post(url("access-service", gallery + "/share" + API)).statusCode() == 200);
        String bobLoc = "/subscriptions/" + Realms.FABRIKAM_SUBSCRIPTION + "/providers/Microsoft.Compute/locations/westeurope";
        String resolve = url("catalog-service", bobLoc + "/resolveImageReference" + API);
        String ref = "{\"imageReference\":{\"sharedGalleryImageId\":\"/SharedGalleries/" + unique
                + "/Images/app/Versions/latest\"}}";
        // pending until fabrikam's administrator accepts
        given().auth().oauth2(bob).contentType(ContentType.JSON).body(ref).post(resolve).then().statusCode(404);
        String invitation = given().auth().oauth2(bob).get(url("access-service",
                        "/providers/Microsoft.Compute/sharingInvitations" + API)).then().statusCode(200)
                .extract().path("value.find { it.properties.galleryUniqueName == '" + unique + "' }.name");
        given().auth().oauth2(bob).post(url("access-service", "/providers/Microsoft.Compute/sharingInvitations/"
                + invitation + "/accept" + API)).then().statusCode(200);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth().oauth2(bob)
                .get(url("catalog-service", bobLoc + "/sharedGalleries" + API)).then().statusCode(200)
                .body("value.name", hasItem(unique)));
        String downloadUrl = given().auth().oauth2(bob).contentType(ContentType.JSON).body(ref).post(resolve).then()
                .statusCode(200).body("exactVersion", is("1.0.0")).extract().path("downloadUrl");
        String downloadPath = downloadUrl.substring(downloadUrl.indexOf("/download/"));
        byte[] got = await().atMost(Duration.ofSeconds(30)).until(() -> given().auth().oauth2(bob)
                .get(url("replication-service", downloadPath)).then().extract(),
                r -> r.statusCode() == 200).asByteArray();
        org.junit.jupiter.api.Assertions.assertArrayEquals(image, got);

        // alice revokes; bob is refused everywhere within seconds
        given().auth().oauth2(alice).contentType(ContentType.JSON)
                .body(share.replace("Add", "Remove")).post(url("access-service", gallery + "/share" + API))
                .then().statusCode(200);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            given().auth().oauth2(bob).contentType(ContentType.JSON).body(ref).post(resolve).then().statusCode(404);
            given().auth().oauth2(bob).get(url("replication-service", downloadPath)).then()
                    .statusCode(anyOf(is(403), is(404)));
        });
    }

    /**
     * replication-service is killed with SIGKILL in the middle of copying a 64 MiB version to eastus and started
     * again: the copy resumes from its last checkpoint (no progress report after the crash falls back more than one
     * checkpoint), completes, the content in eastus is byte for byte the upload, and the egress is counted once.
     */
    @Test
    void aCopyResumesAfterReplicationServiceIsKilledAndCountsEgressOnce() throws Exception {
        String alice = token(Realms.CONTOSO, "alice");
        String rg = "/subscriptions/" + SUB + "/resourceGroups/rg-crash";
        await().atMost(Duration.ofSeconds(60)).until(() -> given().auth().oauth2(alice)
                .get(url("catalog-service", rg + "/providers/Microsoft.Compute/galleries" + API)).statusCode() == 200);
        byte[] image = new byte[64 << 20];
        new Random(13).nextBytes(image);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        await().atMost(Duration.ofSeconds(60)).until(() -> given().auth().oauth2(alice)
                .get(url("replication-service", "/blobs/westeurope/" + SUB + "/missing")).statusCode() == 404);
        HttpResponse<String> up = http.send(HttpRequest.newBuilder(URI.create(url("replication-service",
                        "/blobs/westeurope/" + SUB + "/crash.raw"))).header("Authorization", "Bearer " + alice)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(image)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, up.statusCode(), up.body());
        String blobUri = url("replication-service", "/blobs/westeurope/" + SUB + "/crash.raw");
        String mi = rg + "/providers/Microsoft.Compute/images/crash-src";
        managedImage(alice, mi, blobUri);
        String gallery = rg + "/providers/Microsoft.Compute/galleries/crashgallery";
        gallery(alice, gallery, "{\"location\":\"westeurope\"}");
        definition(alice, gallery + "/images/app", "crash", "1");
        String version = gallery + "/images/app/versions/1.0.0";
        given().auth().oauth2(alice).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"properties\":{\"publishingProfile\":{\"targetRegions\":["
                        + "{\"name\":\"westeurope\"},{\"name\":\"eastus\"}]},"
                        + "\"storageProfile\":{\"source\":{\"id\":\"" + mi + "\"}}}}")
                .put(url("catalog-service", version + API)).then().statusCode(201);

        // at 16 MiB/s the copy to eastus takes about 4 s: kill the service once it is well under way
        String status = url("catalog-service", version + API + "&$expand=ReplicationStatus");
        int atKill = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            List<Map<String, Object>> summary = given().auth().oauth2(alice).get(status).then().statusCode(200)
                    .extract().path("properties.replicationStatus.summary");
            return summary.stream().filter(r -> "eastus".equals(r.get("region"))).findFirst()
                    .map(r -> r.get("progress") == null ? 0 : ((Number) r.get("progress")).intValue()).orElse(0);
        }, p -> p >= 15);
        assertTrue(atKill < 90, "killed mid-copy: " + atKill + "%");
        Instant killedAt = Instant.now();
        stack.crashAndRestart("replication-service");

        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> given().auth().oauth2(alice).get(status).then()
                .statusCode(200).body("properties.replicationStatus.aggregatedState", is("Completed")));
        String download = "/download/eastus" + version + API;
        HttpResponse<byte[]> got = http.send(HttpRequest.newBuilder(URI.create(url("replication-service", download)))
                .header("Authorization", "Bearer " + alice).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, got.statusCode());
        assertArrayEquals(image, got.body());

        List<CloudEvent> events = TestEvents.read(stack.superUserProps(), EventTypes.REPLICATION_TOPIC,
                Duration.ofSeconds(30), seen -> seen.stream().anyMatch(e -> e.subject().equalsIgnoreCase(version)
                        && e.type().equals(EventTypes.REPLICA_COMPLETED)
                        && e.dataAs(Payloads.ReplicaCompleted.class).region().equals("eastus")));
        Map<String, CloudEvent> byId = new java.util.LinkedHashMap<>(); // delivery is at least once: ids tell
        events.stream().filter(e -> e.subject().equalsIgnoreCase(version)).forEach(e -> byId.putIfAbsent(e.id(), e));
        long egress = byId.values().stream().filter(e -> e.type().equals(EventTypes.EGRESS_TRANSFERRED))
                .mapToLong(e -> e.dataAs(Payloads.EgressTransferred.class).bytes()).sum();
        assertEquals(image.length, egress, "egress westeurope to eastus counted once");
        List<Integer> after = byId.values().stream().filter(e -> e.type().equals(EventTypes.REPLICA_PROGRESS))
                .map(e -> e.dataAs(Payloads.ReplicaProgress.class))
                .filter(p -> p.region().equals("eastus") && p.reportedAt().isAfter(killedAt))
                .map(Payloads.ReplicaProgress::progress).toList();
        assertTrue(!after.isEmpty() && after.stream().allMatch(p -> p >= atKill - 10),
                "resumed from its checkpoint, not from the start: killed at " + atKill + "%, then " + after);
    }

    /**
     * Uploads {@code content} as blob {@code name} into westeurope and publishes it as {@code version} of the gallery's
     * definition {@code app}, replicated to westeurope and northeurope.
     */
    static void publishFromUpload(String token, String sub, String rg, String name, byte[] content, String gallery,
                                  String version) {
        String blobUri = given().auth().oauth2(token).body(content)
                .put(url("replication-service", "/blobs/westeurope/" + sub + "/" + name)).then().statusCode(201)
                .extract().path("blobUri");
        String mi = rg + "/providers/Microsoft.Compute/images/" + name.replace(".raw", "");
        managedImage(token, mi, blobUri);
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"properties\":{\"publishingProfile\":{\"targetRegions\":["
                        + "{\"name\":\"westeurope\"},{\"name\":\"northeurope\"}]},"
                        + "\"storageProfile\":{\"source\":{\"id\":\"" + mi + "\"}}}}")
                .put(url("catalog-service", gallery + "/images/app/versions/" + version + API)).then().statusCode(201);
    }

    static void awaitCompleted(String token, String versionId) {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().auth().oauth2(token)
                .get(url("catalog-service", versionId + API + "&$expand=ReplicationStatus")).then().statusCode(200)
                .body("properties.replicationStatus.aggregatedState", is("Completed")));
    }

    /**
     * Issue 12, defect 8, with real Keycloak tokens: alice (contoso) keeps a 64 KiB secret in northeurope; bob
     * (fabrikam) uploads the same bytes and publishes a version replicating there, beside one of random bytes of the
     * same size. His usage bills both the same egress: what he pays says nothing about what alice stores.
     */
    @Test
    void aTenantsBillDoesNotDependOnWhatAnotherTenantStores() throws Exception {
        String alice = token(Realms.CONTOSO, "alice");
        String bob = token(Realms.FABRIKAM, "bob");
        byte[] secret = new byte[64 * 1024];
        new Random(17).nextBytes(secret);
        byte[] control = new byte[64 * 1024];
        new Random(19).nextBytes(control);

        String aliceRg = "/subscriptions/" + SUB + "/resourceGroups/rg-secret";
        await().atMost(Duration.ofSeconds(60)).until(() -> given().auth().oauth2(alice)
                .get(url("catalog-service", aliceRg + "/providers/Microsoft.Compute/galleries" + API))
                .statusCode() == 200);
        await().atMost(Duration.ofSeconds(60)).until(() -> given().auth().oauth2(alice)
                .get(url("replication-service", "/blobs/westeurope/" + SUB + "/missing")).statusCode() == 404);
        String aliceGallery = aliceRg + "/providers/Microsoft.Compute/galleries/secretgallery";
        gallery(alice, aliceGallery, "{\"location\":\"westeurope\"}");
        definition(alice, aliceGallery + "/images/app", "secret", "1");
        publishFromUpload(alice, SUB, aliceRg, "secret.raw", secret, aliceGallery, "1.0.0");
        awaitCompleted(alice, aliceGallery + "/images/app/versions/1.0.0");

        String fab = Realms.FABRIKAM_SUBSCRIPTION;
        String bobRg = "/subscriptions/" + fab + "/resourceGroups/rg-guess";
        await().atMost(Duration.ofSeconds(60)).until(() -> given().auth().oauth2(bob)
                .get(url("catalog-service", bobRg + "/providers/Microsoft.Compute/galleries" + API))
                .statusCode() == 200);
        await().atMost(Duration.ofSeconds(60)).until(() -> given().auth().oauth2(bob)
                .get(url("replication-service", "/blobs/westeurope/" + fab + "/missing")).statusCode() == 404);
        String bobGallery = bobRg + "/providers/Microsoft.Compute/galleries/guessgallery";
        gallery(bob, bobGallery, "{\"location\":\"westeurope\"}");
        definition(bob, bobGallery + "/images/app", "guess", "1");
        publishFromUpload(bob, fab, bobRg, "guess.raw", secret, bobGallery, "1.0.0");
        publishFromUpload(bob, fab, bobRg, "control.raw", control, bobGallery, "2.0.0");
        String guess = bobGallery + "/images/app/versions/1.0.0";
        String random = bobGallery + "/images/app/versions/2.0.0";
        awaitCompleted(bob, guess);
        awaitCompleted(bob, random);

        String usage = "/subscriptions/" + fab + "/providers/Microsoft.Consumption/usageDetails?api-version=2023-05-01";
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            List<Map<String, Object>> lines = given().auth().oauth2(bob).get(url("billing-service", usage))
                    .then().statusCode(200).extract().path("value.properties");
            double guessed = egress(lines, guess);
            double randomBytes = egress(lines, random);
            assertTrue(randomBytes > 0, "random bytes are billed egress: " + lines);
            assertEquals(randomBytes, guessed, 1e-12, "the same egress for alice's secret: " + lines);
        });
    }

    /** GiB of egress billed for one version. */
    static double egress(List<Map<String, Object>> lines, String versionId) {
        return lines.stream().filter(l -> "Bandwidth".equals(l.get("meterCategory"))
                        && versionId.equalsIgnoreCase(String.valueOf(l.get("resourceId"))))
                .mapToDouble(l -> ((Number) l.get("quantity")).doubleValue()).sum();
    }

    @Test
    void aVersionTravelsThroughEveryService() throws Exception {
        String alice = token(Realms.CONTOSO, "alice");
        String carol = token(Realms.CONTOSO, "carol");
        String bob = token(Realms.FABRIKAM, "bob");

        given().auth().oauth2(alice).get(url("access-service", "/subscriptions?api-version=2022-12-01"))
                .then().statusCode(200)
                .body("value[0].id", is("/subscriptions/" + SUB))
                .body("value[0].subscriptionId", is(SUB))
                .body("value[0].tenantId", is("contoso"));

        // the grants reach catalog-service and replication-service through Kafka
        String rg = "/subscriptions/" + SUB + "/resourceGroups/rg-e2e";
        await().atMost(Duration.ofSeconds(60)).until(() -> given().auth().oauth2(alice)
                .get(url("catalog-service", rg + "/providers/Microsoft.Compute/galleries" + API)).statusCode() == 200);

        byte[] image = new byte[4 * 1024 * 1024];
        new Random(7).nextBytes(image);
        java.util.Arrays.fill(image, 1024 * 1024, 2 * 1024 * 1024, (byte) 0);
        String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image));
        await().atMost(Duration.ofSeconds(60)).until(() -> given().auth().oauth2(alice)
                .get(url("replication-service", "/blobs/westeurope/" + SUB + "/missing")).statusCode() == 404);
        String blobUri = given().auth().oauth2(alice).header("X-Content-SHA256", "sha256:" + hex).body(image)
                .put(url("replication-service", "/blobs/westeurope/" + SUB + "/ubuntu-22.04.raw"))
                .then().statusCode(201)
                .body("digest", is("sha256:" + hex))
                .body("sizeBytes", is(image.length))
                .body("region", is("westeurope"))
                .extract().path("blobUri");

        String mi = rg + "/providers/Microsoft.Compute/images/ubuntu-src";
        // created right after the upload: catalog knows the blob from replication's BlobCommitted (or waits for it)
        managedImage(alice, mi, blobUri);
        // a blob nobody uploaded is no source
        given().auth().oauth2(alice).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"properties\":{\"storageProfile\":{\"osDisk\":{"
                        + "\"osType\":\"Linux\",\"osState\":\"Generalized\",\"blobUri\":\""
                        + blobUri.replace("ubuntu-22.04.raw", "never-uploaded.raw") + "\"}}}}")
                .put(url("catalog-service", rg + "/providers/Microsoft.Compute/images/ghost" + MI_API))
                .then().statusCode(400).body("error.target", is("properties.storageProfile.osDisk.blobUri"));
        String gallery = rg + "/providers/Microsoft.Compute/galleries/e2egallery";
        gallery(alice, gallery, "{\"location\":\"westeurope\",\"properties\":{\"description\":\"e2e\"}}");
        definition(alice, gallery + "/images/ubuntu", "ubuntu", "22_04");
        String version = gallery + "/images/ubuntu/versions/1.0.0";
        String trace = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(version.getBytes()))
                .substring(0, 32);
        given().auth().oauth2(alice).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"properties\":{\"publishingProfile\":{\"targetRegions\":["
                        + "{\"name\":\"westeurope\",\"regionalReplicaCount\":1},"
                        + "{\"name\":\"northeurope\",\"regionalReplicaCount\":1}]},"
                        + "\"storageProfile\":{\"source\":{\"id\":\"" + mi + "\"}}}}")
                .header("traceparent", "00-" + trace + "-00f067aa0ba902b7-01") // the test starts the trace
                .put(url("catalog-service", version + API)).then().statusCode(201)
                .body("properties.provisioningState", is("Creating"));

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().auth().oauth2(alice)
                .get(url("catalog-service", version + API + "&$expand=ReplicationStatus")).then().statusCode(200)
                .body("properties.provisioningState", is("Succeeded"))
                .body("properties.replicationStatus.aggregatedState", is("Completed"))
                .body("properties.replicationStatus.summary.state", is(List.of("Completed", "Completed"))));

        String usage = "/subscriptions/" + SUB + "/providers/Microsoft.Consumption/usageDetails?api-version=2023-05-01";
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().auth().oauth2(alice)
                .get(url("billing-service", usage)).then().statusCode(200)
                .body("value.properties.resourceLocation", hasItem("westeurope"))
                .body("value.properties.resourceLocation", hasItem("northeurope"))
                .body("value.properties.meterCategory", hasItem("Bandwidth")));
        List<Map<String, Object>> lines = given().auth().oauth2(alice).get(url("billing-service", usage))
                .then().extract().path("value.properties");
        assertTrue(lines.stream().anyMatch(l -> "Bandwidth".equals(l.get("meterCategory"))
                && ((Number) l.get("quantity")).doubleValue() > 0), "egress westeurope to northeurope: " + lines);

        // one trace from the version PUT: VersionPublished relayed and consumed by replication, its copy to
        // northeurope, ReplicaCompleted relayed and consumed by catalog (the status) and billing (the line)
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<Map<String, Object>> spans = spansOf(trace);
            assertTrue(has(spans, "catalog-service", "SERVER", null), "the PUT: " + spans);
            assertTrue(has(spans, "catalog-service", "PRODUCER", null), "catalog's relay: " + spans);
            assertTrue(has(spans, "replication-service", "CONSUMER", EventTypes.VERSION_PUBLISHED), "plan: " + spans);
            assertTrue(spans.stream().anyMatch(sp -> "replication-service".equals(sp.get("service"))
                    && "replicate northeurope".equals(sp.get("name"))), "the copy: " + spans);
            assertTrue(has(spans, "replication-service", "PRODUCER", null), "replication's relay: " + spans);
            assertTrue(has(spans, "catalog-service", "CONSUMER", EventTypes.REPLICA_COMPLETED), "status: " + spans);
            // billing's spans went to the OTLP receiver (protobuf: the trace id as its 16 bytes, the span names)
            byte[] id = HexFormat.of().parseHex(trace);
            assertTrue(OTLP_REQUESTS.stream().anyMatch(b -> contains(b, id)
                    && contains(b, "billing-service".getBytes()) && contains(b, "process".getBytes())
                    && contains(b, EventTypes.REPLICA_COMPLETED.getBytes())), "billing's line, exported over OTLP");
        });

        // carol holds no role in the subscription: 404, as for another tenant
        given().auth().oauth2(carol).get(url("catalog-service", gallery + API)).then().statusCode(404);
        given().auth().oauth2(bob).get(url("catalog-service", gallery + API)).then()
                .statusCode(anyOf(is(403), is(404)));
        given().get(url("catalog-service", gallery + API)).then().statusCode(401);
        given().auth().oauth2(carol).get(url("billing-service", usage)).then().statusCode(404);
    }

    /** The spans of {@code traceId} that the services wrote to their span files. */
    static List<Map<String, Object>> spansOf(String traceId) throws java.io.IOException {
        List<Map<String, Object>> spans = new java.util.ArrayList<>();
        for (String svc : LocalStack.SERVICES) {
            Path file = SPANS.resolve(svc + ".jsonl");
            if (!java.nio.file.Files.exists(file)) {
                continue;
            }
            for (String line : java.nio.file.Files.readAllLines(file)) {
                if (line.contains(traceId)) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> span = dev.imagegallery.events.Json.MAPPER.readValue(line, Map.class);
                    if (traceId.equals(span.get("traceId"))) {
                        spans.add(span);
                    }
                }
            }
        }
        return spans;
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** Whether {@code spans} hold one of {@code service} of {@code kind} (about an event of {@code type}, if given). */
    static boolean has(List<Map<String, Object>> spans, String service, String kind, String type) {
        return spans.stream().anyMatch(sp -> service.equals(sp.get("service")) && kind.equals(sp.get("kind"))
                && (type == null || type.equals(((Map<?, ?>) sp.get("attributes")).get("cloudevents.event_type"))));
    }


    /**
     * The front door over HTTPS, trusted through the stack's own CA, in front of the real services: subscriptions
     * (access-service), a gallery (catalog-service) and an upload (replication-service) answer as on their own
     * ports, with ARM's request ids; bad input is the service's own ARM error naming the field; a path no service
     * serves is the door's ARM 404.
     */
    @Test
    void throughTheFrontDoorEachServiceAnswersAsItselfOverHttps() throws Exception {
        String alice = token(Realms.CONTOSO, "alice");
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        try (var in = java.nio.file.Files.newInputStream(stack.tls().trustStore())) {
            trust.load(in, dev.imagegallery.devstack.LocalTls.TRUSTSTORE_PASSWORD.toCharArray());
        }
        var tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        var ssl = javax.net.ssl.SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        HttpClient door = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();
        java.util.function.Function<String, HttpRequest.Builder> at = path -> HttpRequest
                .newBuilder(URI.create(stack.doorUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + alice);

        // a fresh stack's services learn alice's grants through Kafka within seconds
        await().atMost(Duration.ofSeconds(60)).until(() -> door.send(at.apply("/subscriptions/" + SUB
                + "/providers/Microsoft.Compute/galleries" + API).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode() == 200);
        HttpResponse<String> subs = door.send(at.apply("/subscriptions?api-version=2022-12-01")
                .header("x-ms-correlation-request-id", "e2e-door").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, subs.statusCode(), subs.body());
        assertTrue(subs.body().contains(SUB), subs.body());
        assertTrue(subs.headers().firstValue("x-ms-request-id").isPresent());
        assertEquals("e2e-door", subs.headers().firstValue("x-ms-correlation-request-id").orElseThrow());

        String rg = "/subscriptions/" + SUB + "/resourceGroups/rg-door";
        String gallery = rg + "/providers/Microsoft.Compute/galleries/doorgallery";
        HttpResponse<String> created = door.send(at.apply(gallery + API).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"location\":\"westeurope\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());
        HttpResponse<String> bad = door.send(at.apply(gallery + "/images/bad" + API)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(
                        "{\"location\":\"westeurope\",\"properties\":{\"osType\":\"Plan9\",\"osState\":"
                                + "\"Generalized\",\"identifier\":{\"publisher\":\"p\",\"offer\":\"o\",\"sku\":\"s\"}}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        String direct = given().auth().oauth2(alice).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"properties\":{\"osType\":\"Plan9\",\"osState\":"
                        + "\"Generalized\",\"identifier\":{\"publisher\":\"p\",\"offer\":\"o\",\"sku\":\"s\"}}}")
                .put(url("catalog-service", gallery + "/images/bad" + API)).then().statusCode(400)
                .extract().path("error.target");
        assertEquals(400, bad.statusCode(), bad.body());
        assertTrue(bad.body().contains("\"target\":\"" + direct + "\""), "the service's own error: " + bad.body());

        byte[] image = new byte[256 * 1024];
        new Random(7).nextBytes(image);
        HttpResponse<String> upload = door.send(at.apply("/blobs/westeurope/" + SUB + "/through-the-door.raw")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(image)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, upload.statusCode(), upload.body());

        HttpResponse<String> none = door.send(at.apply("/nowhere").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, none.statusCode());
        assertTrue(none.body().contains("\"code\":\"NotFound\""), none.body());
    }

    /**
     * Other machines reach the local stack through the door's https alone: the services' own ports (plain HTTP,
     * bearer tokens in clear), every management port (health, metrics), the door's http twin, Keycloak and Kafka
     * listen on this machine only. Each of them answers on 127.0.0.1, so none is refused for being down.
     */
    @Test
    void fromAnotherMachineOnlyTheDoorsHttpsIsReachable() throws Exception {
        java.net.InetAddress outside = java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())
                .stream().filter(i -> {
                    try {
                        return i.isUp() && !i.isLoopback();
                    } catch (java.net.SocketException e) {
                        return false;
                    }
                })
                .flatMap(i -> i.inetAddresses()).filter(a -> a instanceof java.net.Inet4Address)
                .findFirst().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(outside != null, "this machine has no address but loopback");
        java.net.InetAddress here = java.net.InetAddress.getByName(LocalStack.LOOPBACK);

        int https = URI.create(stack.doorUrl()).getPort();
        assertTrue(accepts(outside, https), "the door's https on " + outside.getHostAddress());
        java.util.Map<String, Integer> inside = new java.util.LinkedHashMap<>();
        for (String svc : LocalStack.SERVICES) {
            inside.put(svc, stack.servicePort(svc));
            inside.put(svc + " management", URI.create(stack.managementUrl(svc)).getPort());
        }
        inside.put("the door's http twin", URI.create(stack.doorHttpUrl()).getPort());
        inside.put("the door's management", stack.port(LocalStack.DOOR_MANAGEMENT_PORT));
        inside.put("Keycloak", stack.keycloakPort());
        inside.put("Kafka", Integer.parseInt(stack.kafkaBootstrap().replaceAll(".*:", "")));
        inside.forEach((what, port) -> {
            assertTrue(accepts(here, port), what + " on 127.0.0.1:" + port);
            assertTrue(!accepts(outside, port), what + " must not listen on " + outside.getHostAddress() + ":" + port);
        });
    }

    private static boolean accepts(java.net.InetAddress address, int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(address, port), 3000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * Issue 13: whoever reaches the broker cannot make anyone Owner. A RoleAssignmentCreated that would make carol
     * (no role) Owner of contoso's subscription is refused with another service's credentials, with none, and with a
     * user's API token; no service grants her anything, and no read model holds the assignment.
     */
    @Test
    void aForgedGrantIsRefusedByTheBusAndGrantsNothing() throws Exception {
        String assignment = java.util.UUID.randomUUID().toString();
        String scope = "/subscriptions/" + SUB;
        CloudEvent forged = CloudEvent.of("/services/access-service", EventTypes.ROLE_ASSIGNMENT_CREATED,
                scope + "/providers/Microsoft.Authorization/roleAssignments/" + assignment,
                new Payloads.RoleAssignment(assignment, Realms.CONTOSO, scope, Realms.CAROL, "User",
                        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"));

        // another service's credentials: signed in, and refused by the ACLs
        assertTrue(sendFails(stack.busClientProps("catalog-service"), forged)
                instanceof org.apache.kafka.common.errors.TopicAuthorizationException);
        // no credentials at all: the broker only speaks SASL
        java.util.Properties none = new java.util.Properties();
        none.put("bootstrap.servers", stack.kafkaBootstrap());
        assertTrue(sendFails(none, forged) != null);
        // a user's token of the API is not a bus token (audience gallery-api, not kafka-broker)
        java.nio.file.Path file = java.nio.file.Files.createTempFile("alice", ".jwt");
        java.nio.file.Files.writeString(file, token(Realms.CONTOSO, "alice"));
        dev.imagegallery.devstack.BusLayout.allowTokenUrl(file.toUri().toString());
        java.util.Properties userToken = dev.imagegallery.devstack.BusLayout.clientProps(stack.kafkaBootstrap(),
                file.toUri().toString(), "x", "x");
        assertTrue(sendFails(userToken, forged) instanceof org.apache.kafka.common.errors.SaslAuthenticationException);

        String carol = token(Realms.CONTOSO, "carol");
        Thread.sleep(3000); // what a forged event that got through would have needed to reach the read models
        given().auth().oauth2(carol).get(url("catalog-service", scope + "/providers/Microsoft.Compute/galleries"
                + API)).then().statusCode(404);
        given().auth().oauth2(carol).get(url("access-service", scope + "/providers/Microsoft.Authorization/"
                + "roleAssignments?api-version=2022-04-01")).then().statusCode(404);
        for (String service : List.of("catalog-service", "replication-service", "billing-service", "access-service")) {
            try (java.sql.Connection db = stack.database(service)) {
                String table = service.equals("access-service") ? "role_assignment" : "grant_view";
                try (var st = db.prepareStatement("SELECT count(*) FROM " + table + " WHERE principal_id = ?")) {
                    st.setString(1, Realms.CAROL);
                    try (var rs = st.executeQuery()) {
                        rs.next();
                        assertEquals(0, rs.getLong(1), service + " holds a grant for carol");
                    }
                }
            }
        }
    }

    /** The error sending {@code event} to the grants topic with these client settings ended in (null: it was sent). */
    static Throwable sendFails(java.util.Properties client, CloudEvent event) {
        return send(client, EventTypes.ACCESS_TOPIC, event);
    }
}

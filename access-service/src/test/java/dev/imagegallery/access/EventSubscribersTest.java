package dev.imagegallery.access;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegallery.devstack.Hostile;
import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.KeycloakAdmin;
import dev.imagegallery.devstack.KeycloakResource;
import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Registering a tenant's event subscribers: a confidential client of the tenant's realm in real Keycloak (devstack's
 * {@link KeycloakResource}: access-service drives its admin API, the tests look at what Keycloak holds and at the
 * tokens it issues), the connection settings with the secret once, only by the tenant's administrators, bad input a
 * 400 naming the field. An unavailable IdP: {@link IdentityProviderDownTest}.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "access"),
        scope = TestResourceScope.MATCHING_RESOURCES)
@WithTestResource(value = KeycloakResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class EventSubscribersTest {
    static final String API = "?api-version=2026-12-01";
    static final String BASE = "/tenants/contoso/providers/Microsoft.Gallery/eventSubscribers/";

    static String name() {
        return "sub-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static KeycloakAdmin keycloak() {
        return KeycloakResource.admin();
    }

    static Response put(String token, String name, String body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body).put(BASE + name + API);
    }

    @Test
    void anAdministratorRegistersASubscriberAndSeesItsSecretOnlyOnce() {
        String name = name();
        Response created = put(Tokens.alice(), name, "{\"properties\":{\"description\":\"billing sync\"}}");
        created.then().statusCode(201)
                .body("id", is(BASE + name))
                .body("type", is("Microsoft.Gallery/eventSubscribers"))
                .body("properties.provisioningState", is("Succeeded"))
                .body("properties.clientId", is(name))
                .body("properties.principal", is("User:contoso/" + name))
                .body("properties.topic", is("gallery.public.contoso.v1"))
                .body("properties.consumerGroupPrefix", is("contoso." + name + "."))
                .body("properties.saslMechanism", is("OAUTHBEARER"))
                .body("properties.tokenUrl", is(KeycloakResource.url()
                        + "/realms/contoso/protocol/openid-connect/token"))
                .body("properties.bootstrapServers", not(emptyOrNullString()))
                .body("properties.clientSecret", not(emptyOrNullString()));
        String secret = created.jsonPath().getString("properties.clientSecret");
        assertTrue(secret.length() >= 40, "a secret of 256 random bits");

        // the client in the tenant's realm: confidential, a service account only, tokens with the broker's audience
        // that live 5 minutes
        JsonNode client = keycloak().client("contoso", name).orElseThrow();
        assertEquals(secret, keycloak().secret("contoso", name));
        assertEquals(false, client.path("publicClient").asBoolean());
        assertEquals(true, client.path("serviceAccountsEnabled").asBoolean());
        assertEquals(false, client.path("standardFlowEnabled").asBoolean());
        assertEquals(false, client.path("implicitFlowEnabled").asBoolean());
        assertEquals(false, client.path("directAccessGrantsEnabled").asBoolean());
        assertEquals("300", client.path("attributes").path("access.token.lifespan").asText());
        assertTrue(client.path("protocolMappers").findValuesAsText("included.custom.audience").contains("kafka-broker"),
                () -> "an audience mapper: " + client.path("protocolMappers"));
        JsonNode claims = KeycloakAdmin.claims(keycloak().clientToken("contoso", name, secret).orElseThrow());
        assertTrue(claims.path("aud").toString().contains("\"kafka-broker\""), () -> "audience: " + claims);
        assertEquals(name, claims.path("azp").asText());
        assertEquals(300, claims.path("exp").asLong() - claims.path("iat").asLong());

        given().auth().oauth2(Tokens.alice()).get(BASE + name + API).then().statusCode(200)
                .body("properties.clientSecret", nullValue()).body("properties.description", is("billing sync"));
        put(Tokens.alice(), name, "{}").then().statusCode(200).body("properties.clientSecret", nullValue());
        // a PUT of the subscriber with another description changes it (it was answered 200 and dropped); its
        // credentials stay as they were
        put(Tokens.alice(), name, "{\"properties\":{\"description\":\"billing and audit sync\"}}").then()
                .statusCode(200).body("properties.description", is("billing and audit sync"))
                .body("properties.clientSecret", nullValue());
        given().auth().oauth2(Tokens.alice()).get(BASE + name + API).then().statusCode(200)
                .body("properties.description", is("billing and audit sync"));
        assertEquals(secret, keycloak().secret("contoso", name));
        given().auth().oauth2(Tokens.alice()).get(BASE.substring(0, BASE.length() - 1) + API).then().statusCode(200)
                .body("value.name", hasItem(name));

        given().auth().oauth2(Tokens.alice()).delete(BASE + name + API).then().statusCode(200);
        assertTrue(keycloak().client("contoso", name).isEmpty(), "the client is gone from the realm");
        assertTrue(keycloak().clientToken("contoso", name, secret).isEmpty(), "no token for it any more");
        given().auth().oauth2(Tokens.alice()).get(BASE + name + API).then().statusCode(404)
                .body("error.code", is("SubscriberNotFound"));
        given().auth().oauth2(Tokens.alice()).delete(BASE + name + API).then().statusCode(204);
    }

    /** Polls {@code topic} as the subscriber in {@code group}: the events it got, or the error the broker answered. */
    static Object poll(java.util.Properties client, String group, String topic) {
        java.util.Properties p = new java.util.Properties();
        p.putAll(client);
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.StringDeserializer.class.getName());
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.StringDeserializer.class.getName());
        try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<String, String>(p)) {
            c.subscribe(List.of(topic));
            List<String> got = new ArrayList<>();
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (got.isEmpty() && System.nanoTime() < end) {
                c.poll(Duration.ofMillis(300)).forEach(r -> got.add(r.value()));
            }
            return got;
        } catch (org.apache.kafka.common.KafkaException e) {
            return e;
        }
    }

    @Test
    void aRegisteredSubscriberReadsItsTenantsStreamAndNothingElse() {
        String name = name();
        Response created = put(Tokens.alice(), name, "{}");
        created.then().statusCode(201);
        String topic = created.jsonPath().getString("properties.topic");
        String group = created.jsonPath().getString("properties.consumerGroupPrefix") + "main";
        // the tests' broker takes the test issuer's tokens (every service's tests sign in there): it issues this
        // client's tokens here; that Keycloak issues them for the secret the registration answered is shown above, and
        // the end-to-end suite reads with Keycloak's tokens (WalkingSkeletonIT)
        String secret = dev.imagegallery.devstack.TestIssuer.shared().registerClient("contoso", name);
        var client = dev.imagegallery.devstack.BusLayout.clientProps(
                dev.imagegallery.devstack.TestInfra.shared().kafkaBootstrap(),
                dev.imagegallery.devstack.TestIssuer.shared().tokenUrl("contoso"), name, secret);
        String v = PublicStreamsTest.version(Realms.CONTOSO_SUBSCRIPTION);
        dev.imagegallery.devstack.TestEvents.publish(dev.imagegallery.events.EventTypes.CATALOG_TOPIC,
                PublicStreamsTest.published(v, Realms.CONTOSO_SUBSCRIPTION, "contoso"));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(40)).until(() -> poll(client, group, topic)
                instanceof List<?> l && !l.isEmpty());
        Object theirs = poll(client, group, dev.imagegallery.events.PublicEvents.topicOf("fabrikam"));
        assertTrue(theirs instanceof org.apache.kafka.common.errors.TopicAuthorizationException,
                () -> "fabrikam's stream: " + theirs);
        Object internal = poll(client, group, dev.imagegallery.events.EventTypes.ACCESS_TOPIC);
        assertTrue(internal instanceof org.apache.kafka.common.errors.TopicAuthorizationException,
                () -> "the grants topic: " + internal);
        Object otherGroup = poll(client, "contoso." + name + "x.main", topic);
        assertTrue(otherGroup instanceof org.apache.kafka.common.errors.GroupAuthorizationException,
                () -> "a group outside its prefix: " + otherGroup);

        given().auth().oauth2(Tokens.alice()).delete(BASE + name + API).then().statusCode(200);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> poll(client, group + "2", topic)
                instanceof org.apache.kafka.common.errors.TopicAuthorizationException);
    }

    /**
     * Once the DELETE of a subscriber has answered, its reader gets nothing written after. A reader always has a fetch
     * waiting at the broker (500 ms, Kafka's default), authorized when it arrived and answered with what is written
     * while it waits: the DELETE answered as soon as the controller took the ACLs' removal, so an event written right
     * after reached the reader through the fetch already waiting (the end-to-end suite, once in CI). It answers now
     * once the broker holds no ACL of the subscriber and such a fetch has ended. Three subscribers in turn: before, an
     * event reached most of them.
     */
    @Test
    void aDeletedSubscribersReaderGetsNothingWrittenAfterTheDeleteAnswered() throws Exception {
        java.util.Properties writer = dev.imagegallery.devstack.TestInfra.shared().superUserProps();
        writer.put("key.serializer", org.apache.kafka.common.serialization.StringSerializer.class.getName());
        writer.put("value.serializer", org.apache.kafka.common.serialization.StringSerializer.class.getName());
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(writer)) {
            for (int round = 0; round < 3; round++) {
                String name = name();
                Response created = put(Tokens.alice(), name, "{}");
                created.then().statusCode(201);
                String topic = created.jsonPath().getString("properties.topic");
                String secret = dev.imagegallery.devstack.TestIssuer.shared().registerClient("contoso", name);
                var client = dev.imagegallery.devstack.BusLayout.clientProps(
                        dev.imagegallery.devstack.TestInfra.shared().kafkaBootstrap(),
                        dev.imagegallery.devstack.TestIssuer.shared().tokenUrl("contoso"), name, secret);
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, "warm-up", "{}")).get();
                try (Tail reader = new Tail(client, topic)) {
                    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> reader.polled > 2);
                    given().auth().oauth2(Tokens.alice()).delete(BASE + name + API).then().statusCode(200);
                    String after = "after-delete-" + name;
                    producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, after, after)).get();
                    Thread.sleep(1_500);
                    assertTrue(!reader.values.contains(after), () -> "written after the DELETE answered, read: "
                            + reader.values);
                    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                            .until(() -> reader.failure != null);
                }
            }
        }
    }

    /** Reads a topic's partitions from their end in a thread of its own until closed or refused. */
    static final class Tail implements AutoCloseable {
        final List<String> values = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile int polled;
        volatile Exception failure;
        private volatile boolean stop;
        private final Thread thread;

        Tail(java.util.Properties client, String topic) {
            java.util.Properties p = new java.util.Properties();
            p.putAll(client);
            p.put("key.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
            p.put("value.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
            thread = new Thread(() -> {
                try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<String, String>(p)) {
                    var partitions = c.partitionsFor(topic).stream().map(i -> new org.apache.kafka.common
                            .TopicPartition(topic, i.partition())).toList();
                    c.assign(partitions);
                    c.seekToEnd(partitions);
                    while (!stop) {
                        c.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                        polled++;
                    }
                } catch (Exception e) {
                    failure = e;
                }
            }, "tail-" + topic);
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(10_000);
        }
    }

    @Test
    void onlyAnAdministratorOfTheTenantManagesItsSubscribers() {
        String name = name();
        // bob administers fabrikam: contoso does not exist for him
        put(Tokens.bob(), name, "{}").then().statusCode(404).body("error.code", is("TenantNotFound"));
        given().auth().oauth2(Tokens.bob()).get(BASE + name + API).then().statusCode(404);
        given().auth().oauth2(Tokens.bob()).delete(BASE + name + API).then().statusCode(404);
        // carol is of contoso but holds no Owner role
        put(Tokens.carol(), name, "{}").then().statusCode(403).body("error.code", is("AuthorizationFailed"));
        given().auth().oauth2(Tokens.carol()).get(BASE.substring(0, BASE.length() - 1) + API).then()
                .statusCode(403);
        given().contentType(ContentType.JSON).body("{}").put(BASE + name + API).then().statusCode(401);
        // alice of contoso cannot register for fabrikam
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body("{}")
                .put("/tenants/fabrikam/providers/Microsoft.Gallery/eventSubscribers/" + name + API).then()
                .statusCode(404).body("error.code", is("TenantNotFound"));
        assertTrue(keycloak().client("contoso", name).isEmpty());
        assertTrue(keycloak().client("fabrikam", name).isEmpty());
    }

    @Test
    void badInputIsA400NamingTheField() {
        List<String> wrong = new ArrayList<>();
        for (String bad : List.of("ab", "Upper-case", "-starts-with-hyphen", "ends-with-hyphen-", "under_score",
                "dot.ted", "x".repeat(64), "%C3%A9t%C3%A9", "a%20b")) {
            Response r = put(Tokens.alice(), bad, "{}");
            if (r.statusCode() != 400 || !"name".equals(r.jsonPath().getString("error.target"))) {
                wrong.add(bad + " -> " + r.statusCode() + " " + r.asString());
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
        put(Tokens.alice(), "%00abc", "{}").then().statusCode(400).body("error.target", is("name"));
        put(Tokens.alice(), "x".repeat(2000), "{}").then().statusCode(400).body("error.target", is("name"));
        String name = name();
        put(Tokens.alice(), name, "{\"properties\":{\"description\":\"" + "d".repeat(257) + "\"}}").then()
                .statusCode(400).body("error.target", is("properties.description"));
        put(Tokens.alice(), name, "{\"properties\":{\"description\":5}}").then().statusCode(400)
                .body("error.target", is("properties.description"));
        put(Tokens.alice(), name, "{\"properties\":{\"description\":\"a\\u0000b\"}}").then().statusCode(400)
                .body("error.target", is("properties.description"));
        put(Tokens.alice(), name, "{\"properties\":\"x\"}").then().statusCode(400);
        put(Tokens.alice(), name, "{\"properties\":").then().statusCode(400);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body("{}").put(BASE + name).then()
                .statusCode(400).body("error.target", is("api-version"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body("{}")
                .put(BASE + name + "?api-version=2022-12-01").then().statusCode(400)
                .body("error.code", is("InvalidApiVersionParameter"));
        assertTrue(keycloak().client("contoso", name).isEmpty(), "nothing was registered");
    }

    @Test
    void aClientTheRealmHasAlreadyIsNeitherTakenOverNorDeleted() {
        // the contoso realm's own public client (the local stack's realm file)
        JsonNode theirs = keycloak().client("contoso", Realms.CLI_CLIENT).orElseThrow();
        put(Tokens.alice(), Realms.CLI_CLIENT, "{}").then().statusCode(409)
                .body("error.code", is("SubscriberNameInUse")).body("error.target", is("name"));
        // nor deleted through the subscriber API: it is no subscriber
        given().auth().oauth2(Tokens.alice()).delete(BASE + Realms.CLI_CLIENT + API).then().statusCode(204);
        JsonNode after = keycloak().client("contoso", Realms.CLI_CLIENT).orElseThrow();
        assertEquals(theirs, after, "the realm's own client is still there, unchanged");
    }

    @Test
    void parallelRegistrationsOfOneNameMakeOneClientAndNoServerError() {
        String name = name();
        List<Callable<Hostile.Outcome>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int n = i;
            calls.add(() -> {
                Response r = put(Tokens.alice(), name, "{}");
                return new Hostile.Outcome(n, r.statusCode(), r.asString());
            });
        }
        List<Hostile.Outcome> outcomes = Hostile.parallel(calls, Duration.ofSeconds(30));
        assertTrue(Hostile.failures(outcomes).isEmpty(), () -> "failures: " + Hostile.failures(outcomes));
        assertEquals(1, outcomes.stream().filter(o -> o.status() == 201).count(), () -> "outcomes: " + outcomes);
        assertTrue(outcomes.stream().allMatch(o -> o.status() == 201 || o.status() == 200 || o.status() == 409),
                () -> "outcomes: " + outcomes);
        List<Hostile.Outcome> told = outcomes.stream().filter(o -> o.body().contains("clientSecret")).toList();
        assertEquals(1, told.size(), "the secret is told once");
        assertEquals(keycloak().secret("contoso", name), io.restassured.path.json.JsonPath.from(told.get(0).body())
                .getString("properties.clientSecret"), "the secret told is the one client's in Keycloak");
        assertTrue(Hostile.openTransactions("access", Duration.ofSeconds(5)).isEmpty());
        given().auth().oauth2(Tokens.alice()).delete(BASE + name + API).then().statusCode(200);
    }

    static int sql(String statement, String... args) {
        var infra = dev.imagegallery.devstack.TestInfra.shared();
        try (var c = java.sql.DriverManager.getConnection(infra.jdbcUrl("access"), infra.pgUser(), infra.pgPassword());
             var st = c.prepareStatement(statement)) {
            for (int i = 0; i < args.length; i++) {
                st.setString(i + 1, args[i]);
            }
            return st.executeUpdate();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A DELETE that removed a subscriber's row while its registration was still making the client and ACLs left a
     * working subscriber (its secret read the tenant's stream) that no GET, list or DELETE could find (a hostile probe,
     * 2 of 5 runs). The registration now ends by taking the row from Provisioning to Succeeded only if it is still
     * there, and otherwise removes what it made and answers 409; and a DELETE of a registration under way is a 409.
     */
    @Test
    void aSubscriberDeletedWhileItIsRegisteredLeavesNoClientBehind() throws Exception {
        boolean caught = false;
        for (int attempt = 0; attempt < 5 && !caught; attempt++) {
            String name = name();
            var pending = java.util.concurrent.CompletableFuture.supplyAsync(() -> put(Tokens.alice(), name, "{}"));
            // the DELETE's effect, the moment the registration's row is there
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            int removed = 0;
            while (removed == 0 && !pending.isDone() && System.nanoTime() < end) {
                removed = sql("DELETE FROM event_subscriber WHERE tenant_id = 'contoso' AND name = ? "
                        + "AND state = 'Provisioning'", name);
            }
            Response r = pending.get(30, java.util.concurrent.TimeUnit.SECONDS);
            if (removed == 0) {
                r.then().statusCode(201); // registered before the row could be taken: try again
                given().auth().oauth2(Tokens.alice()).delete(BASE + name + API).then().statusCode(200);
                continue;
            }
            caught = true;
            r.then().statusCode(409).body("error.code", is("SubscriberDeleted")).body("error.target", is("name"));
            assertTrue(keycloak().client("contoso", name).isEmpty(), "no client is left in the realm");
            given().auth().oauth2(Tokens.alice()).get(BASE + name + API).then().statusCode(404);
        }
        assertTrue(caught, "a registration was caught under way");
    }

    @Test
    void aDeleteOfARegistrationUnderWayIsAConflictAndOfAStuckOneRemovesIt() {
        String name = name();
        sql("INSERT INTO event_subscriber (tenant_id, name, client_id, description, state, created_at, created_by) "
                + "VALUES ('contoso', ?, ?, NULL, 'Provisioning', now(), 'test')", name, name);
        given().auth().oauth2(Tokens.alice()).delete(BASE + name + API).then().statusCode(409)
                .body("error.code", is("SubscriberProvisioning"));
        // a registration that never ended (its process stopped) is deleted as any
        sql("UPDATE event_subscriber SET created_at = now() - interval '10 minutes' WHERE tenant_id = 'contoso' "
                + "AND name = ?", name);
        given().auth().oauth2(Tokens.alice()).delete(BASE + name + API).then().statusCode(200);
        given().auth().oauth2(Tokens.alice()).get(BASE + name + API).then().statusCode(404);
    }

    /** Parallel DELETEs of one subscriber: one removes it, the others find it gone (one was a 503 blaming the IdP). */
    @Test
    void parallelDeletesOfOneSubscriberAnswerGoneNotUnavailable() {
        String name = name();
        put(Tokens.alice(), name, "{}").then().statusCode(201);
        List<Callable<Hostile.Outcome>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int n = i;
            calls.add(() -> {
                Response r = given().auth().oauth2(Tokens.alice()).delete(BASE + name + API);
                return new Hostile.Outcome(n, r.statusCode(), r.asString());
            });
        }
        List<Hostile.Outcome> outcomes = Hostile.parallel(calls, Duration.ofSeconds(30));
        assertTrue(outcomes.stream().allMatch(o -> o.status() == 200 || o.status() == 204),
                () -> "outcomes: " + outcomes);
        assertTrue(keycloak().client("contoso", name).isEmpty());
    }

    /**
     * PUTs of new names at the same moment each counted the tenant's subscribers before the others' rows were there,
     * and passed the limit together (a hostile probe's leftover): three places left, eight PUTs at once, three made.
     */
    @Test
    void parallelRegistrationsDoNotPassTheLimitTogether() {
        String prefix = "filler-" + UUID.randomUUID().toString().substring(0, 6) + "-";
        sql("INSERT INTO event_subscriber (tenant_id, name, client_id, description, state, created_at, created_by) "
                + "SELECT 'contoso', ? || n, ? || n, NULL, 'Succeeded', now(), 'test' FROM generate_series(1, "
                + "97 - (SELECT count(*) FROM event_subscriber WHERE tenant_id = 'contoso')::int) AS n", prefix, prefix);
        List<String> names = new ArrayList<>();
        try {
            List<Callable<Hostile.Outcome>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int n = i;
                String name = name();
                names.add(name);
                calls.add(() -> {
                    Response r = put(Tokens.alice(), name, "{}");
                    return new Hostile.Outcome(n, r.statusCode(), r.asString());
                });
            }
            List<Hostile.Outcome> outcomes = Hostile.parallel(calls, Duration.ofSeconds(60));
            long made = outcomes.stream().filter(o -> o.status() == 201).count();
            assertEquals(3, made, () -> "outcomes: " + outcomes);
            assertTrue(outcomes.stream().allMatch(o -> o.status() == 201 || (o.status() == 409
                    && o.body().contains("SubscriberLimitExceeded"))), () -> "outcomes: " + outcomes);
        } finally {
            sql("DELETE FROM event_subscriber WHERE tenant_id = 'contoso' AND name LIKE ? || '%'", prefix);
            names.forEach(n -> given().auth().oauth2(Tokens.alice()).delete(BASE + n + API));
        }
    }

    /**
     * A token of a deleted subscriber's client is valid until it expires (the broker checks its signature and expiry,
     * not its client): registering the name again within that time made the same principal, and the new ACLs let the
     * old token read again. Such a PUT is 409 until a token's lifespan has passed since the DELETE.
     */
    @Test
    void aNameDeletedLessThanATokensLifespanAgoIsNotRegisteredAgain() {
        String name = name();
        put(Tokens.alice(), name, "{}").then().statusCode(201);
        given().auth().oauth2(Tokens.alice()).delete(BASE + name + API).then().statusCode(200);
        put(Tokens.alice(), name, "{}").then().statusCode(409).body("error.code", is("SubscriberRecentlyDeleted"))
                .body("error.target", is("name"));
        assertTrue(keycloak().client("contoso", name).isEmpty(), "no client made");
        given().auth().oauth2(Tokens.alice()).get(BASE + name + API).then().statusCode(404);
        // once the lifespan (5 minutes) has passed
        sql("UPDATE event_subscriber_deleted SET deleted_at = now() - interval '6 minutes' WHERE tenant_id = 'contoso' "
                + "AND name = ?", name);
        put(Tokens.alice(), name, "{}").then().statusCode(201);
        given().auth().oauth2(Tokens.alice()).delete(BASE + name + API).then().statusCode(200);
    }

    /**
     * The names kept after a DELETE are forgotten once a token's lifespan has passed: they were kept for good, a row
     * for every subscriber a tenant ever deleted.
     */
    @Test
    void deletedNamesAreForgottenOnceATokensLifespanHasPassed() {
        String old = name();
        sql("INSERT INTO event_subscriber_deleted (tenant_id, name, deleted_at) VALUES ('contoso', ?, "
                + "now() - interval '6 minutes')", old);
        String name = name();
        put(Tokens.alice(), name, "{}").then().statusCode(201);
        given().auth().oauth2(Tokens.alice()).delete(BASE + name + API).then().statusCode(200);
        assertEquals(0, sql("DELETE FROM event_subscriber_deleted WHERE name = ?", old), "the old name is forgotten");
        assertEquals(1, sql("DELETE FROM event_subscriber_deleted WHERE name = ?", name), "the new one is kept");
    }

    /** A tenant's subscribers are bounded (each is a client in its realm and three ACLs): 40 were made in 7 s. */
    @Test
    void aTenantRegistersAtMostItsLimitOfSubscribers() {
        sql("INSERT INTO event_subscriber (tenant_id, name, client_id, description, state, created_at, created_by) "
                + "SELECT 'fabrikam', 'filler-' || n, 'filler-' || n, NULL, 'Succeeded', now(), 'test' "
                + "FROM generate_series(1, 100) AS n");
        try {
            given().auth().oauth2(Tokens.bob()).contentType(ContentType.JSON).body("{}")
                    .put("/tenants/fabrikam/providers/Microsoft.Gallery/eventSubscribers/" + name() + API).then()
                    .statusCode(409).body("error.code", is("SubscriberLimitExceeded"));
        } finally {
            sql("DELETE FROM event_subscriber WHERE tenant_id = 'fabrikam' AND name LIKE 'filler-%'");
        }
    }
}

package dev.imagegallery.devstack;

import dev.imagegallery.events.EventTypes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bus as the test JVM starts it (the broker every service's tests use): nobody gets in without a token of an
 * accepted realm, and a signed-in client may do only what {@link BusLayout} grants its identity.
 */
class SecuredBusTest {
    static final TestInfra infra = TestInfra.shared();
    static final TestIssuer issuer = TestIssuer.shared();

    /** A producer that gives up within seconds (a refused client would otherwise retry for a minute). */
    static KafkaProducer<String, String> impatientProducer(Properties client) {
        client.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        client.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        client.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "8000");
        client.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "8000");
        client.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        return new KafkaProducer<>(client);
    }

    static Throwable sendFails(Properties client, String topic) {
        try (KafkaProducer<String, String> producer = impatientProducer(client)) {
            producer.send(new ProducerRecord<>(topic, "k", "{}")).get(20, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
    }

    /** A client that presents this token as it is (from a file, as a subscriber with a token in hand would). */
    static Properties withToken(String jwt) throws Exception {
        Path f = Files.createTempFile("token", ".jwt");
        Files.writeString(f, jwt);
        String url = f.toUri().toString();
        BusLayout.allowTokenUrl(url);
        Properties p = BusLayout.clientProps(infra.kafkaBootstrap(), url, "unused", "unused");
        p.remove("sasl.oauthbearer.client.credentials.client.id");
        p.remove("sasl.oauthbearer.client.credentials.client.secret");
        return p;
    }

    @Test
    void aServiceWritesItsOwnTopic() {
        assertEquals(null, sendFails(infra.clientProps("catalog-service"), EventTypes.CATALOG_TOPIC));
        assertEquals(null, sendFails(infra.clientProps("access-service"), EventTypes.ACCESS_TOPIC));
    }

    /** The forged grant of issue 13: another service's credentials cannot write what every service trusts. */
    @Test
    void noOtherServiceWritesTheGrantsTopic() {
        for (String s : List.of("catalog-service", "replication-service", "billing-service")) {
            assertInstanceOf(TopicAuthorizationException.class, sendFails(infra.clientProps(s),
                    EventTypes.ACCESS_TOPIC), s);
        }
    }

    @Test
    void withoutCredentialsNothingGetsThrough() {
        Properties plain = new Properties();
        plain.put("bootstrap.servers", infra.kafkaBootstrap());
        Throwable t = sendFails(plain, EventTypes.ACCESS_TOPIC);
        assertTrue(t != null, "a PLAINTEXT client was let in");
        // a wrong secret gets no token, so no session either
        Properties wrong = BusLayout.clientProps(infra.kafkaBootstrap(), infra.busTokenUrl(), "access-service",
                "not-the-secret");
        assertTrue(sendFails(wrong, EventTypes.ACCESS_TOPIC) != null, "a wrong secret was let in");
    }

    @Test
    void aTokenTheBrokerCannotVerifyIsRefused() throws Exception {
        String forged = issuer.token(Realms.PLATFORM, UUID.randomUUID().toString()).audience(Realms.BUS_AUDIENCE)
                .azp("access-service").forged().sign();
        assertInstanceOf(SaslAuthenticationException.class, sendFails(withToken(forged), EventTypes.ACCESS_TOPIC));
        // a user's API token (audience gallery-api) is not a bus token
        String apiToken = issuer.token(Realms.CONTOSO, Realms.ALICE).sign();
        assertInstanceOf(SaslAuthenticationException.class, sendFails(withToken(apiToken), EventTypes.ACCESS_TOPIC));
        // Keycloak's master realm is never a client's
        String master = issuer.token("master", UUID.randomUUID().toString()).audience(Realms.BUS_AUDIENCE)
                .azp("access-service").sign();
        assertInstanceOf(SaslAuthenticationException.class, sendFails(withToken(master), EventTypes.ACCESS_TOPIC));
        // an issuer outside the configured base
        String foreign = issuer.token(Realms.PLATFORM, UUID.randomUUID().toString()).audience(Realms.BUS_AUDIENCE)
                .azp("access-service").issuer("https://login.example.com/realms/platform").sign();
        assertInstanceOf(SaslAuthenticationException.class, sendFails(withToken(foreign), EventTypes.ACCESS_TOPIC));
    }

    /** A tenant's client has its own principal (contoso/...): nothing of the platform's topics is granted to it. */
    @Test
    void aTenantsClientIsNotAService() throws Exception {
        String token = issuer.clientToken(Realms.CONTOSO, "access-service");
        assertInstanceOf(TopicAuthorizationException.class, sendFails(withToken(token), EventTypes.ACCESS_TOPIC));
    }

    @Test
    void aServiceReadsOnlyWhatItConsumesInItsOwnGroups() {
        // replication-service does not consume billing's dead letters
        assertInstanceOf(TopicAuthorizationException.class,
                pollFails("replication-service", EventTypes.BILLING_DLQ_TOPIC, "replication-service-x"));
        // nor may it use another service's consumer group
        assertInstanceOf(GroupAuthorizationException.class,
                pollFails("replication-service", EventTypes.CATALOG_TOPIC, "catalog-service-replication"));
        assertEquals(null, pollFails("replication-service", EventTypes.CATALOG_TOPIC, "replication-service-t"));
    }

    static Throwable pollFails(String service, String topic, String group) {
        Properties p = infra.clientProps(service);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            c.subscribe(List.of(topic));
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < until) {
                c.poll(Duration.ofMillis(500));
                if (!c.assignment().isEmpty()) {
                    return null;
                }
            }
            return new AssertionError("no partitions assigned in 10 s");
        } catch (RuntimeException e) {
            return e;
        }
    }

    /**
     * A session ends with its token: a client holding a token it cannot renew (here from a file) is cut off when the
     * token expires, and sends nothing more.
     */
    @Test
    void aSessionEndsWithItsToken() throws Exception {
        String token = issuer.token(Realms.PLATFORM, UUID.randomUUID().toString()).audience(Realms.BUS_AUDIENCE)
                .azp("catalog-service").lifetime(12).sign();
        try (KafkaProducer<String, String> producer = impatientProducer(withToken(token))) {
            producer.send(new ProducerRecord<>(EventTypes.CATALOG_TOPIC, "k", "{}")).get(20, TimeUnit.SECONDS);
            Thread.sleep(16_000);
            Throwable after;
            try {
                producer.send(new ProducerRecord<>(EventTypes.CATALOG_TOPIC, "k", "{}")).get(20, TimeUnit.SECONDS);
                after = null;
            } catch (ExecutionException e) {
                after = e.getCause();
            } catch (Exception e) {
                after = e;
            }
            assertTrue(after != null, "a client whose token expired could still write");
        }
    }

    /** Moved from access-service (which no longer creates topics): the grants topic is compacted. */
    @Test
    void theGrantsTopicIsCompacted() throws Exception {
        try (Admin admin = Admin.create(infra.superUserProps())) {
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, EventTypes.ACCESS_TOPIC);
            Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(r)).all().get(20, TimeUnit.SECONDS);
            assertEquals("compact", configs.get(r).get("cleanup.policy").value());
        }
    }

    /** deploy/kafka/provision.sh (compose, Kubernetes) provisions what the local stack and the tests run under. */
    @Test
    void theDeployedProvisioningIsTheLayout() throws Exception {
        Path script = ProjectPaths.root().resolve("deploy/kafka/provision.sh");
        if (Boolean.getBoolean("gallery.write-layout")) {
            Files.writeString(script, BusLayout.script());
        }
        assertEquals(BusLayout.script(), Files.readString(script),
                "deploy/kafka/provision.sh differs from BusLayout: run this test with -Dgallery.write-layout=true");
    }

    @Test
    void topicsAreNeverCreatedOnFirstUse() {
        assertTrue(sendFails(infra.clientProps("catalog-service"), "gallery.nobody.v1") != null);
    }
}

package dev.imagegallery.devstack;

import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Publishes and reads real Kafka events in tests (the services under test consume and produce them for real). */
public final class TestEvents {
    private TestEvents() {
    }

    /**
     * Publishes as the service that owns the topic would (its identity and its ACLs). The event is a fixture a
     * consumer is fed, so it must be what the contract says ({@link EventSchemas}); a deliberately broken or
     * old-shaped one goes through {@link #publishUnchecked}.
     */
    public static void publish(String topic, CloudEvent event) {
        EventSchemas.check(event);
        publishUnchecked(topic, event);
    }

    /** Publishes an event that is off the contract on purpose (hostile input, or the shape of a former version). */
    public static void publishUnchecked(String topic, CloudEvent event) {
        Properties p = TestInfra.shared().clientProps(BusLayout.producerOf(topic));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(topic, event.subject(), event.toJson())).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot publish " + event.type() + " to " + topic, e);
        }
    }

    /** The grants access-service seeds, as its events: the subscriptions of contoso and fabrikam and their Owners. */
    public static void publishSeedGrants() {
        publish(EventTypes.ACCESS_TOPIC, CloudEvent.of("/tests", EventTypes.SUBSCRIPTION_CREATED,
                "/subscriptions/" + Realms.CONTOSO_SUBSCRIPTION,
                new Payloads.SubscriptionCreated(Realms.CONTOSO_SUBSCRIPTION, Realms.CONTOSO, "Contoso Production")));
        publish(EventTypes.ACCESS_TOPIC, CloudEvent.of("/tests", EventTypes.SUBSCRIPTION_CREATED,
                "/subscriptions/" + Realms.FABRIKAM_SUBSCRIPTION,
                new Payloads.SubscriptionCreated(Realms.FABRIKAM_SUBSCRIPTION, Realms.FABRIKAM, "Fabrikam Production")));
        grant("5eed0000-0000-4000-8000-0000000a11ce", Realms.CONTOSO, "/subscriptions/" + Realms.CONTOSO_SUBSCRIPTION,
                Realms.ALICE, "8e3af657-a8ff-443c-a75c-2fe8c4bcb635");
        grant("5eed0000-0000-4000-8000-000000000b0b", Realms.FABRIKAM,
                "/subscriptions/" + Realms.FABRIKAM_SUBSCRIPTION, Realms.BOB, "8e3af657-a8ff-443c-a75c-2fe8c4bcb635");
    }

    public static void grant(String assignmentId, String tenant, String scope, String principal, String roleId) {
        publish(EventTypes.ACCESS_TOPIC, CloudEvent.of("/tests", EventTypes.ROLE_ASSIGNMENT_CREATED,
                scope + "/providers/Microsoft.Authorization/roleAssignments/" + assignmentId,
                new Payloads.RoleAssignment(assignmentId, tenant, scope, principal, "User", roleId, null)));
    }

    public static void revoke(String assignmentId, String tenant, String scope, String principal, String roleId) {
        publish(EventTypes.ACCESS_TOPIC, CloudEvent.of("/tests", EventTypes.ROLE_ASSIGNMENT_DELETED,
                scope + "/providers/Microsoft.Authorization/roleAssignments/" + assignmentId,
                new Payloads.RoleAssignment(assignmentId, tenant, scope, principal, "User", roleId, null)));
    }

    /**
     * Reads a topic from the beginning until {@code until} holds for the events seen, or the timeout passes (as the
     * super user: a test looks at any topic). Every event a service produced (its {@code source} is
     * {@code /services/...}) is checked against its schema, so a producer's tests fail when it leaves the contract.
     */
    public static List<CloudEvent> read(String topic, Duration timeout, Predicate<List<CloudEvent>> until) {
        return read(TestInfra.shared().superUserProps(), topic, timeout, until);
    }

    /** The same, with the given client settings (a {@link LocalStack}'s super user, for example). */
    public static List<CloudEvent> read(Properties client, String topic, Duration timeout,
                                        Predicate<List<CloudEvent>> until) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<CloudEvent> seen = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            while (System.nanoTime() < deadline && !until.test(seen)) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    CloudEvent e = CloudEvent.parse(r.value());
                    if (e.source() != null && e.source().startsWith("/services/")) {
                        EventSchemas.check(e);
                    }
                    seen.add(e);
                }
            }
        }
        return seen;
    }
}

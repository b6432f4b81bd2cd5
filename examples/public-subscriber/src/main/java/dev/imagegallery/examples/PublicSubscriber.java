package dev.imagegallery.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A subscriber of a tenant's public stream, with nothing but kafka-clients: it signs in with SASL/OAUTHBEARER using
 * the client id and secret that {@code PUT /tenants/{t}/providers/Microsoft.Gallery/eventSubscribers/{name}} answered,
 * reads {@code gallery.public.{t}.v1} in a consumer group under its prefix, and skips an event id it has seen (a
 * re-delivered event is the identical document). Run:
 * <pre>
 * BOOTSTRAP=127.0.0.1:9092 TOKEN_URL=http://localhost:8180/realms/contoso/protocol/openid-connect/token \
 * CLIENT_ID=my-subscriber CLIENT_SECRET=... TOPIC=gallery.public.contoso.v1 GROUP=contoso.my-subscriber.main \
 * java -Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=$TOKEN_URL -cp "target/classes:target/lib/*" \
 *     dev.imagegallery.examples.PublicSubscriber
 * </pre>
 */
public final class PublicSubscriber {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PublicSubscriber() {
    }

    /** The consumer settings of a subscriber (kafka-clients also needs the token URL in the allowed.urls property). */
    public static Properties config(String bootstrap, String tokenUrl, String clientId, String secret, String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", "OAUTHBEARER");
        p.put("sasl.login.callback.handler.class",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler");
        p.put("sasl.oauthbearer.token.endpoint.url", tokenUrl);
        p.put("sasl.oauthbearer.client.credentials.client.id", clientId);
        p.put("sasl.oauthbearer.client.credentials.client.secret", secret);
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;");
        // a token fetch that gets no answer fails and is tried again (without these, Kafka waits for it for good)
        p.put("sasl.login.connect.timeout.ms", "10000");
        p.put("sasl.login.read.timeout.ms", "10000");
        return p;
    }

    /** Reads {@code topic} until {@code stop} holds, handing each event (once per id) to {@code onEvent}. */
    public static void run(Properties config, String topic, Consumer<JsonNode> onEvent, BooleanSupplier stop) {
        Set<String> seen = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            while (!stop.getAsBoolean()) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        JsonNode event = JSON.readTree(r.value());
                        if (seen.add(event.path("id").asText())) {
                            onEvent.accept(event);
                        }
                    } catch (Exception e) {
                        System.err.println("not an event at offset " + r.offset() + ": " + e.getMessage());
                    }
                }
            }
        }
    }

    public static void main(String[] args) {
        String tokenUrl = System.getenv("TOKEN_URL");
        if (System.getProperty("org.apache.kafka.sasl.oauthbearer.allowed.urls") == null) {
            System.setProperty("org.apache.kafka.sasl.oauthbearer.allowed.urls", tokenUrl);
        }
        Properties config = config(System.getenv("BOOTSTRAP"), tokenUrl, System.getenv("CLIENT_ID"),
                System.getenv("CLIENT_SECRET"), System.getenv("GROUP"));
        run(config, System.getenv("TOPIC"), e -> System.out.println(e.path("type").asText() + " "
                + e.path("subject").asText() + " " + e.path("data")), () -> false);
    }
}

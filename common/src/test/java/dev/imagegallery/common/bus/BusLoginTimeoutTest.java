package dev.imagegallery.common.bus;

import org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerTokenCallback;
import org.junit.jupiter.api.Test;

import javax.security.auth.callback.Callback;
import javax.security.auth.login.AppConfigurationEntry;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A service's bus credentials come from the identity provider (client credentials at {@code gallery.bus.token-url}),
 * fetched again before each token expires (5 minutes in the platform realm). Kafka's client reads that answer without
 * a timeout unless told one: a provider that took the request and never answered (a paused or replaced Keycloak, a
 * connection whose peer vanished) held the refresh thread for good, and once the token expired the service was off
 * the bus until restarted. With common's settings ({@code kafka.sasl.login.*-timeout.ms}), the fetch fails in seconds
 * and is tried again.
 */
class BusLoginTimeoutTest {
    @Test
    void aTokenEndpointThatNeverAnswersFailsTheFetchWithinSeconds() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) {
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                while (!silent.isClosed()) {
                    try {
                        accepted.add(silent.accept()); // takes the request, answers nothing
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String url = "http://127.0.0.1:" + silent.getLocalPort() + "/realms/platform/protocol/openid-connect/token";
            BusTokenEndpoint.allow(url);

            Map<String, Object> settings = servicesKafkaSettings();
            settings.put("sasl.oauthbearer.token.endpoint.url", url);
            settings.put("sasl.oauthbearer.client.credentials.client.id", "catalog-service");
            settings.put("sasl.oauthbearer.client.credentials.client.secret", "secret");
            settings.put("bootstrap.servers", "127.0.0.1:9");
            settings.put("key.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class);
            settings.put("value.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class);
            // as a consumer of the service has them: its settings over Kafka's defaults
            Map<String, Object> configs = new HashMap<>(
                    new org.apache.kafka.clients.consumer.ConsumerConfig(settings).values());
            OAuthBearerLoginCallbackHandler handler = new OAuthBearerLoginCallbackHandler();
            handler.configure(configs, "OAUTHBEARER", List.of(new AppConfigurationEntry(
                    OAuthBearerLoginModule.class.getName(), AppConfigurationEntry.LoginModuleControlFlag.REQUIRED,
                    Map.of())));
            long start = System.nanoTime();
            CompletableFuture<Void> fetch = CompletableFuture.runAsync(() -> {
                try {
                    handler.handle(new Callback[]{new OAuthBearerTokenCallback()});
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                fetch.get(60, TimeUnit.SECONDS);
                fail("a token from an endpoint that never answered");
            } catch (TimeoutException e) {
                fail("the fetch still waits for an answer after 60 s");
            } catch (ExecutionException expected) {
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertTrue(took.compareTo(Duration.ofSeconds(30)) < 0, "failed after " + took);
            } finally {
                handler.close();
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }

    /** The SASL settings every service hands its Kafka clients from common's configuration ({@code kafka.} stripped). */
    static Map<String, Object> servicesKafkaSettings() throws Exception {
        Properties p = new Properties();
        try (InputStream in = BusLoginTimeoutTest.class.getResourceAsStream("/META-INF/microprofile-config.properties")) {
            p.load(in);
        }
        Map<String, Object> configs = new HashMap<>();
        for (String k : p.stringPropertyNames()) {
            if (k.startsWith("kafka.sasl.")) {
                configs.put(k.substring("kafka.".length()), p.getProperty(k));
            }
        }
        return configs;
    }
}

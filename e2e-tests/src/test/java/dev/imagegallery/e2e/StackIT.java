package dev.imagegallery.e2e;

import dev.imagegallery.devstack.LocalStack;
import dev.imagegallery.devstack.Realms;
import org.junit.jupiter.api.AfterAll;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;

import static io.restassured.RestAssured.given;

/**
 * What every end-to-end suite shares: a whole stack (devstack's {@link LocalStack}: PostgreSQL, the secured Kafka,
 * Keycloak, the four services and the front door), started from empty directories; users' tokens from the stack's
 * Keycloak; the api-versions the suites speak. Suites run one after another (failsafe's default, in one JVM). A suite
 * that needs a stack of its own (other settings, or one it stops and breaks) starts it in its {@code @BeforeAll} on
 * ports shifted by its offset, and it is closed after the suite; the others share one ({@link #shared()}), each in
 * resource groups of its own, which saves a start of the whole stack per suite (about a minute of CI each).
 */
@org.junit.jupiter.api.extension.ExtendWith(StackIT.ClosesTheSharedStack.class)
abstract class StackIT {
    static final String CONTOSO = Realms.CONTOSO_SUBSCRIPTION;
    static final String FABRIKAM = Realms.FABRIKAM_SUBSCRIPTION;
    /** Galleries and everything under them. */
    static final String API = "?api-version=2024-03-03";
    /** Managed images (the Compute resource provider's own versions). */
    static final String MI_API = "?api-version=2024-07-01";
    static final String AUTHZ = "?api-version=2022-04-01";
    /** The built-in Reader role's id. */
    static final String READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

    static LocalStack stack;
    /** The stack of the suites that need no stack of their own; null until the first of them starts it. */
    private static LocalStack shared;

    /**
     * The shared stack, started by the first suite that asks (on offset 7,000), left running for the next and closed
     * when a suite starts a stack of its own ({@link #own}) or the last suite has run ({@link ClosesTheSharedStack}).
     */
    static synchronized LocalStack shared() throws IOException {
        if (shared == null) {
            LocalStack s = fresh("target/stack-shared", 7_000);
            // a net for a run cut short (Ctrl-C, failsafe's timeout), where JUnit never closes its root store; and
            // for a start that failed half way, leaving processes that no field holds
            Runtime.getRuntime().addShutdownHook(new Thread(s::close, "shared-stack-close"));
            shared = s.start();
        }
        return shared;
    }

    /** A stack of the suite's own over {@code dir}, not started; the shared one, if running, is closed first. */
    static synchronized LocalStack own(String dir, int offset) throws IOException {
        closeShared();
        return fresh(dir, offset);
    }

    static synchronized void closeShared() {
        if (shared != null) {
            shared.close();
            shared = null;
        }
    }

    /**
     * Closes the shared stack once every suite has run (JUnit closes what its root store holds at the end of the run,
     * before the JVM exits). A shutdown hook alone did not do it: failsafe ends the test JVM a while after the last
     * test, and a run of one suite (-Dit.test=EverydayFaultsIT) left Keycloak and Kafka running.
     */
    static final class ClosesTheSharedStack implements org.junit.jupiter.api.extension.BeforeAllCallback {
        @Override
        public void beforeAll(org.junit.jupiter.api.extension.ExtensionContext context) {
            context.getRoot().getStore(org.junit.jupiter.api.extension.ExtensionContext.Namespace.GLOBAL)
                    .computeIfAbsent(ClosesTheSharedStack.class, k -> (AutoCloseable) StackIT::closeShared);
        }
    }

    /** A stack (not started) over {@code dir} emptied first: every run starts from empty databases, stores and broker. */
    static LocalStack fresh(String dir, int offset) throws IOException {
        Path path = Path.of(dir);
        if (Files.exists(path)) {
            try (var walk = Files.walk(path)) {
                walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        return new LocalStack(path, offset);
    }

    @AfterAll
    static synchronized void closeStack() {
        if (stack != null && stack != shared) {
            stack.close();
        }
        stack = null;
    }

    /** An access token of {@code user} (password = user name) in the realm {@code realm}. */
    static String token(String realm, String user) {
        return given().formParams(Map.of("grant_type", "password", "client_id", Realms.CLI_CLIENT, "username", user,
                        "password", user))
                .post(stack.issuer(realm) + "/protocol/openid-connect/token")
                .then().statusCode(200).extract().path("access_token");
    }

    /** The error sending {@code event} to {@code topic} with these client settings ended in (null: it was sent). */
    static Throwable send(java.util.Properties client, String topic, dev.imagegallery.events.CloudEvent event) {
        client.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        client.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        client.put("max.block.ms", "8000");
        client.put("delivery.timeout.ms", "8000");
        client.put("request.timeout.ms", "5000");
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(client)) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, event.subject(),
                    event.toJson())).get(20, java.util.concurrent.TimeUnit.SECONDS);
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
    }

    /** {@code path} on a service's own port (the suites that test a service rather than the door). */
    static String url(String service, String path) {
        return stack.serviceUrl(service) + path;
    }
}

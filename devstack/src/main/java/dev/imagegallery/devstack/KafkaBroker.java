package dev.imagegallery.devstack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One Kafka broker in KRaft mode (broker and controller in one node), run from the jars that devstack/kafka-dist copies
 * from Maven Central. The data folder is formatted once; a broker that is running is never wiped.
 *
 * <p>Secured (the normal case, {@link Security}), clients reach it only on the CLIENT listener with SASL/OAUTHBEARER:
 * a token of any realm under the issuer base, checked by Kafka's own validator (signature against the realm's JWKS,
 * issuer, audience {@value Realms#BUS_AUDIENCE}, expiry) through the kafka-auth plugin, which names the principal
 * {@code <realm>/<client id>}; the standard authorizer then allows only what {@link BusLayout} grants. The broker's own
 * traffic (inter-broker, controller) uses SASL/PLAIN with the super user's password on listeners of their own; nothing
 * listens in PLAINTEXT. Unsecured ({@code security == null}) it is the PLAINTEXT broker of before, kept only as the
 * baseline of the benchmark that prices authentication.
 */
public final class KafkaBroker implements AutoCloseable {
    private final ManagedProcess process;
    private final int port;
    private final Security security;

    /**
     * How the broker authenticates: the base URL of the realms whose tokens it accepts (e.g.
     * {@code http://localhost:8180/realms/}), the super user's password, and the port of the inter-broker listener
     * (where provisioning signs in as the super user).
     */
    public record Security(String issuerBase, String superUserPassword, int brokerPort) {
    }

    private KafkaBroker(ManagedProcess process, int port, Security security) {
        this.process = process;
        this.port = port;
        this.security = security;
    }

    public static KafkaBroker start(Path dir, int port, int controllerPort, String heap) {
        return start(dir, port, controllerPort, heap, null);
    }

    private static List<String> listenerConfig(int port, int controllerPort, Security sec) {
        if (sec == null) {
            return List.of(
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "auto.create.topics.enable=true");
        }
        String plain = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + BusLayout.SUPER_USER + "\" password=\"" + sec.superUserPassword() + "\" user_" + BusLayout.SUPER_USER
                + "=\"" + sec.superUserPassword() + "\";";
        String base = sec.issuerBase().endsWith("/") ? sec.issuerBase() : sec.issuerBase() + "/";
        String client = "listener.name.client.";
        return List.of(
                "listeners=CLIENT://127.0.0.1:" + port + ",BROKER://127.0.0.1:" + sec.brokerPort()
                        + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=CLIENT://127.0.0.1:" + port + ",BROKER://127.0.0.1:" + sec.brokerPort(),
                "listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,BROKER:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=BROKER",
                "sasl.mechanism.controller.protocol=PLAIN",
                "sasl.mechanism.inter.broker.protocol=PLAIN",
                "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
                "listener.name.controller.plain.sasl.jaas.config=" + plain,
                "listener.name.broker.sasl.enabled.mechanisms=PLAIN",
                "listener.name.broker.plain.sasl.jaas.config=" + plain,
                client + "sasl.enabled.mechanisms=OAUTHBEARER",
                client + "oauthbearer.sasl.jaas.config="
                        + "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;",
                client + "oauthbearer.sasl.server.callback.handler.class="
                        + "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler",
                // the key has no mechanism prefix (with one, Kafka ignores it and the broker fails to start)
                client + "sasl.oauthbearer.jwt.validator.class=dev.imagegallery.kafka.auth.MultiIssuerJwtValidator",
                client + "oauthbearer.gallery.oauthbearer.issuer.base=" + base,
                client + "oauthbearer.gallery.oauthbearer.realms.denied=master",
                client + "oauthbearer.sasl.oauthbearer.expected.audience=" + Realms.BUS_AUDIENCE,
                // a connection re-authenticates at least every 5 minutes, and never outlives its token
                client + "oauthbearer.connections.max.reauth.ms=300000",
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "allow.everyone.if.no.acl.found=false",
                "super.users=User:" + BusLayout.SUPER_USER,
                "auto.create.topics.enable=false");
    }

    public static KafkaBroker start(Path dir, int port, int controllerPort, String heap, Security security) {
        try {
            Path data = dir.resolve("data");
            Files.createDirectories(data);
            Path config = dir.resolve("server.properties");
            List<String> lines = new ArrayList<>(List.of(
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.voters=1@127.0.0.1:" + controllerPort));
            lines.addAll(listenerConfig(port, controllerPort, security));
            lines.addAll(List.of(
                    "log.dirs=" + data.toAbsolutePath(),
                    "num.partitions=3",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=3",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "log.retention.hours=-1",
                    ""));
            Files.writeString(config, String.join("\n", lines));
            Path log4j = dir.resolve("log4j2.properties");
            Files.writeString(log4j, String.join("\n",
                    "status=error",
                    "appender.console.type=Console",
                    "appender.console.name=STDOUT",
                    "appender.console.layout.type=PatternLayout",
                    "appender.console.layout.pattern=[%d] %p %m (%c)%n",
                    "rootLogger.level=INFO",
                    "rootLogger.appenderRef.stdout.ref=STDOUT",
                    "logger.kafka.name=kafka",
                    "logger.kafka.level=WARN",
                    "logger.org.name=org.apache.kafka",
                    "logger.org.level=WARN",
                    ""));
            String cp = ProjectPaths.kafkaLib().toAbsolutePath() + "/*" + java.io.File.pathSeparator
                    + ProjectPaths.kafkaAuthJar().toAbsolutePath();
            Path logFile = dir.resolve("kafka.log");
            if (!Files.exists(data.resolve("meta.properties"))) {
                List<String> format = List.of(ProjectPaths.javaBinary().toString(), "-Xmx256m",
                        "-Dlog4j2.configurationFile=" + log4j.toAbsolutePath(), "-cp", cp, "kafka.tools.StorageTool",
                        "format", "--cluster-id=" + clusterId(), "-c", config.toAbsolutePath().toString(),
                        "--ignore-formatted");
                Process p = new ProcessBuilder(format).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("formatting Kafka storage failed; see " + logFile);
                }
            }
            List<String> cmd = new ArrayList<>(List.of(ProjectPaths.javaBinary().toString(),
                    "-Xms64m", "-Xmx" + heap, "-XX:+UseG1GC", "-Djava.awt.headless=true",
                    "-Dlog4j2.configurationFile=" + log4j.toAbsolutePath(), "-cp", cp, "kafka.Kafka",
                    config.toAbsolutePath().toString()));
            ManagedProcess mp = ManagedProcess.start("kafka", cmd, dir, Map.of(), logFile);
            KafkaBroker broker = new KafkaBroker(mp, port, security);
            try {
                Net.await("Kafka on port " + port, Duration.ofSeconds(90), () -> Net.listening(port), () -> !mp.alive());
            } catch (RuntimeException e) {
                mp.stop();
                throw new IllegalStateException(e.getMessage() + "; see " + logFile, e);
            }
            return broker;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start Kafka: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * A random Kafka cluster id (16 bytes, URL-safe base64). One in 64 of those starts with '-', which the storage
     * tool's argument parser takes for an option (CI failed on one): never hand it such an id.
     */
    static String clusterId() {
        while (true) {
            UUID u = UUID.randomUUID();
            ByteBuffer bb = ByteBuffer.allocate(16).putLong(u.getMostSignificantBits())
                    .putLong(u.getLeastSignificantBits());
            String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bb.array());
            if (Character.isLetterOrDigit(id.charAt(0))) {
                return id;
            }
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public boolean secured() {
        return security != null;
    }

    /** The super user's client settings (SASL/PLAIN on the inter-broker listener): provisioning and tests only. */
    public java.util.Properties superUserProps() {
        if (security == null) {
            java.util.Properties p = new java.util.Properties();
            p.put("bootstrap.servers", bootstrapServers());
            return p;
        }
        return BusLayout.superUserProps("127.0.0.1:" + security.brokerPort(), security.superUserPassword());
    }

    public ManagedProcess process() {
        return process;
    }

    @Override
    public void close() {
        process.stop();
    }
}

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
 */
public final class KafkaBroker implements AutoCloseable {
    private final ManagedProcess process;
    private final int port;

    private KafkaBroker(ManagedProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    public static KafkaBroker start(Path dir, int port, int controllerPort, String heap) {
        try {
            Path data = dir.resolve("data");
            Files.createDirectories(data);
            Path config = dir.resolve("server.properties");
            Files.writeString(config, String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "log.dirs=" + data.toAbsolutePath(),
                    "num.partitions=3",
                    "auto.create.topics.enable=true",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=3",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "log.retention.hours=-1",
                    "") );
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
            String cp = ProjectPaths.kafkaLib().toAbsolutePath() + "/*";
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
            KafkaBroker broker = new KafkaBroker(mp, port);
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

    public ManagedProcess process() {
        return process;
    }

    @Override
    public void close() {
        process.stop();
    }
}

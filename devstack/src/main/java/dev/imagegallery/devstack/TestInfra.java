package dev.imagegallery.devstack;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * PostgreSQL and Kafka for one test JVM, started once and stopped when the JVM exits: containers through
 * Testcontainers where a Docker engine answers, otherwise an embedded PostgreSQL and a local KRaft broker process.
 * {@code -Dgallery.infra=local} forces the local processes.
 */
public final class TestInfra {
    private static TestInfra shared;

    private final String pgHost;
    private final int pgPort;
    private final String pgUser;
    private final String pgPassword;
    private final String kafkaBootstrap;
    private final String mode;
    private final Runnable stopKafka;
    private final PostgresServer postgres;
    private KafkaBroker localKafka;

    private TestInfra(String mode, PostgresServer postgres, String pgHost, int pgPort, String pgUser, String pgPassword,
                      String kafkaBootstrap, Runnable stopKafka) {
        this.mode = mode;
        this.postgres = postgres;
        this.pgHost = pgHost;
        this.pgPort = pgPort;
        this.pgUser = pgUser;
        this.pgPassword = pgPassword;
        this.kafkaBootstrap = kafkaBootstrap;
        this.stopKafka = stopKafka;
    }

    public static synchronized TestInfra shared() {
        if (shared == null) {
            shared = dockerAvailable() ? containers() : local();
            TestInfra infra = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(infra::stop, "test-infra-stop"));
        }
        return shared;
    }

    static boolean dockerAvailable() {
        if ("local".equals(System.getProperty("gallery.infra", System.getenv("GALLERY_INFRA")))) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    private static TestInfra containers() {
        PostgreSQLContainer pg = new PostgreSQLContainer("postgres:17-alpine");
        pg.start();
        KafkaContainer kafka = new KafkaContainer("apache/kafka:4.1.1");
        kafka.start();
        PostgresServer server = PostgresServer.external(pg.getHost(), pg.getMappedPort(5432), pg.getUsername(),
                pg.getPassword());
        return new TestInfra("containers", server, pg.getHost(), pg.getMappedPort(5432), pg.getUsername(),
                pg.getPassword(), kafka.getBootstrapServers(), () -> {
                    kafka.stop();
                    pg.stop();
                });
    }

    private static TestInfra local() {
        try {
            Path dir = Files.createTempDirectory("gallery-test-infra");
            PostgresServer pg = PostgresServer.embedded(null, 0);
            int port = Net.freePort();
            int controller = Net.freePort();
            KafkaBroker kafka = KafkaBroker.start(dir.resolve("kafka"), port, controller, "384m");
            TestInfra[] self = new TestInfra[1];
            self[0] = new TestInfra("local", pg, pg.host(), pg.port(), pg.user(), pg.password(),
                    kafka.bootstrapServers(), () -> {
                        if (self[0].localKafka != null) {
                            self[0].localKafka.close();
                        }
                        pg.close();
                    });
            self[0].localKafka = kafka;
            self[0].kafkaDir = dir.resolve("kafka");
            self[0].kafkaPorts = new int[]{port, controller};
            return self[0];
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path kafkaDir;
    private int[] kafkaPorts;

    /** Local mode only: stops the broker, runs {@code whileDown}, and starts it again on the same ports and data. */
    public synchronized void withKafkaDown(Runnable whileDown) {
        if (localKafka == null) {
            throw new IllegalStateException("the broker can only be stopped in local mode");
        }
        localKafka.close();
        localKafka = null;
        try {
            whileDown.run();
        } finally {
            localKafka = KafkaBroker.start(kafkaDir, kafkaPorts[0], kafkaPorts[1], "384m");
        }
    }

    public void ensureDatabase(String name) {
        postgres.ensureDatabases(List.of(name));
    }

    public String jdbcUrl(String db) {
        return "jdbc:postgresql://" + pgHost + ":" + pgPort + "/" + db;
    }

    public String reactiveUrl(String db) {
        return "postgresql://" + pgHost + ":" + pgPort + "/" + db;
    }

    public String pgUser() {
        return pgUser;
    }

    public String pgPassword() {
        return pgPassword;
    }

    public String kafkaBootstrap() {
        return kafkaBootstrap;
    }

    public String mode() {
        return mode;
    }

    private void stop() {
        try {
            stopKafka.run();
        } catch (RuntimeException e) {
            System.err.println("stopping test infrastructure: " + e.getMessage());
        }
    }
}

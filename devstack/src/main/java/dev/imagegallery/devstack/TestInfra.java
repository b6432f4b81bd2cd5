package dev.imagegallery.devstack;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * PostgreSQL and Kafka for one test JVM, started once and stopped when the JVM exits: PostgreSQL in a container through
 * Testcontainers where a Docker engine answers, otherwise embedded; Kafka always as a local KRaft broker process, secured
 * as in production (SASL/OAUTHBEARER with tokens of the {@link TestIssuer}, the kafka-auth plugin, ACLs of
 * {@link BusLayout}), because its authentication plugin must be on the broker's class path. {@code -Dgallery.infra=local}
 * forces the local PostgreSQL; {@code -Dgallery.bus.auth=off} starts the broker in PLAINTEXT without ACLs (only the
 * benchmark that prices authentication does).
 */
public final class TestInfra {
    private static TestInfra shared;

    private final String pgHost;
    private final int pgPort;
    private final String pgUser;
    private final String pgPassword;
    private final String mode;
    private final Runnable stopPostgres;
    private final PostgresServer postgres;
    private final Path kafkaDir;
    private final int[] kafkaPorts;
    private final KafkaBroker.Security security;
    private final Map<String, String> secrets = new HashMap<>();
    private KafkaBroker kafka;

    private TestInfra(String mode, PostgresServer postgres, String pgHost, int pgPort, String pgUser, String pgPassword,
                      Runnable stopPostgres) {
        this.mode = mode;
        this.postgres = postgres;
        this.pgHost = pgHost;
        this.pgPort = pgPort;
        this.pgUser = pgUser;
        this.pgPassword = pgPassword;
        this.stopPostgres = stopPostgres;
        try {
            kafkaDir = Files.createTempDirectory("gallery-test-kafka");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        kafkaPorts = Net.freePorts(3);
        if (busAuthOff()) {
            security = null;
        } else {
            TestIssuer issuer = TestIssuer.shared();
            for (BusLayout.Rights r : BusLayout.RIGHTS) {
                secrets.put(r.service(), issuer.registerClient(Realms.PLATFORM, r.service()));
            }
            String base = issuer.issuer(Realms.PLATFORM);
            security = new KafkaBroker.Security(base.substring(0, base.length() - Realms.PLATFORM.length()),
                    randomSecret(), kafkaPorts[2]);
        }
        startKafka();
    }

    public static synchronized TestInfra shared() {
        if (shared == null) {
            shared = dockerAvailable() ? containers() : local();
            TestInfra infra = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(infra::stop, "test-infra-stop"));
        }
        return shared;
    }

    static boolean busAuthOff() {
        return "off".equals(System.getProperty("gallery.bus.auth", System.getenv("GALLERY_BUS_AUTH")));
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
        PostgresServer server = PostgresServer.external(pg.getHost(), pg.getMappedPort(5432), pg.getUsername(),
                pg.getPassword());
        return new TestInfra("containers", server, pg.getHost(), pg.getMappedPort(5432), pg.getUsername(),
                pg.getPassword(), pg::stop);
    }

    private static TestInfra local() {
        PostgresServer pg = PostgresServer.embedded(null, 0);
        return new TestInfra("local", pg, pg.host(), pg.port(), pg.user(), pg.password(), pg::close);
    }

    private void startKafka() {
        kafka = KafkaBroker.start(kafkaDir, kafkaPorts[0], kafkaPorts[1], "384m", security);
        BusLayout.provision(kafka.superUserProps(), security != null);
    }

    private static String randomSecret() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Stops the broker, runs {@code whileDown}, and starts it again on the same ports and data. */
    public synchronized void withKafkaDown(Runnable whileDown) {
        kafka.close();
        try {
            whileDown.run();
        } finally {
            startKafka();
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
        return kafka.bootstrapServers();
    }

    public boolean busSecured() {
        return security != null;
    }

    /** The token endpoint of the services' realm. */
    public String busTokenUrl() {
        return TestIssuer.shared().tokenUrl(Realms.PLATFORM);
    }

    /** The client secret of a service (a confidential client of the platform realm). */
    public String busSecret(String service) {
        String s = secrets.get(service);
        if (s == null && security != null) {
            throw new IllegalArgumentException("no bus identity for " + service);
        }
        return s;
    }

    /** Kafka client settings that sign in as {@code service} (the bootstrap servers alone when the bus is open). */
    public Properties clientProps(String service) {
        if (security == null) {
            Properties p = new Properties();
            p.put("bootstrap.servers", kafkaBootstrap());
            return p;
        }
        return BusLayout.clientProps(kafkaBootstrap(), busTokenUrl(), service, busSecret(service));
    }

    /** The super user's settings: tests that read any topic, or inspect ACLs. */
    public Properties superUserProps() {
        return kafka.superUserProps();
    }

    public String mode() {
        return mode;
    }

    private void stop() {
        try {
            kafka.close();
        } catch (RuntimeException e) {
            System.err.println("stopping Kafka: " + e.getMessage());
        }
        try {
            stopPostgres.run();
        } catch (RuntimeException e) {
            System.err.println("stopping PostgreSQL: " + e.getMessage());
        }
    }
}

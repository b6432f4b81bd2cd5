package dev.imagegallery.devstack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole system on one machine: PostgreSQL, a KRaft Kafka broker (secured: {@link BusLayout}), Keycloak with the
 * contoso and fabrikam realms and the services' platform realm,
 * the four services from their packaged jars, and the front door before them (https with a CA of its own). Used by
 * {@code ./gallery up} (offset 0: the documented ports) and
 * by the end-to-end suite (an offset, so that it never meets a developer's running stack).
 */
public final class LocalStack implements AutoCloseable {
    public static final List<String> SERVICES = List.of("access-service", "catalog-service", "replication-service",
            "billing-service");
    public static final Map<String, Integer> SERVICE_PORTS = Map.of("catalog-service", 8081, "replication-service",
            8082, "access-service", 8083, "billing-service", 8084);
    /**
     * Each service's management interface (health, metrics): a port of its own, never the public one, so that
     * metrics (which name routes and tenants' traffic) and health details are not served to API clients.
     */
    public static final Map<String, Integer> MANAGEMENT_PORTS = Map.of("catalog-service", 9081,
            "replication-service", 9082, "access-service", 9083, "billing-service", 9084);
    /**
     * The front door (module front-door): one ARM endpoint, https on 8443 with the stack's own CA ({@link LocalTls}),
     * its http twin on 8080, health on 9085; started after the services, in front of them.
     */
    public static final String DOOR = "front-door";
    public static final int DOOR_HTTPS_PORT = 8443;
    public static final int DOOR_HTTP_PORT = 8080;
    public static final int DOOR_MANAGEMENT_PORT = 9085;
    /**
     * The addresses whose {@code Forwarded}/{@code X-Forwarded-*} headers the services apply: the door's, on this
     * machine. Addresses only, the IPv6 one in brackets: Quarkus reads a bare {@code ::1} as the host name {@code :}
     * with port 1, and a trusted host name is looked up through DNS (A and AAAA) on every request, before the request
     * is handled; where DNS is slow every request waits for it, and where it fails a request's body is lost (500).
     */
    public static final String TRUSTED_PROXIES = "127.0.0.1,[::1]";
    /**
     * Where everything of the stack listens but the door's https: this machine only. The services' own ports speak
     * plain HTTP (bearer tokens in clear) and their management ports serve metrics; PostgreSQL, Kafka and Keycloak
     * listen here too. Other machines reach the stack through the door's https alone.
     */
    public static final String LOOPBACK = "127.0.0.1";
    public static final Map<String, String> DATABASES = Map.of("catalog-service", "catalog", "replication-service",
            "replication", "access-service", "access", "billing-service", "billing");

    private final Path runDir;
    private final int offset;
    private PostgresServer postgres;
    private KafkaBroker kafka;
    private KeycloakServer keycloak;
    private java.util.Properties busSecrets;
    private final List<ManagedProcess> services = new ArrayList<>();
    /** The second instances ({@link #instances}), by service. */
    private final Map<String, ManagedProcess> seconds = new LinkedHashMap<>();
    private int instances = 1;
    private ManagedProcess door;
    private LocalTls tls;
    private final Map<String, Map<String, String>> extraEnv = new HashMap<>();

    public LocalStack(Path runDir, int offset) {
        this.runDir = runDir.toAbsolutePath();
        this.offset = offset;
    }

    public int port(int base) {
        return base + offset;
    }

    public int servicePort(String service) {
        return port(SERVICE_PORTS.get(service));
    }

    public String serviceUrl(String service) {
        return "http://localhost:" + servicePort(service);
    }

    /** The service's management interface: {@code /q/health/ready}, {@code /q/metrics}. */
    public String managementUrl(String service) {
        return "http://localhost:" + port(MANAGEMENT_PORTS.get(service));
    }

    /**
     * The services that may run as several instances over one database each (replication-service is the one writer
     * of its stores: always one).
     */
    public static final List<String> SCALABLE = List.of("access-service", "catalog-service", "billing-service");

    /**
     * Runs {@link #SCALABLE} as {@code n} instances (1 or 2; call before {@link #start()}): the second answers on the
     * first's port + 10 (management + 100), and the front door sends each request to the next instance.
     */
    public LocalStack instances(int n) {
        if (n < 1 || n > 2) {
            throw new IllegalArgumentException("1 or 2 instances, not " + n);
        }
        this.instances = n;
        return this;
    }

    /** The port of instance {@code n} (1 or 2) of a service. */
    public int servicePort(String service, int n) {
        return servicePort(service) + (n == 1 ? 0 : 10);
    }

    public String serviceUrl(String service, int n) {
        return "http://localhost:" + servicePort(service, n);
    }

    public String managementUrl(String service, int n) {
        return "http://localhost:" + (port(MANAGEMENT_PORTS.get(service)) + (n == 1 ? 0 : 100));
    }

    /** The instances of a service this stack runs (the door's upstream: their URLs, comma-separated). */
    private int instancesOf(String service) {
        return SCALABLE.contains(service) ? instances : 1;
    }

    private String upstream(String service) {
        return instancesOf(service) == 1 ? serviceUrl(service)
                : serviceUrl(service, 1) + "," + serviceUrl(service, 2);
    }

    /** Stops instance {@code n} of a service as a crash does (SIGKILL), for tests of an instance going away. */
    public void killInstance(String service, int n) {
        instance(service, n).kill();
    }

    /** Starts instance {@code n} of a service again (after {@link #killInstance}) and waits until it is ready. */
    public void startInstance(String service, int n) {
        ManagedProcess p = startService(service, n);
        if (n == 1) {
            services.set(SERVICES.indexOf(service), p);
        } else {
            seconds.put(service, p);
        }
        String ready = managementUrl(service, n) + "/q/health/ready";
        Net.await(service, Duration.ofSeconds(180), () -> Net.httpStatus(ready) == 200, () -> !p.alive());
    }

    private ManagedProcess instance(String service, int n) {
        if (n < 1 || n > instancesOf(service)) {
            throw new IllegalArgumentException(service + " has no instance " + n);
        }
        return n == 1 ? services.get(SERVICES.indexOf(service)) : seconds.get(service);
    }

    /** The front door over https (its certificate names localhost; trust {@link #tls()}'s CA). */
    public String doorUrl() {
        return "https://localhost:" + port(DOOR_HTTPS_PORT);
    }

    /** The front door's http twin (for curl users; same routes, same headers). */
    public String doorHttpUrl() {
        return "http://localhost:" + port(DOOR_HTTP_PORT);
    }

    /** The stack's CA and the door's certificate (under the run folder's {@code tls/}). */
    public LocalTls tls() {
        return tls;
    }

    public String issuer(String realm) {
        return keycloak.issuer(realm);
    }

    public String kafkaBootstrap() {
        return kafka.bootstrapServers();
    }

    /** The token endpoint of a realm (the services' own: {@link Realms#PLATFORM}; a tenant's, for its subscribers). */
    public String tokenUrl(String realm) {
        return keycloak.issuer(realm) + "/protocol/openid-connect/token";
    }

    /** Kafka client settings that sign in as one of the services (platform realm, client credentials). */
    public java.util.Properties busClientProps(String service) {
        return BusLayout.clientProps(kafka.bootstrapServers(), tokenUrl(Realms.PLATFORM), service,
                busSecrets.getProperty(service));
    }

    /** The broker's super user (SASL/PLAIN on the inter-broker listener): provisioning, and tests that read any topic. */
    public java.util.Properties superUserProps() {
        return kafka.superUserProps();
    }

    /** JDBC access to a service's database ({@link #DATABASES}), for tests that look at a read model. */
    public java.sql.Connection database(String service) throws java.sql.SQLException {
        return java.sql.DriverManager.getConnection(postgres.jdbcUrl(DATABASES.get(service)), postgres.user(),
                postgres.password());
    }

    public int keycloakPort() {
        return port(8180);
    }

    public Path logDir() {
        return runDir.resolve("logs");
    }

    /** Sets an environment variable of one service (configuration a test needs); call before {@link #start()}. */
    public LocalStack env(String service, String name, String value) {
        extraEnv.computeIfAbsent(service, k -> new HashMap<>()).put(name, value);
        return this;
    }

    /**
     * Kills a service with SIGKILL (a crash: nothing is flushed or closed), starts it again and waits until it is
     * ready: for tests of what survives a crash.
     */
    public void crashAndRestart(String service) {
        killInstance(service, 1);
        startInstance(service, 1);
    }

    public LocalStack start() {
        try {
            Files.createDirectories(logDir());
            checkFree();
            long t0 = System.nanoTime();
            postgres = PostgresServer.startOrAttach(runDir.resolve("postgres"), port(55432));
            postgres.ensureDatabases(List.copyOf(DATABASES.values()));
            log("PostgreSQL ready on " + postgres.host() + ":" + postgres.port() + (postgres.isEmbedded()
                    ? " (embedded)" : " (external)"), t0);
            busSecrets = busSecrets(runDir.resolve("bus/secrets.properties"));
            startKafka();
            BusLayout.provision(kafka.superUserProps(), true);
            log("Kafka (KRaft) ready on " + kafka.bootstrapServers() + " (SASL/OAUTHBEARER, ACLs)", t0);
            Map<String, String> realmValues = new HashMap<>();
            for (BusLayout.Rights r : BusLayout.RIGHTS) {
                realmValues.put("bus.secret." + r.service(), busSecrets.getProperty(r.service()));
            }
            realmValues.put(KeycloakServer.PORTAL_URL, doorUrl() + "/portal");
            realmValues.put(KeycloakServer.PORTAL_ORIGIN, doorUrl());
            keycloak = KeycloakServer.start(runDir.resolve("keycloak"), port(8180), port(9180), realmValues);
            keycloak.ensurePortalClients();
            log("Keycloak ready on http://localhost:" + keycloak.port(), t0);
            for (String svc : SERVICES) {
                services.add(startService(svc, 1));
            }
            for (int i = 0; i < SERVICES.size(); i++) {
                String svc = SERVICES.get(i);
                ManagedProcess p = services.get(i);
                String ready = managementUrl(svc) + "/q/health/ready";
                Net.await(svc, Duration.ofSeconds(180), () -> Net.httpStatus(ready) == 200, () -> !p.alive());
                log(svc + " ready on " + serviceUrl(svc), t0);
            }
            // the second instances after the first are up: the first has migrated the database
            for (String svc : SERVICES) {
                if (instancesOf(svc) == 2) {
                    seconds.put(svc, startService(svc, 2));
                }
            }
            for (Map.Entry<String, ManagedProcess> e : seconds.entrySet()) {
                String ready = managementUrl(e.getKey(), 2) + "/q/health/ready";
                Net.await(e.getKey() + " (2)", Duration.ofSeconds(180), () -> Net.httpStatus(ready) == 200,
                        () -> !e.getValue().alive());
                log(e.getKey() + " (second instance) ready on " + serviceUrl(e.getKey(), 2), t0);
            }
            tls = LocalTls.ensure(runDir.resolve("tls"));
            door = startDoor();
            // its management interface serves https with the same certificate (Quarkus gives it the default TLS
            // configuration): ready when its http twin answers (the door's own 404 for a path no service serves)
            String doorUp = doorHttpUrl() + "/";
            Net.await(DOOR, Duration.ofSeconds(120), () -> Net.httpStatus(doorUp) == 404, () -> !door.alive());
            log("front door ready on " + doorUrl() + " (and " + doorHttpUrl() + ")", t0);
            return this;
        } catch (java.io.IOException e) {
            close();
            throw new java.io.UncheckedIOException(e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Stops PostgreSQL (the embedded one) as an outage of the database does, the services left running; {@link
     * #startPostgres()} brings it back on the same port with the same data. For the end-to-end suite's faults.
     */
    public void stopPostgres() {
        if (!postgres.isEmbedded()) {
            throw new IllegalStateException("this stack uses an external PostgreSQL, which it does not stop");
        }
        postgres.close();
    }

    public void startPostgres() {
        postgres = PostgresServer.embedded(runDir.resolve("postgres"), port(55432));
    }

    /** Stops the Kafka broker as an outage does, the services left running; {@link #startKafka()} restarts it. */
    public void stopKafka() {
        kafka.close();
    }

    /** The broker on its ports and data (formatted on the first start), with the stack's security. */
    public void startKafka() {
        kafka = KafkaBroker.start(runDir.resolve("kafka"), port(9092), port(9093), "384m",
                new KafkaBroker.Security("http://localhost:" + port(8180) + "/realms/",
                        busSecrets.getProperty(BusLayout.SUPER_USER), port(9094)));
    }

    private void checkFree() {
        List<Integer> ports = new ArrayList<>(List.of(port(9092), port(9093), port(9094), port(8180), port(9180),
                port(DOOR_HTTPS_PORT), port(DOOR_HTTP_PORT), port(DOOR_MANAGEMENT_PORT)));
        SERVICE_PORTS.values().forEach(p -> ports.add(port(p)));
        MANAGEMENT_PORTS.values().forEach(p -> ports.add(port(p)));
        for (String svc : SERVICES) {
            if (instancesOf(svc) == 2) {
                ports.add(servicePort(svc, 2));
                ports.add(port(MANAGEMENT_PORTS.get(svc)) + 100);
            }
        }
        for (int p : ports) {
            if (Net.listening(p)) {
                throw new IllegalStateException("port " + p + " is already in use: is another stack running? "
                        + "(./gallery status)");
            }
        }
    }

    private ManagedProcess startService(String svc, int n) {
        Path jar = ProjectPaths.root().resolve(svc).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build first (./mvnw package -DskipTests)");
        }
        String db = DATABASES.get(svc);
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_HTTP_HOST", LOOPBACK);
        env.put("QUARKUS_HTTP_PORT", String.valueOf(servicePort(svc, n)));
        env.put("QUARKUS_MANAGEMENT_HOST", LOOPBACK);
        env.put("QUARKUS_MANAGEMENT_PORT", String.valueOf(port(MANAGEMENT_PORTS.get(svc)) + (n == 1 ? 0 : 100)));
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", postgres.reactiveUrl(db));
        env.put("QUARKUS_DATASOURCE_JDBC_URL", postgres.jdbcUrl(db));
        env.put("QUARKUS_DATASOURCE_USERNAME", postgres.user());
        env.put("QUARKUS_DATASOURCE_PASSWORD", postgres.password());
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("GALLERY_BUS_TOKEN_URL", tokenUrl(Realms.PLATFORM));
        env.put("GALLERY_BUS_CLIENT_SECRET", busSecrets.getProperty(svc));
        env.put("GALLERY_OIDC_TENANTS", tenantIssuers());
        env.put("GALLERY_STORE_ROOT", runDir.resolve("stores").toString());
        env.put("GALLERY_STORE_PUBLIC_BASE_URL", serviceUrl("replication-service"));
        env.put("GALLERY_CATALOG_DATA_PLANE_URL", serviceUrl("replication-service"));
        // a disk uploaded through one of the door's listeners is taken by an image PUT sent through the other
        env.put("GALLERY_CATALOG_DATA_PLANE_ALIASES", String.join(",", doorUrl(), doorHttpUrl(),
                doorUrl().replace("localhost", "127.0.0.1"), doorHttpUrl().replace("localhost", "127.0.0.1")));
        // the front door runs here: only its forwarded headers (X-Forwarded-Host, -Proto) change the URLs a service
        // answers; another process of this machine that calls a service's port directly cannot choose them
        env.put("QUARKUS_HTTP_PROXY_TRUSTED_PROXIES", TRUSTED_PROXIES);
        if (svc.equals("access-service")) {
            // the public streams: subscribers are clients that access-service makes in the tenants' realms through
            // Keycloak's admin API (the local Keycloak's bootstrap administrator), told where to sign in and connect
            String kc = "http://localhost:" + keycloak.port();
            env.put("GALLERY_PUBLIC_STREAMS_KEYCLOAK_URL", kc);
            env.put("GALLERY_PUBLIC_STREAMS_KEYCLOAK_PUBLIC_REALM_BASE", kc + "/realms/");
            env.put("GALLERY_PUBLIC_STREAMS_KEYCLOAK_ADMIN_USERNAME", "admin");
            env.put("GALLERY_PUBLIC_STREAMS_KEYCLOAK_ADMIN_PASSWORD", "admin");
            env.put("GALLERY_PUBLIC_STREAMS_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
            // EnableCommunity without information reads what the gallery's owner asked for from catalog-service
            env.put("GALLERY_ACCESS_CATALOG_URLS", upstream("catalog-service"));
            // who registers tenants: alice of contoso (nobody unless set)
            env.put("GALLERY_ACCESS_PLATFORM_ADMINISTRATORS", "contoso:" + Realms.ALICE);
        }
        env.putAll(extraEnv.getOrDefault(svc, Map.of()));
        List<String> cmd = new ArrayList<>(List.of(ProjectPaths.javaBinary().toString()));
        cmd.addAll(jvmOptions(svc));
        cmd.addAll(List.of("-jar", jar.toString()));
        String name = n == 1 ? svc : svc + "-" + n;
        return ManagedProcess.start(name, cmd, runDir, env, logDir().resolve(name + ".log"));
    }

    /** The seeded tenants and their issuers on this stack's Keycloak, {@code name=issuer,...}. */
    private String tenantIssuers() {
        return Realms.CONTOSO + "=" + keycloak.issuer(Realms.CONTOSO) + ","
                + Realms.FABRIKAM + "=" + keycloak.issuer(Realms.FABRIKAM);
    }

    private ManagedProcess startDoor() {
        Path jar = ProjectPaths.root().resolve(DOOR).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build first (./mvnw package -DskipTests)");
        }
        Map<String, String> env = new HashMap<>(tls.doorEnv());
        env.put("GALLERY_DOOR_LISTEN_HTTP_PORT", String.valueOf(port(DOOR_HTTP_PORT)));
        env.put("GALLERY_DOOR_LISTEN_HTTPS_PORT", String.valueOf(port(DOOR_HTTPS_PORT)));
        // https on every interface, the one endpoint other machines reach; the http twin and health here only
        env.put("GALLERY_DOOR_LISTEN_HTTP_HOST", LOOPBACK);
        env.put("QUARKUS_MANAGEMENT_HOST", LOOPBACK);
        env.put("QUARKUS_MANAGEMENT_PORT", String.valueOf(port(DOOR_MANAGEMENT_PORT)));
        env.put("GALLERY_DOOR_UPSTREAMS_ACCESS", upstream("access-service"));
        env.put("GALLERY_DOOR_UPSTREAMS_CATALOG", upstream("catalog-service"));
        env.put("GALLERY_DOOR_UPSTREAMS_BILLING", upstream("billing-service"));
        env.put("GALLERY_DOOR_UPSTREAMS_REPLICATION", upstream("replication-service"));
        // the portal signs its users in at the tenants the services accept tokens of
        env.put("GALLERY_DOOR_PORTAL_TENANTS", tenantIssuers());
        env.putAll(extraEnv.getOrDefault(DOOR, Map.of()));
        List<String> cmd = new ArrayList<>(List.of(ProjectPaths.javaBinary().toString()));
        cmd.addAll(jvmOptions(DOOR));
        cmd.addAll(List.of("-jar", jar.toString()));
        return ManagedProcess.start(DOOR, cmd, runDir, env, logDir().resolve(DOOR + ".log"));
    }

    /**
     * The JVM a service runs in. Each gets its whole heap from the start: grown from a small one, the old generation
     * filled at every step and a service under load stopped for full collections (100 ms each, seen as resolve p99
     * spikes). replication-service moves bytes and keeps its chunk index in memory: 512 MiB (what its benchmark holds
     * it to) and the throughput collector: a warm 1 GiB ingest took 0.87 to 1.05 s under it, 1.03 to 1.25 s under G1,
     * and SerialGC stopped for 120 ms full collections (bench/replication/run.sh runs it the same way).
     */
    public static List<String> jvmOptions(String svc) {
        if (svc.equals(DOOR)) {
            // the door holds no state and streams bodies (a few buffers per exchange): a small heap is plenty
            return List.of("-Xms128m", "-Xmx128m", "-XX:+UseSerialGC");
        }
        return svc.equals("replication-service")
                ? List.of("-Xms512m", "-Xmx512m", "-XX:+UseParallelGC")
                : List.of("-Xms256m", "-Xmx256m", "-XX:+UseSerialGC");
    }

    /** Where everything is, for people. */
    public Map<String, String> summary() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("PostgreSQL", postgres.host() + ":" + postgres.port() + " (user " + postgres.user()
                + "; databases catalog, replication, access, billing)");
        s.put("Kafka", kafka.bootstrapServers() + " (SASL_PLAINTEXT, mechanism OAUTHBEARER: every client signs in with "
                + "a Keycloak client's credentials; the services as platform/<service>, secrets in "
                + runDir.resolve("bus/secrets.properties") + ")");
        s.put("event subscribers", "security.protocol=SASL_PLAINTEXT sasl.mechanism=OAUTHBEARER "
                + "sasl.oauthbearer.token.endpoint.url=" + tokenUrl("<tenant>") + " topic gallery.public.<tenant>.v1 "
                + "(register one: PUT " + serviceUrl("access-service") + "/tenants/<tenant>/providers/Microsoft.Gallery/"
                + "eventSubscribers/<name>?api-version=2026-12-01 as the tenant's administrator; it answers the client "
                + "id and secret; see README \"Event subscribers\")");
        s.put("Keycloak", "http://localhost:" + keycloak.port() + " (admin/admin; realms contoso, fabrikam; platform: "
                + "the services' bus identities)");
        for (String svc : SERVICES) {
            s.put(svc, serviceUrl(svc) + "  (OpenAPI: " + serviceUrl(svc) + "/q/swagger-ui; health and metrics: "
                    + managementUrl(svc) + "/q/health, /q/metrics)" + (instancesOf(svc) == 2 ? "; second instance "
                    + serviceUrl(svc, 2) + " (" + managementUrl(svc, 2) + ")" : ""));
        }
        s.put("front door", doorUrl() + "  (the whole ARM surface on one endpoint, routed by path; http twin: "
                + doorHttpUrl() + "; health: https://localhost:" + port(DOOR_MANAGEMENT_PORT) + "/q/health)");
        s.put("portal", doorUrl() + "/portal/  (sign in as alice/alice or carol/carol of contoso, bob/bob of fabrikam; "
                + "a browser trusts the stack's CA once it is imported: TLS below)");
        s.put("TLS", tls.howToTrust(doorUrl()));
        s.put("logs", logDir().toString());
        return s;
    }

    public List<ManagedProcess> processes() {
        List<ManagedProcess> all = new ArrayList<>(services);
        all.addAll(seconds.values());
        if (door != null) {
            all.add(door);
        }
        if (keycloak != null) {
            all.add(keycloak.process());
        }
        if (kafka != null) {
            all.add(kafka.process());
        }
        return all;
    }

    /**
     * The stack's secrets of the bus (each service's client secret, the broker's super user password): made on the
     * first start, kept in the run folder (readable by its owner only) and reused, since Keycloak keeps the realm it
     * imported and the broker keeps its configuration.
     */
    private static java.util.Properties busSecrets(Path file) throws java.io.IOException {
        java.util.Properties p = new java.util.Properties();
        if (Files.isRegularFile(file)) {
            try (var in = Files.newInputStream(file)) {
                p.load(in);
            }
        }
        boolean changed = false;
        List<String> names = new ArrayList<>(List.of(BusLayout.SUPER_USER));
        BusLayout.RIGHTS.forEach(r -> names.add(r.service()));
        for (String name : names) {
            if (p.getProperty(name) == null) {
                byte[] b = new byte[24];
                new java.security.SecureRandom().nextBytes(b);
                p.setProperty(name, java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b));
                changed = true;
            }
        }
        if (changed) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, "");
            try {
                Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            try (var out = Files.newOutputStream(file)) {
                p.store(out, "the local stack's event bus secrets: client secrets of the platform realm's service "
                        + "clients, and the broker's super user (kafka) password");
            }
        }
        return p;
    }

    private static void log(String msg, long t0) {
        System.out.printf("[%5.1fs] %s%n", (System.nanoTime() - t0) / 1e9, msg);
    }

    @Override
    public void close() {
        // the door and every service at once (each takes 8 to 11 s to stop), before what they stand on
        List<ManagedProcess> front = new ArrayList<>();
        if (door != null) {
            front.add(door);
            door = null;
        }
        front.addAll(seconds.values());
        front.addAll(services);
        seconds.clear();
        services.clear();
        front.forEach(ManagedProcess::signalStop);
        front.forEach(ManagedProcess::awaitStop);
        if (keycloak != null) {
            keycloak.close();
            keycloak = null;
        }
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
    }
}

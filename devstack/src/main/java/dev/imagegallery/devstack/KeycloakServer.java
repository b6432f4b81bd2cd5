package dev.imagegallery.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Keycloak from its distribution on Maven Central ({@code org.keycloak:keycloak-quarkus-dist}), in dev mode with the
 * realms of {@link Realms} imported. The host name is fixed, so the issuer is the same whatever host a client uses.
 */
public final class KeycloakServer implements AutoCloseable {
    public static final List<String> REALM_FILES = List.of("contoso-realm.json", "fabrikam-realm.json",
            "platform-realm.json");

    private final ManagedProcess process;
    private final int port;
    private final Path imports;

    private KeycloakServer(ManagedProcess process, int port, Path imports) {
        this.imports = imports;
        this.process = process;
        this.port = port;
    }

    /** Placeholders of the realm files: where the front door serves the portal ({@code https://host:port/portal}). */
    public static final String PORTAL_URL = "portal.url";
    /** ... and the door's origin, from which the portal calls the token endpoint ({@code https://host:port}). */
    public static final String PORTAL_ORIGIN = "portal.origin";

    /**
     * Starts Keycloak, importing the realms that do not exist yet; {@code ${name}} placeholders in the realm files
     * (the platform clients' secrets, the portal's URL) are replaced from {@code values}.
     */
    public static KeycloakServer start(Path dir, int port, int managementPort, Map<String, String> values) {
        return start(dir, port, managementPort, values, "512m", List.of());
    }

    /**
     * As {@link #start(Path, int, int, Map)}, with the heap's maximum and further {@code kc.sh start-dev} options
     * (e.g. {@code --db=dev-mem}: nothing kept between starts). Keycloak prepares itself for a set of build options
     * once per home folder ("Updating the configuration", about a minute): a home reused with the same options starts
     * without it.
     */
    public static KeycloakServer start(Path dir, int port, int managementPort, Map<String, String> values,
                                       String heap, List<String> options) {
        try {
            Path home = dir.resolve("keycloak-" + Versions.KEYCLOAK);
            if (!Files.isRegularFile(home.resolve("bin/kc.sh"))) {
                copyTree(ProjectPaths.keycloakDist(), home);
            }
            // the portal's client names where the front door serves it: the local stack's door, else the default port
            values = new java.util.HashMap<>(values);
            values.putIfAbsent(PORTAL_URL, "https://localhost:8443/portal");
            values.putIfAbsent(PORTAL_ORIGIN, "https://localhost:8443");
            Path imports = home.resolve("data/import");
            Files.createDirectories(imports);
            for (String realm : REALM_FILES) {
                try (InputStream in = KeycloakServer.class.getResourceAsStream("/keycloak/" + realm)) {
                    String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                    for (Map.Entry<String, String> v : values.entrySet()) {
                        text = text.replace("${" + v.getKey() + "}", v.getValue());
                    }
                    Files.writeString(imports.resolve(realm), text);
                }
            }
            List<String> cmd = new ArrayList<>(List.of("bash", home.resolve("bin/kc.sh").toString(),
                    "start-dev", "--http-port=" + port, "--hostname=http://localhost:" + port,
                    "--http-management-port=" + managementPort, "--import-realm", "--log-level=WARN"));
            cmd.addAll(options);
            Map<String, String> env = Map.of(
                    "JAVA_HOME", System.getProperty("java.home"),
                    "JAVA_OPTS_KC_HEAP", "-Xms64m -Xmx" + heap,
                    "KC_BOOTSTRAP_ADMIN_USERNAME", "admin",
                    "KC_BOOTSTRAP_ADMIN_PASSWORD", "admin");
            Path log = dir.resolve("keycloak.log");
            ManagedProcess mp = ManagedProcess.start("keycloak", cmd, home, env, log);
            String probe = "http://127.0.0.1:" + port + "/realms/fabrikam/.well-known/openid-configuration";
            try {
                Net.await("Keycloak on port " + port, Duration.ofSeconds(300), () -> Net.httpStatus(probe) == 200,
                        () -> !mp.alive());
            } catch (RuntimeException e) {
                mp.stop();
                throw new IllegalStateException(e.getMessage() + "; see " + log, e);
            }
            return new KeycloakServer(mp, port, imports);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start Keycloak: " + e.getMessage(), e);
        }
    }

    /**
     * The portal's client ({@code gallery-portal}) in each tenant's realm as the realm files describe it: Keycloak
     * imports a realm only when it does not exist, so a run folder made before the portal gets the client now, and its
     * redirect URIs and web origin follow the door's port.
     */
    public void ensurePortalClients() {
        KeycloakAdmin admin = new KeycloakAdmin("http://localhost:" + port, "admin", "admin");
        for (String file : REALM_FILES) {
            try {
                com.fasterxml.jackson.databind.JsonNode realm = dev.imagegallery.events.Json.read(
                        Files.readString(imports.resolve(file)), com.fasterxml.jackson.databind.JsonNode.class);
                for (com.fasterxml.jackson.databind.JsonNode client : realm.path("clients")) {
                    if (client.path("clientId").asText().equals(Realms.PORTAL_CLIENT)) {
                        admin.putClient(realm.path("realm").asText(), client);
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
    }

    public String issuer(String realm) {
        return "http://localhost:" + port + "/realms/" + realm;
    }

    public int port() {
        return port;
    }

    public ManagedProcess process() {
        return process;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    @Override
    public void close() {
        process.stop();
    }
}

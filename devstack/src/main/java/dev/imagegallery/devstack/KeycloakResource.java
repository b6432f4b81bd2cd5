package dev.imagegallery.devstack;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * Real Keycloak for a service's tests, started once per test JVM (like {@link TestInfra}) from the distribution the
 * local stack and the end-to-end suite run ({@code devstack/keycloak-dist}), with the realms the local stack imports,
 * and stopped when the JVM exits. It holds nothing between runs ({@code --db=dev-mem}); its home folder
 * ({@code devstack/keycloak-dist/target/test-keycloak}) is kept, so that only the first run waits for Keycloak to
 * prepare itself. The test resource gives access-service Keycloak's admin settings (its bootstrap administrator), as
 * the local stack does; {@link #admin()} is what tests ask Keycloak with.
 *
 * <p>Users' tokens in the tests still come from the {@link TestIssuer} (the services' OIDC tenants, and the broker's
 * issuer base, are the test issuer's): this Keycloak is the identity provider whose admin API access-service drives.
 */
public class KeycloakResource implements QuarkusTestResourceLifecycleManager {
    public static final String ADMIN = "admin";
    private static KeycloakServer shared;

    /** The shared Keycloak, started on first use. */
    public static synchronized KeycloakServer keycloak() {
        if (shared == null) {
            Path dir = ProjectPaths.keycloakDist().getParent().resolve("test-keycloak");
            Map<String, String> values = new HashMap<>();
            for (BusLayout.Rights r : BusLayout.RIGHTS) {
                byte[] b = new byte[24];
                new SecureRandom().nextBytes(b);
                values.put("bus.secret." + r.service(), Base64.getUrlEncoder().withoutPadding().encodeToString(b));
            }
            int[] ports = Net.freePorts(2);
            KeycloakServer kc = KeycloakServer.start(dir, ports[0], ports[1], values, "384m",
                    java.util.List.of("--db=dev-mem"));
            Runtime.getRuntime().addShutdownHook(new Thread(kc::close, "test-keycloak-stop"));
            shared = kc;
        }
        return shared;
    }

    /** Keycloak's base URL. */
    public static String url() {
        return "http://localhost:" + keycloak().port();
    }

    public static KeycloakAdmin admin() {
        return new KeycloakAdmin(url(), ADMIN, ADMIN);
    }

    @Override
    public Map<String, String> start() {
        String url = url();
        return Map.of("gallery.public-streams.keycloak.url", url,
                "gallery.public-streams.keycloak.public-realm-base", url + "/realms/",
                "gallery.public-streams.keycloak.admin-username", ADMIN,
                "gallery.public-streams.keycloak.admin-password", ADMIN);
    }

    @Override
    public void stop() {
        // shared by every test class of the module, stopped when the JVM exits
    }
}

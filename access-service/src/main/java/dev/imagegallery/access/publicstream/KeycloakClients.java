package dev.imagegallery.access.publicstream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegallery.access.config.PublicStreamsConfig;
import dev.imagegallery.events.Json;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Subscribers' identities: confidential clients (service accounts) in the tenant's Keycloak realm, made through
 * Keycloak's admin REST API with the platform's administrative credential ({@code gallery.public-streams.keycloak.*}).
 * A subscriber's access tokens carry the broker's audience (an audience mapper), so the broker accepts them and names
 * the client {@code User:<realm>/<clientId>}.
 */
@ApplicationScoped
public class KeycloakClients {
    /** Keycloak answered something access-service cannot work with (down, refused the credential, ...). */
    public static class IdpUnavailable extends RuntimeException {
        public IdpUnavailable(String message) {
            super(message);
        }
    }

    /** The realm has a client of that id already (not one access-service made for this subscriber). */
    public static class ClientExists extends RuntimeException {
        public ClientExists(String clientId) {
            super(clientId);
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private final PublicStreamsConfig config;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public KeycloakClients(PublicStreamsConfig config) {
        this.config = config;
    }

    /** Creates the client and answers its secret (generated here, 256 random bits). */
    public Uni<String> create(String realm, String clientId, String description) {
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(32));
        Map<String, Object> client = new java.util.HashMap<>(Map.of(
                "clientId", clientId,
                "name", "Image Gallery event subscriber " + clientId,
                "description", description == null ? "" : description,
                "enabled", true,
                "publicClient", false,
                "secret", secret,
                "serviceAccountsEnabled", true,
                "standardFlowEnabled", false,
                "directAccessGrantsEnabled", false,
                "protocolMappers", List.of(Map.of(
                        "name", "kafka-broker-audience",
                        "protocol", "openid-connect",
                        "protocolMapper", "oidc-audience-mapper",
                        "config", Map.of("included.custom.audience", config.keycloak().brokerAudience(),
                                "access.token.claim", "true", "id.token.claim", "false")))));
        // the tokens' lifetime: a client disabled or deleted in Keycloak itself reads at most this long
        client.put("attributes", Map.of("access.token.lifespan",
                String.valueOf(config.keycloak().subscriberTokenLifespan().toSeconds())));
        return token().chain(t -> send(HttpRequest.newBuilder(admin(realm, "/clients"))
                .header("Authorization", "Bearer " + t).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(client))).build()))
                .map(r -> {
                    if (r.statusCode() == 409) {
                        throw new ClientExists(clientId);
                    }
                    expect(r, 201, "create client " + clientId + " in realm " + realm);
                    return secret;
                });
    }

    /** Deletes the client of that id, if the realm has it; answers whether it did. */
    public Uni<Boolean> delete(String realm, String clientId) {
        return token().chain(t -> send(HttpRequest.newBuilder(admin(realm, "/clients?clientId="
                        + URLEncoder.encode(clientId, StandardCharsets.UTF_8)))
                .header("Authorization", "Bearer " + t).GET().build())
                .chain(r -> {
                    if (r.statusCode() == 404) {
                        return Uni.createFrom().item(false); // no such realm
                    }
                    expect(r, 200, "find client " + clientId + " in realm " + realm);
                    JsonNode found = Json.read(r.body(), JsonNode.class);
                    Optional<String> id = found.isArray() && found.size() > 0
                            && clientId.equals(found.get(0).path("clientId").asText())
                            ? Optional.of(found.get(0).path("id").asText()) : Optional.empty();
                    if (id.isEmpty()) {
                        return Uni.createFrom().item(false);
                    }
                    return send(HttpRequest.newBuilder(admin(realm, "/clients/" + id.get()))
                            .header("Authorization", "Bearer " + t).DELETE().build())
                            .map(d -> {
                                if (d.statusCode() != 404) {
                                    expect(d, 204, "delete client " + clientId + " in realm " + realm);
                                }
                                return true;
                            });
                }));
    }

    /** An admin access token: client credentials of a confidential admin client, or a user of the admin realm. */
    Uni<String> token() {
        var kc = config.keycloak();
        StringBuilder form = new StringBuilder();
        if (kc.adminClientSecret().isPresent()) {
            form.append("grant_type=client_credentials&client_id=").append(enc(kc.adminClientId()))
                    .append("&client_secret=").append(enc(kc.adminClientSecret().get()));
        } else {
            form.append("grant_type=password&client_id=").append(enc(kc.adminClientId()))
                    .append("&username=").append(enc(kc.adminUsername().orElse("admin")))
                    .append("&password=").append(enc(kc.adminPassword().orElse("")));
        }
        return send(HttpRequest.newBuilder(URI.create(base() + "/realms/" + kc.adminRealm()
                        + "/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form.toString())).build())
                .map(r -> {
                    expect(r, 200, "sign in to Keycloak's admin realm");
                    return Json.read(r.body(), JsonNode.class).path("access_token").asText();
                });
    }

    private Uni<HttpResponse<String>> send(HttpRequest request) {
        HttpRequest timed = HttpRequest.newBuilder(request, (n, v) -> true).timeout(Duration.ofSeconds(10)).build();
        return Uni.createFrom().completionStage(() -> http.sendAsync(timed, HttpResponse.BodyHandlers.ofString()))
                .onFailure(e -> !(e instanceof IdpUnavailable))
                .transform(e -> new IdpUnavailable("Keycloak did not answer: " + e.getMessage()));
    }

    private static void expect(HttpResponse<String> r, int status, String what) {
        if (r.statusCode() != status) {
            throw new IdpUnavailable("Keycloak refused to " + what + ": HTTP " + r.statusCode());
        }
    }

    private URI admin(String realm, String path) {
        return URI.create(base() + "/admin/realms/" + enc(realm) + path);
    }

    private String base() {
        String u = config.keycloak().url();
        return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}

package dev.imagegallery.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imagegallery.events.Json;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * What tests ask a real Keycloak through its admin REST API (as its bootstrap administrator of the {@code master}
 * realm): a realm's client as Keycloak holds it, its secret, a client attribute to change; and a client's own
 * client-credentials token and its claims.
 */
public final class KeycloakAdmin {
    private final String base;
    private final String username;
    private final String password;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public KeycloakAdmin(String base, String username, String password) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.username = username;
        this.password = password;
    }

    /** The client of that {@code clientId} as the realm holds it (with its internal {@code id}), if it has one. */
    public Optional<JsonNode> client(String realm, String clientId) {
        HttpResponse<String> r = send(admin(realm, "/clients?clientId=" + enc(clientId)).GET(), 200);
        for (JsonNode c : Json.read(r.body(), JsonNode.class)) {
            if (clientId.equals(c.path("clientId").asText())) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /**
     * Makes the realm's client of {@code client}'s {@code clientId} what {@code client} describes: created where the
     * realm has none, else its redirect URIs, web origins and attributes set from it.
     */
    public void putClient(String realm, JsonNode client) {
        Optional<JsonNode> held = client(realm, client.path("clientId").asText());
        if (held.isEmpty()) {
            send(admin(realm, "/clients").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(client))), 201);
            return;
        }
        ObjectNode c = (ObjectNode) held.get();
        c.set("redirectUris", client.path("redirectUris"));
        c.set("webOrigins", client.path("webOrigins"));
        ObjectNode attributes = c.has("attributes") ? (ObjectNode) c.get("attributes") : c.putObject("attributes");
        client.path("attributes").fields().forEachRemaining(a -> attributes.set(a.getKey(), a.getValue()));
        send(admin(realm, "/clients/" + c.path("id").asText()).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(Json.write(c))), 204);
    }

    /** The client's secret as Keycloak holds it. */
    public String secret(String realm, String clientId) {
        String id = require(realm, clientId).path("id").asText();
        return Json.read(send(admin(realm, "/clients/" + id + "/client-secret").GET(), 200).body(), JsonNode.class)
                .path("value").asText();
    }

    /**
     * Sets one attribute of the client (e.g. {@code access.token.lifespan}, in seconds: the lifetime of the tokens it
     * gets from now on), as an administrator does in the console.
     */
    public void setAttribute(String realm, String clientId, String name, String value) {
        ObjectNode c = (ObjectNode) require(realm, clientId);
        (c.has("attributes") ? (ObjectNode) c.get("attributes") : c.putObject("attributes")).put(name, value);
        send(admin(realm, "/clients/" + c.path("id").asText()).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(Json.write(c))), 204);
    }

    /**
     * The client-credentials grant at the realm's token endpoint: the access token, or empty when Keycloak refuses
     * (unknown client, wrong secret, a client without a service account).
     */
    public Optional<String> clientToken(String realm, String clientId, String secret) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/realms/" + enc(realm)
                        + "/protocol/openid-connect/token")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&client_id=" + enc(clientId)
                        + "&client_secret=" + enc(secret))), -1);
        return r.statusCode() == 200
                ? Optional.of(Json.read(r.body(), JsonNode.class).path("access_token").asText())
                : Optional.empty();
    }

    /** A JWT's claims (not verified: for tests that look at what Keycloak put in a token it just issued). */
    public static JsonNode claims(String jwt) {
        String[] parts = jwt.split("\\.");
        return Json.read(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8), JsonNode.class);
    }

    private JsonNode require(String realm, String clientId) {
        return client(realm, clientId).orElseThrow(() -> new IllegalStateException("realm " + realm
                + " has no client " + clientId));
    }

    private String adminToken() {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base
                        + "/realms/master/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=password&client_id=admin-cli&username="
                        + enc(username) + "&password=" + enc(password))), 200);
        return Json.read(r.body(), JsonNode.class).path("access_token").asText();
    }

    private HttpRequest.Builder admin(String realm, String path) {
        return HttpRequest.newBuilder(URI.create(base + "/admin/realms/" + enc(realm) + path))
                .header("Authorization", "Bearer " + adminToken());
    }

    private HttpResponse<String> send(HttpRequest.Builder request, int expected) {
        try {
            HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (expected > 0 && r.statusCode() != expected) {
                throw new IllegalStateException("Keycloak answered " + r.statusCode() + " to " + r.request().method()
                        + " " + r.request().uri() + ": " + r.body());
            }
            return r;
        } catch (IOException e) {
            throw new IllegalStateException("Keycloak did not answer: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}

package dev.imagegallery.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.imagegallery.events.Json;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * The part of Keycloak's admin REST API that access-service uses for subscribers (token of the admin realm, create,
 * find and delete a client), answering as Keycloak 26 does, so that the subscriber API's tests run without Keycloak
 * (the end-to-end suite runs against the real one). {@link #down} makes it answer 500 to everything.
 */
public class FakeKeycloak implements QuarkusTestResourceLifecycleManager {
    static final String ADMIN_TOKEN = "admin-token-" + UUID.randomUUID();
    /** realm -> clientId -> client representation (with its "id"). */
    static final Map<String, Map<String, ObjectNode>> CLIENTS = new ConcurrentHashMap<>();
    static volatile boolean down;
    private static HttpServer server;

    @Override
    public synchronized Map<String, String> start() {
        if (server == null) {
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            server.setExecutor(Executors.newFixedThreadPool(4));
            server.createContext("/", FakeKeycloak::handle);
            server.start();
        }
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        return Map.of("gallery.public-streams.keycloak.url", url,
                "gallery.public-streams.keycloak.admin-username", "admin",
                "gallery.public-streams.keycloak.admin-password", "admin");
    }

    @Override
    public void stop() {
        // shared by the test classes of the module
    }

    static ObjectNode client(String realm, String clientId) {
        return CLIENTS.getOrDefault(realm, Map.of()).get(clientId);
    }

    private static void handle(HttpExchange x) throws IOException {
        try {
            String path = x.getRequestURI().getPath();
            String method = x.getRequestMethod();
            if (down) {
                answer(x, 500, "{\"error\":\"unknown_error\"}");
                return;
            }
            if (path.equals("/realms/master/protocol/openid-connect/token") && method.equals("POST")) {
                String form = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                Map<String, String> f = new java.util.HashMap<>();
                for (String kv : form.split("&")) {
                    String[] p = kv.split("=", 2);
                    f.put(p[0], p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
                }
                if ("password".equals(f.get("grant_type")) && "admin".equals(f.get("username"))
                        && "admin".equals(f.get("password")) && "admin-cli".equals(f.get("client_id"))) {
                    answer(x, 200, "{\"access_token\":\"" + ADMIN_TOKEN + "\",\"token_type\":\"Bearer\"}");
                } else {
                    answer(x, 401, "{\"error\":\"invalid_grant\"}");
                }
                return;
            }
            if (!("Bearer " + ADMIN_TOKEN).equals(x.getRequestHeaders().getFirst("Authorization"))) {
                answer(x, 401, "");
                return;
            }
            String[] seg = path.split("/"); // "", admin, realms, {realm}, clients, [{id}]
            if (seg.length < 5 || !seg[1].equals("admin") || !seg[2].equals("realms") || !seg[4].equals("clients")) {
                answer(x, 404, "");
                return;
            }
            Map<String, ObjectNode> realm = CLIENTS.computeIfAbsent(seg[3], r -> new ConcurrentHashMap<>());
            if (seg.length == 5 && method.equals("POST")) {
                ObjectNode c = (ObjectNode) Json.read(new String(x.getRequestBody().readAllBytes(),
                        StandardCharsets.UTF_8), JsonNode.class);
                String id = UUID.randomUUID().toString();
                c.put("id", id);
                if (realm.putIfAbsent(c.path("clientId").asText(), c) != null) {
                    answer(x, 409, "{\"errorMessage\":\"Client " + c.path("clientId").asText() + " already exists\"}");
                    return;
                }
                x.getResponseHeaders().add("Location", "http://keycloak/admin/realms/" + seg[3] + "/clients/" + id);
                answer(x, 201, "");
            } else if (seg.length == 5 && method.equals("GET")) {
                String q = x.getRequestURI().getQuery();
                String clientId = q == null ? null : URLDecoder.decode(q.replace("clientId=", ""),
                        StandardCharsets.UTF_8);
                ObjectNode c = clientId == null ? null : realm.get(clientId);
                answer(x, 200, c == null ? "[]" : Json.write(List.of(c)));
            } else if (seg.length == 6 && method.equals("DELETE")) {
                boolean removed = realm.values().removeIf(c -> c.path("id").asText().equals(seg[5]));
                answer(x, removed ? 204 : 404, "");
            } else {
                answer(x, 405, "");
            }
        } catch (RuntimeException e) {
            answer(x, 500, "");
        }
    }

    private static void answer(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            x.getResponseBody().write(b);
        }
        x.close();
    }
}

package dev.imagegallery.devstack;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An OIDC token issuer for tests: serves discovery and JWKS for any realm under {@code /realms/{realm}} and signs real
 * RS256 JWTs, so that services validate tokens exactly as they do Keycloak's. One signing key for all realms; a second,
 * unpublished key forges tokens. Confidential clients registered with {@link #registerClient} get tokens from the
 * realm's token endpoint by the client-credentials grant, shaped as Keycloak's service-account tokens (audience
 * {@code kafka-broker}, {@code azp} the client id): what the Kafka clients of the services and subscribers use.
 */
public final class TestIssuer implements AutoCloseable {
    private static TestIssuer shared;

    private final HttpServer server;
    private final RsaJsonWebKey key;
    private final RsaJsonWebKey forgeryKey;
    /** "realm/clientId" -> secret */
    private final Map<String, String> clients = new ConcurrentHashMap<>();
    /** Keycloak's default access token lifespan. */
    private static final long CLIENT_TOKEN_LIFETIME_SECONDS = 300;

    private TestIssuer() throws IOException, JoseException {
        key = RsaJwkGenerator.generateJwk(2048);
        key.setKeyId("test-" + UUID.randomUUID());
        forgeryKey = RsaJwkGenerator.generateJwk(2048);
        forgeryKey.setKeyId(key.getKeyId());
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/realms/", this::handle);
        server.start();
    }

    /** One issuer per test JVM. */
    public static synchronized TestIssuer shared() {
        if (shared == null) {
            try {
                shared = new TestIssuer();
            } catch (IOException | JoseException e) {
                throw new IllegalStateException("cannot start the test token issuer", e);
            }
        }
        return shared;
    }

    public String issuer(String realm) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/realms/" + realm;
    }

    /** The realm's token endpoint (client-credentials grant for registered clients). */
    public String tokenUrl(String realm) {
        return issuer(realm) + "/protocol/openid-connect/token";
    }

    /** Registers a confidential client of the realm (as Keycloak's admin would) and returns its new secret. */
    public String registerClient(String realm, String clientId) {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        clients.put(realm + "/" + clientId, secret);
        return secret;
    }

    /** The token a registered client gets from the token endpoint (also for tests that present one by hand). */
    public String clientToken(String realm, String clientId) {
        Token t = new Token(realm, UUID.nameUUIDFromBytes((realm + "/" + clientId).getBytes(StandardCharsets.UTF_8))
                .toString()).audience(Realms.BUS_AUDIENCE).lifetime(CLIENT_TOKEN_LIFETIME_SECONDS);
        t.azp = clientId;
        t.username = "service-account-" + clientId;
        return t.sign();
    }

    private void token(HttpExchange ex, String realm) throws IOException {
        String form = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> params = new HashMap<>();
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        String id = params.get("client_id");
        String secret = params.get("client_secret");
        String basic = ex.getRequestHeaders().getFirst("Authorization");
        if (basic != null && basic.startsWith("Basic ")) {
            String pair = new String(Base64.getDecoder().decode(basic.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = pair.indexOf(':');
            if (colon > 0) {
                id = URLDecoder.decode(pair.substring(0, colon), StandardCharsets.UTF_8);
                secret = URLDecoder.decode(pair.substring(colon + 1), StandardCharsets.UTF_8);
            }
        }
        String known = id == null ? null : clients.get(realm + "/" + id);
        String body;
        int status;
        if (!"client_credentials".equals(params.get("grant_type"))) {
            status = 400;
            body = "{\"error\":\"unsupported_grant_type\"}";
        } else if (known == null || !known.equals(secret)) {
            status = 401;
            body = "{\"error\":\"unauthorized_client\",\"error_description\":\"Invalid client or Invalid client credentials\"}";
        } else {
            status = 200;
            body = "{\"access_token\":\"" + clientToken(realm, id) + "\",\"token_type\":\"Bearer\",\"expires_in\":"
                    + CLIENT_TOKEN_LIFETIME_SECONDS + "}";
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String[] parts = path.split("/");
        // /realms/{realm}/...
        String realm = parts.length > 2 ? parts[2] : "";
        String body;
        if (path.endsWith("/protocol/openid-connect/token") && "POST".equals(ex.getRequestMethod())) {
            token(ex, realm);
            return;
        }
        if (path.endsWith("/.well-known/openid-configuration")) {
            String iss = issuer(realm);
            body = "{\"issuer\":\"" + iss + "\",\"jwks_uri\":\"" + iss + "/protocol/openid-connect/certs\","
                    + "\"token_endpoint\":\"" + iss + "/protocol/openid-connect/token\","
                    + "\"authorization_endpoint\":\"" + iss + "/protocol/openid-connect/auth\","
                    + "\"id_token_signing_alg_values_supported\":[\"RS256\"]}";
        } else if (path.endsWith("/protocol/openid-connect/certs")) {
            body = new JsonWebKeySet(key).toJson();
        } else {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    public Token token(String realm, String subject) {
        return new Token(realm, subject);
    }

    /** A token builder with the claims Keycloak's realms put in (iss, sub, aud, tid, groups, preferred_username). */
    public final class Token {
        private final String realm;
        private final String subject;
        private String tid;
        private String audience = Realms.AUDIENCE;
        private List<String> groups = List.of();
        private long lifetimeSeconds = 3600;
        private boolean forged;
        private String issuerOverride;
        private String azp = Realms.CLI_CLIENT;
        private String username;

        private Token(String realm, String subject) {
            this.realm = realm;
            this.subject = subject;
            this.tid = realm;
        }

        public Token groups(String... g) {
            this.groups = List.of(g);
            return this;
        }

        public Token audience(String aud) {
            this.audience = aud;
            return this;
        }

        public Token tid(String tid) {
            this.tid = tid;
            return this;
        }

        public Token expired() {
            this.lifetimeSeconds = -600;
            return this;
        }

        /** Valid for this many seconds from now. */
        public Token lifetime(long seconds) {
            this.lifetimeSeconds = seconds;
            return this;
        }

        /** The client the token was issued to ({@code azp}): a service account's client id. */
        public Token azp(String clientId) {
            this.azp = clientId;
            return this;
        }

        public Token forged() {
            this.forged = true;
            return this;
        }

        public Token issuer(String iss) {
            this.issuerOverride = iss;
            return this;
        }

        public String sign() {
            JwtClaims claims = new JwtClaims();
            claims.setIssuer(issuerOverride != null ? issuerOverride : TestIssuer.this.issuer(realm));
            claims.setSubject(subject);
            claims.setAudience(audience);
            claims.setJwtId(UUID.randomUUID().toString());
            NumericDate now = NumericDate.now();
            NumericDate iat = NumericDate.fromSeconds(now.getValue() + Math.min(0, lifetimeSeconds * 2));
            claims.setIssuedAt(iat);
            claims.setExpirationTime(NumericDate.fromSeconds(now.getValue() + lifetimeSeconds));
            claims.setClaim("tid", tid);
            claims.setClaim("preferred_username", username != null ? username : subject);
            claims.setClaim("azp", azp);
            claims.setStringListClaim("groups", groups);
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(claims.toJson());
            RsaJsonWebKey k = forged ? forgeryKey : key;
            jws.setKey(k.getPrivateKey());
            jws.setKeyIdHeaderValue(k.getKeyId());
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
            jws.setHeader("typ", "JWT");
            try {
                return jws.getCompactSerialization();
            } catch (JoseException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

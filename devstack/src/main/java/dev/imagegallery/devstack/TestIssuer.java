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
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * An OIDC token issuer for tests: serves discovery and JWKS for any realm under {@code /realms/{realm}} and signs real
 * RS256 JWTs, so that services validate tokens exactly as they do Keycloak's. One signing key for all realms; a second,
 * unpublished key forges tokens.
 */
public final class TestIssuer implements AutoCloseable {
    private static TestIssuer shared;

    private final HttpServer server;
    private final RsaJsonWebKey key;
    private final RsaJsonWebKey forgeryKey;

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

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String[] parts = path.split("/");
        // /realms/{realm}/...
        String realm = parts.length > 2 ? parts[2] : "";
        String body;
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
            claims.setClaim("preferred_username", subject);
            claims.setClaim("azp", Realms.CLI_CLIENT);
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

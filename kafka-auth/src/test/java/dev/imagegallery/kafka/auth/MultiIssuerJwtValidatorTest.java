package dev.imagegallery.kafka.auth;

import com.sun.net.httpserver.HttpServer;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.security.oauthbearer.JwtValidatorException;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule;
import org.junit.jupiter.api.Test;

import javax.security.auth.login.AppConfigurationEntry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker plugin asks the issuer for a realm's JWKS the first time a token names that realm: a token naming a
 * made-up realm cost one fetch (each name then refused for a minute), so tokens naming distinct made-up realms made
 * the broker ask Keycloak as fast as they came. New realms are looked up within a budget a minute now.
 */
class MultiIssuerJwtValidatorTest {
    static String unsigned(String iss) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"RS256\",\"kid\":\"k\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(("{\"iss\":\"" + iss + "\",\"azp\":\"x\",\"aud\":\"kafka-broker\"}")
                .getBytes(StandardCharsets.UTF_8)) + ".c2ln";
    }

    /** A local issuer that knows no realm (404 to everything), telling {@code asked} each path it is asked for. */
    static HttpServer unknowingIssuer(java.util.function.Consumer<String> asked) throws java.io.IOException {
        HttpServer issuer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        issuer.createContext("/", exchange -> {
            asked.accept(exchange.getRequestURI().getPath());
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        issuer.start();
        return issuer;
    }

    /** The plugin as a broker configures it, for {@code base}, with {@code extra} Kafka and gallery settings. */
    static MultiIssuerJwtValidator validator(String base, Map<String, String> kafka, Map<String, String> gallery) {
        ConfigDef def = new ConfigDef();
        SaslConfigs.addClientSaslSupport(def);
        Map<String, String> settings = new HashMap<>(kafka);
        settings.put(SaslConfigs.SASL_OAUTHBEARER_EXPECTED_AUDIENCE, "kafka-broker");
        Map<String, Object> configs = new HashMap<>(def.parse(settings));
        configs.put("gallery.oauthbearer.issuer.base", base);
        configs.putAll(gallery);
        MultiIssuerJwtValidator validator = new MultiIssuerJwtValidator();
        validator.configure(configs, "OAUTHBEARER", List.of(new AppConfigurationEntry(
                OAuthBearerLoginModule.class.getName(), AppConfigurationEntry.LoginModuleControlFlag.REQUIRED, Map.of())));
        return validator;
    }

    @Test
    void madeUpRealmsAreLookedUpWithinTheBudget() throws Exception {
        Set<String> asked = ConcurrentHashMap.newKeySet();
        HttpServer issuer = unknowingIssuer(asked::add);
        String base = "http://127.0.0.1:" + issuer.getAddress().getPort() + "/realms/";
        MultiIssuerJwtValidator validator = validator(base, Map.of(
                SaslConfigs.SASL_OAUTHBEARER_JWKS_ENDPOINT_RETRY_BACKOFF_MS, "1",
                SaslConfigs.SASL_OAUTHBEARER_JWKS_ENDPOINT_RETRY_BACKOFF_MAX_MS, "5"),
                Map.of("gallery.oauthbearer.new.realm.loads.per.minute", "5"));
        try {
            for (int i = 0; i < 40; i++) {
                String token = unsigned(base + "made-up-" + i);
                assertThrows(JwtValidatorException.class, () -> validator.validate(token));
            }
            assertTrue(!asked.isEmpty(), "the issuer was asked for a new realm's keys at all");
            assertTrue(asked.size() <= 5, () -> "realms whose keys the issuer was asked for: " + asked.size());
        } finally {
            validator.close();
            issuer.stop(0);
        }
    }

    /**
     * A token naming a realm the issuer does not know was refused only once Kafka's validator had given up loading
     * that realm's keys, retrying with its backoff (by default up to 10 s), all that time on the broker's network
     * thread that took the token: a few such tokens a minute held up every sign-in on those threads. The issuer's
     * 404 for the realm is the answer now: refused at once, with the issuer asked once.
     */
    @Test
    void aRealmTheIssuerDoesNotKnowIsRefusedAtOnce() throws Exception {
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        HttpServer issuer = unknowingIssuer(path -> asked.incrementAndGet());
        String base = "http://127.0.0.1:" + issuer.getAddress().getPort() + "/realms/";
        // Kafka's own retry settings, as the brokers run them (100 ms, doubling up to 10 s)
        MultiIssuerJwtValidator validator = validator(base, Map.of(), Map.of());
        try {
            String token = unsigned(base + "no-such-realm");
            long start = System.nanoTime();
            assertThrows(JwtValidatorException.class, () -> validator.validate(token));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 2000, () -> "refused after " + ms + " ms");
            assertTrue(asked.get() <= 2, () -> "the issuer was asked " + asked.get() + " times");
        } finally {
            validator.close();
            issuer.stop(0);
        }
    }
}

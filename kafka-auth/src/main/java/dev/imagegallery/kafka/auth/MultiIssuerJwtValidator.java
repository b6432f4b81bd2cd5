package dev.imagegallery.kafka.auth;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.oauthbearer.BrokerJwtValidator;
import org.apache.kafka.common.security.oauthbearer.JwtValidator;
import org.apache.kafka.common.security.oauthbearer.JwtValidatorException;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.utils.Utils;
import org.jose4j.json.JsonUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.security.auth.login.AppConfigurationEntry;

/**
 * A broker-side {@link JwtValidator} (plugged in with {@code sasl.oauthbearer.jwt.validator.class}, Kafka 4.1+) for a
 * cluster whose clients come from many OIDC issuers that share one base URL: one Keycloak realm per tenant plus the
 * services' own realm. It reads the (not yet trusted) {@code iss} claim, accepts only {@code <issuer.base><realm>} with
 * a realm name of the configured shape, and hands the token to Kafka's own {@link BrokerJwtValidator} configured for
 * exactly that issuer and that realm's JWKS (signature, iss, aud, exp, iat, sub are all checked by Kafka). A realm
 * created at run time is picked up on its first token: no broker restart.
 *
 * The principal is {@code <realm>/<azp>} (e.g. {@code contoso/subscriber-1}, {@code platform/catalog-service}): the
 * realm comes from the verified issuer, so a principal can never be claimed from another tenant's realm, and the
 * client id is readable in ACLs (a Keycloak service account's {@code sub} is an opaque UUID).
 *
 * Configuration (listener-prefixed like Kafka's own sasl.oauthbearer.* options):
 * <pre>
 *   gallery.oauthbearer.issuer.base      required, e.g. https://keycloak.example/realms/
 *   gallery.oauthbearer.realm.pattern    default [a-z0-9][a-z0-9-]{0,62}
 *   gallery.oauthbearer.realms.denied    default master
 *   gallery.oauthbearer.jwks.path        default /protocol/openid-connect/certs
 *   gallery.oauthbearer.principal.claim  default azp
 *   gallery.oauthbearer.max.realms       default 1000 (bounds the per-realm validators a flood of made-up realms creates)
 *   gallery.oauthbearer.unknown.realm.retry.ms  default 60000: a realm whose JWKS could not be loaded is refused without
 *                                        asking the issuer again for this long (no JWKS fetch per made-up token)
 *   gallery.oauthbearer.new.realm.loads.per.minute  default 60: realms not yet known whose JWKS may be asked for, a
 *                                        minute, all listeners together (a token naming a made-up realm costs one
 *                                        fetch from the issuer: distinct made-up names asked it ~170 times a second);
 *                                        past it a new realm is refused without a fetch and not remembered as unknown
 *   gallery.oauthbearer.allow.derived.jwks.urls  default true: adds each realm's JWKS URL (derived from issuer.base,
 *                                        never taken from the token) to org.apache.kafka.sasl.oauthbearer.allowed.urls
 *   sasl.oauthbearer.expected.audience   required (Kafka's own option)
 * </pre>
 */
public class MultiIssuerJwtValidator implements JwtValidator {
    private static final Logger log = LoggerFactory.getLogger(MultiIssuerJwtValidator.class);
    static final String ALLOWED_URLS = "org.apache.kafka.sasl.oauthbearer.allowed.urls";
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    // Kafka configures one validator per network thread (processor) of the listener: they share these, keyed by issuer
    private static final Map<String, Delegate> delegates = new ConcurrentHashMap<>();
    /** issuer -> until when an issuer whose JWKS could not be loaded is refused without asking it again */
    private static final Map<String, Long> unknownRealms = new ConcurrentHashMap<>();
    private static int instances;
    /** The budget of new-realm loads (a token bucket shared by every instance, as the delegates are). */
    private static final Object loadBudget = new Object();
    private static double loadsLeft = -1;
    private static long loadsRefilledAt;
    private int newRealmLoadsPerMinute;
    private long unknownRealmRetryMs;
    private Map<String, Object> configs;
    private String saslMechanism;
    private List<AppConfigurationEntry> jaas;
    private String issuerBase;
    private Pattern realmPattern;
    private Set<String> deniedRealms;
    private String jwksPath;
    private String principalClaim;
    private int maxRealms;
    private boolean allowDerivedUrls;

    private static final class Delegate {
        final BrokerJwtValidator validator;
        volatile boolean proven;

        Delegate(BrokerJwtValidator validator) {
            this.validator = validator;
        }
    }

    @Override
    public void configure(Map<String, ?> configs, String saslMechanism, List<AppConfigurationEntry> jaasConfigEntries) {
        synchronized (MultiIssuerJwtValidator.class) {
            instances++;
        }
        this.configs = new HashMap<>(configs);
        this.saslMechanism = saslMechanism;
        this.jaas = jaasConfigEntries;
        issuerBase = option("gallery.oauthbearer.issuer.base", null);
        if (issuerBase == null || !(issuerBase.startsWith("https://") || issuerBase.startsWith("http://"))) {
            throw new ConfigException("gallery.oauthbearer.issuer.base must be set to the realms' base URL, e.g. "
                    + "https://keycloak.example/realms/");
        }
        if (!issuerBase.endsWith("/")) {
            issuerBase += "/";
        }
        realmPattern = Pattern.compile(option("gallery.oauthbearer.realm.pattern", "[a-z0-9][a-z0-9-]{0,62}"));
        deniedRealms = Arrays.stream(option("gallery.oauthbearer.realms.denied", "master").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        jwksPath = option("gallery.oauthbearer.jwks.path", "/protocol/openid-connect/certs");
        principalClaim = option("gallery.oauthbearer.principal.claim", "azp");
        maxRealms = Integer.parseInt(option("gallery.oauthbearer.max.realms", "1000"));
        unknownRealmRetryMs = Long.parseLong(option("gallery.oauthbearer.unknown.realm.retry.ms", "60000"));
        newRealmLoadsPerMinute = Integer.parseInt(option("gallery.oauthbearer.new.realm.loads.per.minute", "60"));
        allowDerivedUrls = Boolean.parseBoolean(option("gallery.oauthbearer.allow.derived.jwks.urls", "true"));
        Object aud = option(SaslConfigs.SASL_OAUTHBEARER_EXPECTED_AUDIENCE);
        if (aud == null || aud.toString().isBlank() || "[]".equals(aud.toString())) {
            throw new ConfigException(SaslConfigs.SASL_OAUTHBEARER_EXPECTED_AUDIENCE + " is required");
        }
        log.info("multi-issuer OAuth validator: issuers {}<realm matching {}> (denied {}), audience {}, principal <realm>/<{}>",
                issuerBase, realmPattern, deniedRealms, aud, principalClaim);
    }

    /**
     * Kafka looks a mechanism-prefixed key ("oauthbearer.x") up before the plain one ("x"); so do we. Keys Kafka does not
     * know (ours) reach a plugin only unparsed, under their full name: "listener.name.client.oauthbearer.x" stays so.
     */
    private Object option(String name) {
        String mech = ListenerName.saslMechanismPrefix(saslMechanism);
        Object v = configs.get(mech + name);
        if (v == null) {
            v = configs.get(name);
        }
        if (v == null) {
            for (Map.Entry<String, Object> e : configs.entrySet()) {
                String k = e.getKey();
                if (k.startsWith("listener.name.") && (k.endsWith("." + mech + name) || k.endsWith("." + name))) {
                    return e.getValue();
                }
            }
        }
        return v;
    }

    private String option(String name, String dflt) {
        Object v = option(name);
        return v == null ? dflt : v.toString().trim();
    }

    @Override
    public OAuthBearerToken validate(String jwt) throws JwtValidatorException {
        Map<String, Object> unverified = unverifiedClaims(jwt);
        Object issClaim = unverified.get("iss");
        if (!(issClaim instanceof String) || !((String) issClaim).startsWith(issuerBase)) {
            throw new JwtValidatorException("the token's issuer " + issClaim + " is not under " + issuerBase);
        }
        String iss = (String) issClaim;
        String realm = iss.substring(issuerBase.length());
        if (!realmPattern.matcher(realm).matches() || deniedRealms.contains(realm)) {
            throw new JwtValidatorException("the token's issuer " + iss + " names no accepted realm");
        }
        Delegate d = delegates.get(iss);
        boolean fresh = false;
        if (d == null) {
            Long until = unknownRealms.get(iss);
            if (until != null && until > System.currentTimeMillis()) {
                throw new JwtValidatorException("realm " + realm + " is unknown (its JWKS could not be loaded recently)");
            }
            if (delegates.size() >= maxRealms || unknownRealms.size() >= 10 * maxRealms) {
                unknownRealms.values().removeIf(u -> u <= System.currentTimeMillis());
                throw new JwtValidatorException("too many realms; refusing a token of realm " + realm);
            }
            if (!takeLoad(newRealmLoadsPerMinute)) {
                throw new JwtValidatorException("realm " + realm + " is not looked up now: too many new realms were "
                        + "asked for in the last minute; try again shortly");
            }
            try {
                knownToIssuer(iss, realm);
                // Kafka's validator loads the realm's JWKS here: a realm that does not exist fails now
                d = delegates.computeIfAbsent(iss, r -> new Delegate(newDelegate(iss)));
            } catch (JwtValidatorException e) {
                unknownRealms.put(iss, System.currentTimeMillis() + unknownRealmRetryMs);
                throw e;
            }
            unknownRealms.remove(iss);
            fresh = true;
        }
        OAuthBearerToken token;
        try {
            // Kafka's own validation: signature against this realm's JWKS, iss == this realm, aud, exp, iat, sub.
            token = d.validator.validate(jwt);
            d.proven = true;
        } catch (JwtValidatorException e) {
            if (fresh && !d.proven && delegates.remove(iss, d)) {
                // a realm never seen with a valid token (maybe made up): keep no state (and no refresh thread) for it
                Utils.closeQuietly(d.validator, "validator of realm " + realm);
            }
            throw e;
        }
        // The same bytes were just verified, so the unverified parse is now trusted.
        Object client = unverified.get(principalClaim);
        if (!(client instanceof String) || !CLIENT_ID.matcher((String) client).matches()) {
            throw new JwtValidatorException("the token's " + principalClaim + " claim is missing or malformed");
        }
        return new GalleryToken(jwt, token.scope(), token.lifetimeMs(), realm + "/" + client, token.startTimeMs());
    }

    private static final java.net.http.HttpClient PROBE = java.net.http.HttpClient.newBuilder()
            .connectTimeout(java.time.Duration.ofSeconds(2))
            .followRedirects(java.net.http.HttpClient.Redirect.NEVER).build();

    /**
     * Asks the issuer once whether it knows a realm new to the broker: a 404 for the realm's JWKS refuses the token at
     * once. Kafka's validator, loading the keys of a realm that does not exist, retried with its backoff (about 1.5 s
     * with its defaults, longer with longer ones) on the broker network thread that took the token, holding up the
     * sign-ins queued on that thread. Any other answer (the keys, an error, no answer in 2 s) leaves the
     * decision to Kafka's loading, as before, with its retries for an issuer that is restarting.
     */
    private void knownToIssuer(String iss, String realm) throws JwtValidatorException {
        int status;
        try {
            status = PROBE.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(iss + jwksPath))
                            .timeout(java.time.Duration.ofSeconds(2)).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException | IllegalArgumentException e) {
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JwtValidatorException("interrupted while looking realm " + realm + " up");
        }
        if (status == 404) {
            throw new JwtValidatorException("realm " + realm + " is unknown to the issuer");
        }
    }

    /** One load of a new realm's JWKS from the budget (refilled evenly, {@code perMinute} a minute), if one is left. */
    static boolean takeLoad(int perMinute) {
        synchronized (loadBudget) {
            long now = System.nanoTime();
            if (loadsLeft < 0) {
                loadsLeft = perMinute;
                loadsRefilledAt = now;
            }
            loadsLeft = Math.min(perMinute, loadsLeft + (now - loadsRefilledAt) / 60e9 * perMinute);
            loadsRefilledAt = now;
            if (loadsLeft >= 1) {
                loadsLeft -= 1;
                return true;
            }
            return false;
        }
    }

    private BrokerJwtValidator newDelegate(String iss) {
        Map<String, Object> c = new HashMap<>(configs);
        String prefix = ListenerName.saslMechanismPrefix(saslMechanism);
        String jwks = iss + jwksPath;
        for (String k : List.of(SaslConfigs.SASL_OAUTHBEARER_JWKS_ENDPOINT_URL, SaslConfigs.SASL_OAUTHBEARER_EXPECTED_ISSUER,
                SaslConfigs.SASL_OAUTHBEARER_JWT_VALIDATOR_CLASS)) {
            c.remove(prefix + k);
            c.remove(k);
        }
        c.put(SaslConfigs.SASL_OAUTHBEARER_JWKS_ENDPOINT_URL, jwks);
        c.put(SaslConfigs.SASL_OAUTHBEARER_EXPECTED_ISSUER, iss);
        if (allowDerivedUrls) {
            allowUrl(jwks);
        }
        BrokerJwtValidator v = new BrokerJwtValidator();
        try {
            v.configure(c, saslMechanism, jaas);
        } catch (RuntimeException e) {
            Utils.closeQuietly(v, "validator");
            throw new JwtValidatorException("cannot validate tokens of " + iss + ": " + e.getMessage(), e);
        }
        log.info("now accepting tokens of issuer {} (JWKS {})", iss, jwks);
        return v;
    }

    private static synchronized void allowUrl(String url) {
        Set<String> urls = Arrays.stream(System.getProperty(ALLOWED_URLS, "").split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).collect(Collectors.toCollection(LinkedHashSet::new));
        if (urls.add(url)) {
            System.setProperty(ALLOWED_URLS, String.join(",", urls));
        }
    }

    private static Map<String, Object> unverifiedClaims(String jwt) throws JwtValidatorException {
        String[] parts = jwt == null ? new String[0] : jwt.split("\\.", -1);
        if (parts.length != 3 || jwt.length() > 16384) {
            throw new JwtValidatorException("not a signed JWT");
        }
        try {
            return JsonUtil.parseJson(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new JwtValidatorException("the token's payload is not JSON", e);
        }
    }

    @Override
    public void close() {
        synchronized (MultiIssuerJwtValidator.class) {
            if (--instances == 0) {
                delegates.values().forEach(d -> Utils.closeQuietly(d.validator, "validator"));
                delegates.clear();
                unknownRealms.clear();
                synchronized (loadBudget) {
                    loadsLeft = -1;
                }
            }
        }
    }

    /** The validated token with the tenant-qualified principal name. */
    static final class GalleryToken implements OAuthBearerToken {
        private final String value;
        private final Set<String> scope;
        private final long lifetimeMs;
        private final String principal;
        private final Long startTimeMs;

        GalleryToken(String value, Set<String> scope, long lifetimeMs, String principal, Long startTimeMs) {
            this.value = value;
            this.scope = scope;
            this.lifetimeMs = lifetimeMs;
            this.principal = principal;
            this.startTimeMs = startTimeMs;
        }

        @Override
        public String value() {
            return value;
        }

        @Override
        public Set<String> scope() {
            return scope;
        }

        @Override
        public long lifetimeMs() {
            return lifetimeMs;
        }

        @Override
        public String principalName() {
            return principal;
        }

        @Override
        public Long startTimeMs() {
            return startTimeMs;
        }
    }
}

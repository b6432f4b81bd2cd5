package dev.imagegallery.common.security;

import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bearer tokens already verified by quarkus-oidc, remembered until they expire (at most {@code ttl}): a client that
 * sends the same token again skips issuer resolution, JSON decoding and the RSA signature check, which cost more than
 * the rest of a cached read. Only the exact token string that was verified is found again, so a forged or altered
 * token always takes the full path; an expired one is never served from here. Authorization (grants) is not cached
 * here: it is decided per request from the grants read model.
 */
@ApplicationScoped
public class VerifiedTokens {
    private final boolean enabled;
    private final int maxSize;
    private final long ttlMillis;
    private final Map<String, Entry> byToken = new ConcurrentHashMap<>();

    record Entry(SecurityIdentity identity, long expiresAtMillis) {
    }

    public VerifiedTokens(AuthConfig config) {
        this.enabled = config.tokenCache().enabled();
        this.maxSize = config.tokenCache().maxSize();
        this.ttlMillis = config.tokenCache().ttl().toMillis();
    }

    /** A method, not a field read: beans reach each other through client proxies. */
    boolean enabled() {
        return enabled;
    }

    /** The identity a verified token gave, for this request, or null. */
    SecurityIdentity find(String token, RoutingContext ctx) {
        Entry e = byToken.get(token);
        if (e == null) {
            return null;
        }
        if (System.currentTimeMillis() >= e.expiresAtMillis()) {
            byToken.remove(token, e);
            return null;
        }
        // the same identity, bound to this request (quarkus-oidc keeps the request's context as an attribute)
        return QuarkusSecurityIdentity.builder(e.identity())
                .addAttribute(RoutingContext.class.getName(), ctx)
                .build();
    }

    void remember(String token, SecurityIdentity identity) {
        if (!enabled || token == null || identity.isAnonymous()) {
            return;
        }
        long now = System.currentTimeMillis();
        long expires = now + ttlMillis;
        Object exp = identity.getAttribute("quarkus.identity.expire-time");
        if (exp instanceof Number seconds) {
            expires = Math.min(expires, seconds.longValue() * 1000);
        } else {
            return; // a token without an expiry is verified every time
        }
        if (expires <= now) {
            return;
        }
        if (byToken.size() >= maxSize) {
            byToken.values().removeIf(x -> x.expiresAtMillis() <= now);
            if (byToken.size() >= maxSize) {
                byToken.clear();
            }
        }
        byToken.put(token, new Entry(strip(identity), expires));
    }

    int size() {
        return byToken.size();
    }

    /** A copy without the request it was verified in (kept for the lifetime of the entry otherwise). */
    private static SecurityIdentity strip(SecurityIdentity identity) {
        Map<String, Object> attributes = new HashMap<>(identity.getAttributes());
        attributes.remove(RoutingContext.class.getName());
        return QuarkusSecurityIdentity.builder()
                .setPrincipal(identity.getPrincipal())
                .setAnonymous(false)
                .addRoles(identity.getRoles())
                .addCredentials(identity.getCredentials())
                .addAttributes(attributes)
                .build();
    }

    static String bearer(RoutingContext ctx) {
        String h = ctx.request().getHeader("Authorization");
        if (h == null || h.length() <= 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return h.substring(7).trim();
    }

    /** Answers from the cache before quarkus-oidc's mechanism runs; a miss falls through to it. */
    @ApplicationScoped
    public static class Mechanism implements HttpAuthenticationMechanism {
        private final VerifiedTokens tokens;

        public Mechanism(VerifiedTokens tokens) {
            this.tokens = tokens;
        }

        @Override
        public Uni<SecurityIdentity> authenticate(RoutingContext ctx, IdentityProviderManager identityProviderManager) {
            String token = tokens.enabled() ? bearer(ctx) : null;
            SecurityIdentity known = token == null ? null : tokens.find(token, ctx);
            if (known != null) {
                // this very token passed the shape check below and quarkus-oidc's verification when it was first
                // seen: not parsed again (the shape check's JSON parse was 17 % of a cached resolve's CPU, JFR)
                return Uni.createFrom().item(known);
            }
            String header = ctx.request().getHeader("Authorization");
            if (header != null && header.regionMatches(true, 0, "Bearer", 0, 6)) {
                String problem = JwtShape.problem(header.length() > 6 ? header.substring(6) : "");
                if (problem != null) {
                    // refused here: quarkus-oidc's issuer-based tenant resolver throws on some of these (500)
                    return Uni.createFrom().failure(new AuthenticationFailedException(problem));
                }
            }
            return Uni.createFrom().nullItem();
        }

        @Override
        public Uni<ChallengeData> getChallenge(RoutingContext context) {
            return Uni.createFrom().nullItem();
        }

        @Override
        public Uni<Boolean> sendChallenge(RoutingContext context) {
            return Uni.createFrom().item(false); // quarkus-oidc's mechanism answers the challenge
        }

        @Override
        public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
            return Set.of(TokenAuthenticationRequest.class);
        }

        @Override
        public int getPriority() {
            return DEFAULT_PRIORITY + 500;
        }
    }

    /** Remembers every identity quarkus-oidc verified from a bearer token (runs after every other augmentor). */
    @ApplicationScoped
    public static class Recorder implements SecurityIdentityAugmentor {
        private final VerifiedTokens tokens;

        public Recorder(VerifiedTokens tokens) {
            this.tokens = tokens;
        }

        @Override
        public int priority() {
            return Integer.MIN_VALUE;
        }

        @Override
        public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
            AccessTokenCredential credential = identity.getCredential(AccessTokenCredential.class);
            if (credential != null) {
                tokens.remember(credential.getToken(), identity);
            }
            return Uni.createFrom().item(identity);
        }
    }
}

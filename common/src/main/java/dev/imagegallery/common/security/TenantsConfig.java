package dev.imagegallery.common.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The tenants a service knows from its configuration, beside those registered at run time (access-service's
 * {@code TenantRegistered}, kept in {@code tenant_view}): each is a tenant id and the issuer of its users' tokens.
 */
@ConfigMapping(prefix = "gallery.oidc")
public interface TenantsConfig {
    /**
     * {@code tenantId=issuer} pairs, e.g. {@code contoso=https://login.example.com/realms/contoso} (environment:
     * {@code GALLERY_OIDC_TENANTS=contoso=https://...,fabrikam=https://...}). None: only registered tenants.
     */
    Optional<List<String>> tenants();

    /** The audience every tenant's access tokens must carry. */
    @WithDefault("gallery-api")
    String audience();

    /**
     * How long a request to an identity provider may take (an issuer's discovery document or keys, fetched when its
     * first token arrives and again for a token signed with a key not seen yet), connection and answer each: one that
     * hangs (overloaded, paused) held such a request until the service's request deadline, 25 s
     * ({@link IdentityProviderTimeout}). A request whose token cannot be verified meanwhile is 503
     * {@code ServiceUnavailable} with {@code Retry-After}.
     */
    @WithDefault("3s")
    java.time.Duration idpTimeout();

    /** The configured tenants by issuer (no trailing slash), in the order given; a pair without {@code =} is refused. */
    default Map<String, String> tenantsByIssuer() {
        Map<String, String> byIssuer = new LinkedHashMap<>();
        for (String pair : tenants().orElse(List.of())) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw new IllegalArgumentException("gallery.oidc.tenants: '" + pair + "' is not tenantId=issuer");
            }
            byIssuer.put(strip(pair.substring(eq + 1).trim()), pair.substring(0, eq).trim());
        }
        return byIssuer;
    }

    static String strip(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}

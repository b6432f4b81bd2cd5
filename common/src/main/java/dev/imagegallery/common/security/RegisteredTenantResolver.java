package dev.imagegallery.common.security;

import io.quarkus.oidc.OidcRequestContext;
import io.quarkus.oidc.OidcTenantConfig;
import io.quarkus.oidc.TenantConfigResolver;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Chooses the OIDC configuration of a request's token by its issuer: a tenant of the configuration
 * ({@link TenantsConfig#tenants()}) or one registered at run time (access-service's {@code TenantRegistered}, kept in
 * {@code tenant_view}, found without a restart). The issuer is read from the token only to choose the configuration;
 * the token is then verified against that issuer's keys, so a forged issuer claim gains nothing. An issuer of neither
 * gets no configuration (the default tenant is disabled: 401). No tenant is named in code.
 */
@ApplicationScoped
public class RegisteredTenantResolver implements TenantConfigResolver {
    private final Pool pool;
    private final Map<String, String> configured;
    private final String audience;
    private final java.time.Duration idpTimeout;
    private final Map<String, OidcTenantConfig> byIssuer = new ConcurrentHashMap<>();

    public RegisteredTenantResolver(Pool pool, TenantsConfig tenants) {
        this.pool = pool;
        this.configured = tenants.tenantsByIssuer();
        this.audience = tenants.audience();
        this.idpTimeout = tenants.idpTimeout();
    }

    @Override
    public Uni<OidcTenantConfig> resolve(RoutingContext ctx, OidcRequestContext<OidcTenantConfig> requestContext) {
        String issuer = issuerOf(ctx.request().getHeader("Authorization"));
        if (issuer == null) {
            return Uni.createFrom().nullItem();
        }
        OidcTenantConfig known = byIssuer.get(issuer);
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        String tenantId = configured.get(TenantsConfig.strip(issuer));
        if (tenantId != null) {
            return Uni.createFrom().item(configFor(issuer, tenantId));
        }
        return pool.preparedQuery("SELECT tenant_id FROM tenant_view WHERE issuer = $1").execute(Tuple.of(issuer))
                .map(rows -> rows.size() == 0 ? null : configFor(issuer, rows.iterator().next().getString("tenant_id")));
    }

    /** The configuration of one tenant's issuer (kept: quarkus-oidc keeps its keys by tenant id). */
    private OidcTenantConfig configFor(String issuer, String tenantId) {
        return byIssuer.computeIfAbsent(issuer, i -> OidcTenantConfig.authServerUrl(i)
                .tenantId(tenantId)
                .applicationType(io.quarkus.oidc.runtime.OidcTenantConfig.ApplicationType.SERVICE)
                .connectionTimeout(idpTimeout)
                .token().audience(audience).issuer(i).end()
                .build());
    }

    /** The {@code iss} claim of a bearer JWT, unverified (only to choose a configuration), or null. */
    static String issuerOf(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String[] parts = authorization.substring(7).trim().split("\\.");
        if (parts.length != 3) {
            return null;
        }
        try {
            String json = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
            Object iss = new JsonObject(json).getValue("iss");
            return iss instanceof String s ? s : null;
        } catch (RuntimeException e) {
            return null;
        }
    }
}

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
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tenants registered at run time (access-service's {@code TenantRegistered}, kept in {@code tenant_view}): a token
 * whose issuer is such a tenant's gets an OIDC configuration for that issuer, without a restart. The issuer is read
 * from the token only to choose the configuration; the token is then verified against that issuer's keys, so a
 * forged issuer claim gains nothing. The statically configured tenants (contoso, fabrikam) are left to
 * {@code quarkus.oidc.resolve-tenants-with-issuer}.
 */
@ApplicationScoped
public class RegisteredTenantResolver implements TenantConfigResolver {
    private final Pool pool;
    private final Set<String> staticIssuers;
    private final String audience;
    private final Map<String, OidcTenantConfig> byIssuer = new ConcurrentHashMap<>();

    public RegisteredTenantResolver(Pool pool,
                                    @ConfigProperty(name = "gallery.oidc.contoso-url") String contoso,
                                    @ConfigProperty(name = "gallery.oidc.fabrikam-url") String fabrikam,
                                    @ConfigProperty(name = "gallery.oidc.audience", defaultValue = "gallery-api")
                                    String audience) {
        this.pool = pool;
        this.staticIssuers = Set.of(strip(contoso), strip(fabrikam));
        this.audience = audience;
    }

    @Override
    public Uni<OidcTenantConfig> resolve(RoutingContext ctx, OidcRequestContext<OidcTenantConfig> requestContext) {
        String issuer = issuerOf(ctx.request().getHeader("Authorization"));
        if (issuer == null || staticIssuers.contains(strip(issuer))) {
            return Uni.createFrom().nullItem();
        }
        OidcTenantConfig known = byIssuer.get(issuer);
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        return pool.preparedQuery("SELECT tenant_id FROM tenant_view WHERE issuer = $1").execute(Tuple.of(issuer))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    String tenantId = rows.iterator().next().getString("tenant_id");
                    OidcTenantConfig config = OidcTenantConfig.authServerUrl(issuer)
                            .tenantId(tenantId)
                            .applicationType(io.quarkus.oidc.runtime.OidcTenantConfig.ApplicationType.SERVICE)
                            .token().audience(audience).issuer(issuer).end()
                            .build();
                    byIssuer.put(issuer, config);
                    return config;
                });
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

    private static String strip(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}

package dev.imagegallery.common.security;

import io.quarkus.arc.Unremovable;
import io.quarkus.oidc.common.OidcRequestFilter;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Every request this service makes of an identity provider (an issuer's discovery document and keys, fetched when its
 * first token arrives and again for a token signed with a key not seen yet) is answered within
 * {@code gallery.oidc.idp-timeout} (3 s) or fails, and the request with the token it was for is 503
 * {@code ServiceUnavailable} with {@code Retry-After} (the token may be good; a made-up key id is 401 once the keys
 * were fetched again). quarkus-oidc bounds only the
 * connection: a provider that accepts connections and answers nothing (overloaded, paused) held every such request
 * until the service's request deadline, 25 s, then 504; a token with a made-up key id made that happen at will.
 * Unremovable: quarkus-oidc looks its filters up at run time, and no bean injects this one.
 */
@ApplicationScoped
@Unremovable
public class IdentityProviderTimeout implements OidcRequestFilter {
    private final long millis;

    public IdentityProviderTimeout(TenantsConfig tenants) {
        this.millis = tenants.idpTimeout().toMillis();
    }

    @Override
    public void filter(OidcRequestContext context) {
        context.request().timeout(millis);
    }
}

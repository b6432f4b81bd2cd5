package dev.imagegallery.common.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * A verified token that names no tenant, or a tenant its issuer does not serve, is refused when it is verified, in
 * every service: before, it was refused only where a route read the caller, and answered on routes that never did.
 */
@ApplicationScoped
public class TenantClaimCheck implements SecurityIdentityAugmentor {
    @Override
    public int priority() {
        return 1000; // before the token cache's recorder (lowest priority), so a refused identity is never remembered
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous()) {
            return Uni.createFrom().item(identity);
        }
        try {
            CallerProducer.fromIdentity(identity);
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(new AuthenticationFailedException(e.getMessage(), e));
        }
        return Uni.createFrom().item(identity);
    }
}

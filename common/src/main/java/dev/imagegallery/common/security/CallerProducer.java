package dev.imagegallery.common.security;

import dev.imagegallery.common.arm.ArmException;
import io.quarkus.security.identity.SecurityIdentity;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.List;
import java.util.Set;

/** Builds the {@link Caller} of a request from the verified token. */
public final class CallerProducer {
    /** Set by quarkus-oidc on the identity: the OIDC tenant whose issuer verified the token. */
    static final String TENANT_ID_ATTRIBUTE = "tenant-id";

    private CallerProducer() {
    }

    public static Caller fromIdentity(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            throw ArmException.unauthorized("Authentication failed: a valid bearer token is required.");
        }
        String resolvedTenant = identity.getAttribute(TENANT_ID_ATTRIBUTE);
        String tid = jwt.getClaim("tid");
        if (tid == null || tid.isBlank()) {
            throw ArmException.unauthorized("Authentication failed: the token carries no tenant (tid) claim.");
        }
        if (resolvedTenant != null && !"Default".equals(resolvedTenant) && !resolvedTenant.equals(tid)) {
            throw ArmException.unauthorized("Authentication failed: the token's tid '" + tid
                    + "' does not match its issuer's tenant.");
        }
        Set<String> groups = jwt.getGroups();
        String name = jwt.getClaim("preferred_username");
        return new Caller(tid, jwt.getSubject(), name == null ? jwt.getSubject() : name,
                groups == null ? List.of() : List.copyOf(groups));
    }
}

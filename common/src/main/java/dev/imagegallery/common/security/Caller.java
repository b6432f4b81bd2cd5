package dev.imagegallery.common.security;

import java.util.List;

/**
 * The authenticated caller of one request: the tenant (from the token's issuer, cross-checked with its {@code tid}),
 * the principal id (the token's {@code sub}) and the groups of the token's {@code groups} claim.
 */
public record Caller(String tenantId, String principalId, String name, List<String> groups) {

    /** The principal ids whose grants apply to this caller: itself and each of its groups. */
    public List<String> principalIds() {
        var ids = new java.util.ArrayList<String>(groups.size() + 1);
        ids.add(principalId);
        ids.addAll(groups);
        return ids;
    }
}

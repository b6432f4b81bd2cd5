package dev.imagegallery.common.security;

import java.util.List;

/**
 * The authenticated caller of one request: the tenant (from the token's issuer, cross-checked with its {@code tid}),
 * the principal id (the token's {@code sub}) and the groups of the token's {@code groups} claim.
 */
public record Caller(String tenantId, String principalId, String name, List<String> groups) {

    /** The principal type of a group's role assignment: its grants apply to the group's members. */
    public static final String GROUP = "Group";

    /**
     * The principal ids whose grants apply to this caller: itself and each of its groups. A grant applies to the
     * caller's own id unless it is a Group's, and to a group's only if it is a Group's ({@link #holds}): a group named
     * like a user's id carried that user's roles.
     */
    public List<String> principalIds() {
        var ids = new java.util.ArrayList<String>(groups.size() + 1);
        ids.add(principalId);
        ids.addAll(groups);
        return ids;
    }

    /** Whether a grant to {@code id} of principal type {@code type} (null: written before types were kept) applies. */
    public boolean holds(String id, String type) {
        return GROUP.equals(type) ? groups.contains(id) : principalId.equals(id);
    }
}

package dev.imagegallery.access.service;

import dev.imagegallery.access.persistence.AuditEntry;
import dev.imagegallery.common.security.Caller;
import io.smallrye.mutiny.Uni;

import java.time.Instant;
import java.util.UUID;

/** Writes audit entries for grant changes, inside the transaction of the change itself. */
final class Audit {
    private Audit() {
    }

    static Uni<Void> record(Caller caller, String action, String scope, String outcome, String detail) {
        return write(caller.tenantId(), caller.principalId(), action, scope, outcome, detail);
    }

    /** A change access-service made itself (a grant ended because its resource was deleted): no principal. */
    static Uni<Void> system(String tenantId, String action, String scope, String outcome, String detail) {
        return write(tenantId, null, action, scope, outcome, detail);
    }

    private static Uni<Void> write(String tenantId, String principalId, String action, String scope, String outcome,
                                   String detail) {
        AuditEntry e = new AuditEntry();
        e.id = UUID.randomUUID().toString();
        e.tenantId = tenantId;
        e.principalId = principalId;
        e.action = action;
        e.scope = scope;
        e.outcome = outcome;
        e.service = "access-service";
        e.detail = detail;
        e.at = Instant.now();
        return e.persist().replaceWithVoid();
    }
}

package dev.imagegallery.access.service;

import dev.imagegallery.access.domain.AuditEntry;
import dev.imagegallery.common.security.Caller;
import io.smallrye.mutiny.Uni;

import java.time.Instant;
import java.util.UUID;

/** Writes audit entries for grant changes, inside the transaction of the change itself. */
final class Audit {
    private Audit() {
    }

    static Uni<Void> record(Caller caller, String action, String scope, String outcome, String detail) {
        AuditEntry e = new AuditEntry();
        e.id = UUID.randomUUID().toString();
        e.tenantId = caller.tenantId();
        e.principalId = caller.principalId();
        e.action = action;
        e.scope = scope;
        e.outcome = outcome;
        e.service = "access-service";
        e.detail = detail;
        e.at = Instant.now();
        return e.persist().replaceWithVoid();
    }
}

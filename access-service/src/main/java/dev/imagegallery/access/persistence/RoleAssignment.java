package dev.imagegallery.access.persistence;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A role granted to a principal at a scope; it covers the scope and everything below it. */
@Entity
@Table(name = "role_assignment")
public class RoleAssignment extends PanacheEntityBase {
    @Id
    public String id;
    @Column(name = "tenant_id")
    public String tenantId;
    /** As the client wrote it. */
    public String scope;
    /** Lower-case, for matching. */
    @Column(name = "scope_key")
    public String scopeKey;
    @Column(name = "principal_id")
    public String principalId;
    @Column(name = "principal_type")
    public String principalType;
    /** The role definition's GUID. */
    @Column(name = "role_definition_id")
    public String roleDefinitionId;
    @Column(name = "created_by")
    public String createdBy;
    @Column(name = "created_at")
    public Instant createdAt;
    /** Who wrote it last (its creator, or the PUT that changed its description). */
    @Column(name = "updated_by")
    public String updatedBy;
    @Column(name = "updated_at")
    public Instant updatedAt;
    /** The client's words about it (Azure's {@code properties.description}); null when none. */
    public String description;

    public String resourceId() {
        return scope + "/providers/Microsoft.Authorization/roleAssignments/" + id;
    }
}

package dev.imagegallery.common.security;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** Local read model of one role assignment, fed by access-service's events; what enforcement decides on. */
@Entity
@Table(name = "grant_view")
public class GrantView extends PanacheEntityBase {
    @Id
    @Column(name = "assignment_id")
    public String assignmentId;
    @Column(name = "tenant_id")
    public String tenantId;
    /** Lower-case, no trailing slash. */
    public String scope;
    @Column(name = "principal_id")
    public String principalId;
    @Column(name = "role_definition_id")
    public String roleDefinitionId;
    /** User, Group or ServicePrincipal: a Group's grant applies through the groups claim, any other's to its id. */
    @Column(name = "principal_type")
    public String principalType;
}

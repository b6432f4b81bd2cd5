package dev.imagegallery.common.security;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** Local read model: a registered tenant and its OIDC issuer. */
@Entity
@Table(name = "tenant_view")
public class TenantView extends PanacheEntityBase {
    @Id
    @Column(name = "tenant_id")
    public String tenantId;
    public String issuer;
    @Column(name = "display_name")
    public String displayName;
}

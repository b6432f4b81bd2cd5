package dev.imagegallery.access.persistence;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** An organisation: one OIDC issuer. */
@Entity
@Table(name = "tenant")
public class Tenant extends PanacheEntityBase {
    @Id
    public String id;
    @Column(name = "display_name")
    public String displayName;
    @Column(name = "created_at")
    public Instant createdAt;
    /** The OIDC issuer, for tenants registered at run time. */
    public String issuer;
}

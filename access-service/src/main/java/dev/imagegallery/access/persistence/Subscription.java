package dev.imagegallery.access.persistence;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A billing and ownership container inside one tenant. */
@Entity
@Table(name = "subscription")
public class Subscription extends PanacheEntityBase {
    @Id
    public String id;
    @Column(name = "tenant_id")
    public String tenantId;
    @Column(name = "display_name")
    public String displayName;
    public String state;
    @Column(name = "created_at")
    public Instant createdAt;
}

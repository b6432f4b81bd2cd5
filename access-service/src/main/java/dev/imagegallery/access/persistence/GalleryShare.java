package dev.imagegallery.access.persistence;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * A direct share of a gallery with a subscription or a tenant. A recipient in another tenant starts Pending until
 * its tenant administrator accepts or rejects it (as Glance's image members do); within the owner's tenant it is
 * Accepted at once.
 */
@Entity
@Table(name = "gallery_share")
public class GalleryShare extends PanacheEntityBase {
    public static final String PENDING = "Pending";
    public static final String ACCEPTED = "Accepted";
    public static final String REJECTED = "Rejected";

    @Id
    public String id;
    @Column(name = "gallery_key")
    public String galleryKey;
    /** Subscriptions or AADTenants. */
    @Column(name = "target_type")
    public String targetType;
    @Column(name = "target_id")
    public String targetId;
    /** The recipient tenant. */
    @Column(name = "tenant_id")
    public String tenantId;
    public String state;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "created_by")
    public String createdBy;
    @Column(name = "decided_at")
    public Instant decidedAt;
    @Column(name = "decided_by")
    public String decidedBy;
}

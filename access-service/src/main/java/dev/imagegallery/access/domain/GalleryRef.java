package dev.imagegallery.access.domain;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A gallery as catalog-service reported it (sharing needs its owner and unique name). */
@Entity
@Table(name = "gallery_view")
public class GalleryRef extends PanacheEntityBase {
    @Id
    @Column(name = "gallery_key")
    public String galleryKey;
    @Column(name = "gallery_id")
    public String galleryId;
    @Column(name = "subscription_id")
    public String subscriptionId;
    @Column(name = "tenant_id")
    public String tenantId;
    @Column(name = "unique_name")
    public String uniqueName;
    public String location;
}

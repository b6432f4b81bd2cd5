package dev.imagegallery.common.security;

import dev.imagegallery.events.Json;
import dev.imagegallery.events.Payloads;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** Local read model: the sharing state of one gallery (direct shares and community), from access-service. */
@Entity
@Table(name = "share_view")
public class ShareView extends PanacheEntityBase {
    @Id
    @Column(name = "gallery_key")
    public String galleryKey;
    @Column(name = "gallery_id")
    public String galleryId;
    @Column(name = "unique_name")
    public String uniqueName;
    @Column(name = "owner_tenant")
    public String ownerTenant;
    @Column(name = "owner_subscription")
    public String ownerSubscription;
    public String location;
    @Column(name = "community_name")
    public String communityName;
    /** The last {@link Payloads.GallerySharingChanged} as JSON. */
    public String snapshot;
    /** Its {@link Payloads.GallerySharingChanged#sequence()}: only a state with a higher one replaces it. */
    public Long sequence;

    public Payloads.GallerySharingChanged state() {
        return Json.read(snapshot, Payloads.GallerySharingChanged.class);
    }
}

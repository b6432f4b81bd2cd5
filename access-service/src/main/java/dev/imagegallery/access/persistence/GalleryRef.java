package dev.imagegallery.access.persistence;

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
    /**
     * The sequence number of the last sharing state published for this gallery (GallerySharingChanged), or null when
     * none was: drawn from the database sequence {@code sharing_state_seq}, so that it keeps growing across the
     * deletion and re-creation of a gallery of the same id.
     */
    @Column(name = "sharing_sequence")
    public Long sharingSequence;
    /**
     * The community publication the gallery's sharingProfile asked for (catalog-service's GalleryChanged, as JSON
     * {publisherUri, publisherContact, eula, publicNamePrefix}), or null: what EnableCommunity without information of
     * its own publishes, as Azure does.
     */
    @Column(name = "community_info")
    public String communityInfo;
}

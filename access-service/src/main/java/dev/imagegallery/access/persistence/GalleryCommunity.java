package dev.imagegallery.access.persistence;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A gallery published to the community: every authenticated tenant can list and resolve its images. */
@Entity
@Table(name = "gallery_community")
public class GalleryCommunity extends PanacheEntityBase {
    @Id
    @Column(name = "gallery_key")
    public String galleryKey;
    @Column(name = "public_gallery_name")
    public String publicGalleryName;
    @Column(name = "public_name_prefix")
    public String publicNamePrefix;
    @Column(name = "publisher_uri")
    public String publisherUri;
    @Column(name = "publisher_contact")
    public String publisherContact;
    public String eula;
    public boolean enabled;
}

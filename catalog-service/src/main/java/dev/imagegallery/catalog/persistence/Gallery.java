package dev.imagegallery.catalog.persistence;

import dev.imagegallery.catalog.domain.ResourceIds;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A catalog of image definitions, owned by a subscription, with a home location. */
@Entity
@Table(name = "gallery")
public class Gallery extends PanacheEntityBase {
    @Id
    public String key;
    @Column(name = "subscription_id")
    public String subscriptionId;
    @Column(name = "resource_group")
    public String resourceGroup;
    public String name;
    public String location;
    public String description;
    public String tags;
    @Column(name = "unique_name")
    public String uniqueName;
    @Column(name = "soft_delete")
    public boolean softDelete;
    @Column(name = "provisioning_state")
    public String provisioningState;
    @Column(name = "created_at")
    public Instant createdAt;
    /** {@code sharingProfile.permissions} as the owner's PUT or PATCH asked for it (Private, Groups, Community). */
    @Column(name = "sharing_permissions")
    public String sharingPermissions;
    /** {@code sharingProfile.communityGalleryInfo} as asked for (JSON), published by a share action EnableCommunity. */
    @Column(name = "community_info")
    public String communityInfo;

    public String id() {
        return ResourceIds.gallery(subscriptionId, resourceGroup, name);
    }
}

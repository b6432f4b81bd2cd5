package dev.imagegallery.catalog.persistence;

import dev.imagegallery.catalog.domain.ResourceIds;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** The source of a version: a disk image uploaded into one region's blob store. */
@Entity
@Table(name = "managed_image")
public class ManagedImage extends PanacheEntityBase {
    @Id
    public String key;
    @Column(name = "subscription_id")
    public String subscriptionId;
    @Column(name = "resource_group")
    public String resourceGroup;
    public String name;
    public String location;
    @Column(name = "os_type")
    public String osType;
    @Column(name = "os_state")
    public String osState;
    @Column(name = "blob_uri")
    public String blobUri;
    /**
     * Hex SHA-256 of the blob's content when the image was created: the image's content, which replication-service
     * keeps while the image exists. Null for an image created before it was kept (its versions take the blob's
     * content).
     */
    @Column(name = "source_digest")
    public String sourceDigest;
    /** The size in bytes of that content (null with {@link #sourceDigest}). */
    @Column(name = "source_size_bytes")
    public Long sourceSizeBytes;
    public String tags;
    @Column(name = "provisioning_state")
    public String provisioningState;
    @Column(name = "created_at")
    public Instant createdAt;

    public String id() {
        return ResourceIds.managedImage(subscriptionId, resourceGroup, name);
    }
}

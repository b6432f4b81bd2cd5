package dev.imagegallery.replication.domain;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.Locale;

/**
 * The content a managed image was created from, kept in its blob's region while the image exists (a ref in the
 * tenant's first replica store there, {@link #refOf}): versions of the image copy it whatever the blob holds later.
 */
@Entity
@Table(name = "image_content")
public class ImageContent extends PanacheEntityBase {
    /** The image's ARM id, lower case. */
    @Id
    @Column(name = "image_key")
    public String imageKey;
    @Column(name = "tenant_id")
    public String tenantId;
    /** The region of the blob the image was created from: where its content is kept. */
    public String region;
    /** Hex SHA-256 of the content. */
    public String digest;
    @Column(name = "size_bytes")
    public long sizeBytes;
    @Column(name = "used_bytes")
    public long usedBytes;
    @Column(name = "created_at")
    public Instant createdAt;

    public static String keyOf(String imageId) {
        return imageId.toLowerCase(Locale.ROOT);
    }

    /** The ref keeping an image's content alive in its region's first replica store. */
    public static String refOf(String imageKey) {
        return "image:" + imageKey;
    }
}

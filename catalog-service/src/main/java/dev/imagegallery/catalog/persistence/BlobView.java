package dev.imagegallery.catalog.persistence;

import dev.imagegallery.events.BlobRef;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A blob the data plane has committed (replication-service's BlobCommitted), until its BlobDeleted. */
@Entity
@Table(name = "blob_view")
public class BlobView extends PanacheEntityBase {
    @Id
    @Column(name = "blob_key")
    public String key;
    public String digest;
    @Column(name = "size_bytes")
    public Long sizeBytes;
    @Column(name = "committed_at")
    public Instant committedAt;

    /** {@code region/subscription/name}: a blob's key whatever host its URI names. */
    public static String keyOf(String region, String subscriptionId, String name) {
        return region + "/" + subscriptionId.toLowerCase(java.util.Locale.ROOT) + "/" + name;
    }

    public static String keyOf(BlobRef ref) {
        return keyOf(ref.region(), ref.subscriptionId(), ref.name());
    }
}

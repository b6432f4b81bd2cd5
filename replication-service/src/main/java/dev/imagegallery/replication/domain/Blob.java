package dev.imagegallery.replication.domain;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.Locale;

/** An uploaded disk image: a name in a region and subscription, bound to content by its digest. */
@Entity
@Table(name = "blob")
public class Blob extends PanacheEntityBase {
    @Id
    public String key;
    public String region;
    @Column(name = "subscription_id")
    public String subscriptionId;
    public String name;
    /** The tenant owning the subscription: the namespace of the stores holding the content. */
    @Column(name = "tenant_id")
    public String tenantId;
    /** Hex SHA-256 of the whole content. */
    public String digest;
    @Column(name = "size_bytes")
    public long sizeBytes;
    @Column(name = "used_bytes")
    public long usedBytes;
    public String format;
    @Column(name = "created_at")
    public Instant createdAt;

    public static String keyOf(String region, String subscriptionId, String name) {
        return region.toLowerCase(Locale.ROOT) + "/" + subscriptionId.toLowerCase(Locale.ROOT) + "/" + name;
    }
}

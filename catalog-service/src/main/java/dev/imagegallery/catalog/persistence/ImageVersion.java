package dev.imagegallery.catalog.persistence;

import dev.imagegallery.catalog.domain.VersionLifecycle;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** One Major.Minor.Patch version of a definition, with its source and where it must be replicated. */
@Entity
@Table(name = "image_version")
public class ImageVersion extends PanacheEntityBase {
    @Id
    public String key;
    @Column(name = "definition_key")
    public String definitionKey;
    public String name;
    public long major;
    public long minor;
    public long patch;
    public String location;
    public String tags;
    @Column(name = "source_id")
    public String sourceId;
    @Column(name = "source_blob_uri")
    public String sourceBlobUri;
    @Column(name = "replica_count")
    public int replicaCount;
    @Column(name = "storage_account_type")
    public String storageAccountType;
    @Column(name = "exclude_from_latest")
    public boolean excludeFromLatest;
    @Column(name = "end_of_life_date")
    public Instant endOfLifeDate;
    @Column(name = "provisioning_state")
    public String provisioningState;
    public String digest;
    @Column(name = "size_bytes")
    public Long sizeBytes;
    /** {@code storageProfile.osDiskImage.hostCaching}: None, ReadOnly (default) or ReadWrite; fixed at creation. */
    @Column(name = "host_caching")
    public String hostCaching = "ReadOnly";
    /** {@code publishingProfile.replicationMode}: Full (default) or Shallow; fixed at creation. */
    @Column(name = "replication_mode")
    public String replicationMode = "Full";
    @Column(name = "published_at")
    public Instant publishedAt;
    /** Active, Deprecated (usable, never latest, a warning on resolution) or Disabled (not resolvable). */
    @Column(name = "lifecycle_state")
    public String lifecycleState = ACTIVE;
    /** The version to use instead, when deprecated or disabled. */
    @Column(name = "replacement_version")
    public String replacementVersion;
    @Column(name = "allow_deletion_of_replicated_locations")
    public boolean allowDeletionOfReplicatedLocations;
    @Column(name = "block_deletion_before_end_of_life")
    public boolean blockDeletionBeforeEndOfLife;
    /** Set when soft-deleted (the gallery opted in); the version is purged after the retention period. */
    @Column(name = "deleted_at")
    public Instant deletedAt;
    @Column(name = "subscription_id")
    public String subscriptionId;
    /** The resource id as the client spelled it. */
    @Column(name = "resource_id")
    public String resourceId;

    public static final String ACTIVE = VersionLifecycle.ACTIVE;
    public static final String DEPRECATED = VersionLifecycle.DEPRECATED;
    public static final String DISABLED = VersionLifecycle.DISABLED;
}

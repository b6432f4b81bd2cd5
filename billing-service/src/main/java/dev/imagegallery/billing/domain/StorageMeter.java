package dev.imagegallery.billing.domain;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/**
 * A stretch of time during which a version's replicas in one region held the same bytes: billed per GiB-hour from
 * {@code startedAt} (the replicas' completion) to {@code endedAt} (the version's deletion or a change), or to now
 * while open.
 */
@Entity
@Table(name = "storage_meter")
public class StorageMeter extends PanacheEntityBase {
    @Id
    public UUID id;
    /** The lower-case version id. */
    @Column(name = "version_key")
    public String versionKey;
    @Column(name = "version_id")
    public String versionId;
    /** Lower-case. */
    @Column(name = "subscription_id")
    public String subscriptionId;
    public String region;
    @Column(name = "storage_account_type")
    public String storageAccountType;
    @Column(name = "replica_count")
    public int replicaCount;
    /** Bytes held by all replicas in the region after deduplication: what is billed. */
    @Column(name = "physical_bytes")
    public long physicalBytes;
    /** Bytes the replicas represent before deduplication (image size x replicas). */
    @Column(name = "logical_bytes")
    public long logicalBytes;
    @Column(name = "started_at")
    public Instant startedAt;
    @Column(name = "ended_at")
    public Instant endedAt;

    public boolean isOpen() {
        return endedAt == null;
    }

    /** Whether this meter already stores what a completion reports. */
    public boolean sameContentAs(String storageAccountType, int replicaCount, long physicalBytes, long logicalBytes) {
        return this.storageAccountType.equals(storageAccountType) && this.replicaCount == replicaCount
                && this.physicalBytes == physicalBytes && this.logicalBytes == logicalBytes;
    }
}

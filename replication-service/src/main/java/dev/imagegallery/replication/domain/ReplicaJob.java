package dev.imagegallery.replication.domain;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** Copy one version's content into every replica store of one target region. */
@Entity
@Table(name = "replica_job")
public class ReplicaJob extends PanacheEntityBase {
    public static final String PENDING = "Pending";
    public static final String COMPLETED = "Completed";
    public static final String FAILED = "Failed";
    public static final String DELETED = "Deleted";
    public static final String FULL = "Full";
    public static final String SHALLOW = "Shallow";

    @Id
    public String id;
    @Column(name = "version_id")
    public String versionId;
    @Column(name = "subscription_id")
    public String subscriptionId;
    /** The tenant of the version: its replicas live in that tenant's namespace of each store. */
    @Column(name = "tenant_id")
    public String tenantId;
    public String region;
    @Column(name = "replica_count")
    public int replicaCount;
    @Column(name = "storage_account_type")
    public String storageAccountType;
    @Column(name = "source_region")
    public String sourceRegion;
    public String digest;
    @Column(name = "size_bytes")
    public Long sizeBytes;
    @Column(name = "used_bytes")
    public Long usedBytes;
    public String state;
    public int attempts;
    @Column(name = "last_error")
    public String lastError;
    /** Resume point of the copy (see {@code Replicator.Checkpoint}). */
    @Column(name = "progress_replica")
    public int progressReplica;
    @Column(name = "verified_entries")
    public int verifiedEntries;
    @Column(name = "counted_entries")
    public int countedEntries;
    /** Bytes moved into the region so far, by source region: {@code westeurope=123,eastus=45}. */
    @Column(name = "egress_by_source")
    public String egressBySource;
    @Column(name = "copied_bytes")
    public long copiedBytes;

    /** Forgets the copy's resume point and what it moved: the next copy starts with the region's first replica. */
    public void startOver() {
        progressReplica = 0;
        verifiedEntries = 0;
        countedEntries = 0;
        egressBySource = null;
        copiedBytes = 0;
    }
    public int progress;
    @Column(name = "physical_bytes")
    public Long physicalBytes;
    /** A deleted job whose refs are gone from the stores. */
    public boolean purged;
    /** For a pending job: not before this time (retry backoff). */
    @Column(name = "updated_at")
    public Instant updatedAt;
    /**
     * Full (copy into every replica of the region) or Shallow (the region is the source's: reference the source
     * content there, copy nothing).
     */
    @Column(name = "replication_mode")
    public String replicationMode = FULL;
    /** The trace context of the event that planned the job: the copy continues that trace (null: none). */
    public String traceparent;

    public boolean shallow() {
        return SHALLOW.equals(replicationMode);
    }

    public static String idOf(String versionId, String region) {
        return versionId.toLowerCase() + "|" + region;
    }
}

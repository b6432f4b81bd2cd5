package dev.imagegallery.catalog.persistence;

import dev.imagegallery.catalog.domain.ReplicationState;
import dev.imagegallery.catalog.domain.TargetRegions;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A version's target region: its replica settings and replication state there. */
@Entity
@Table(name = "version_region")
public class VersionRegion extends PanacheEntityBase {
    public static final String QUEUED = ReplicationState.QUEUED;
    public static final String REPLICATING = ReplicationState.REPLICATING;
    public static final String COMPLETED = ReplicationState.COMPLETED;
    public static final String FAILED = ReplicationState.FAILED;

    @Id
    public String id;
    @Column(name = "version_key")
    public String versionKey;
    @Column(name = "definition_key")
    public String definitionKey;
    public String region;
    @Column(name = "replica_count")
    public int replicaCount;
    @Column(name = "storage_account_type")
    public String storageAccountType;
    @Column(name = "exclude_from_latest")
    public boolean excludeFromLatest;
    public String state;
    public int progress;
    public String details;

    /** A new region of a version, queued for replication. */
    public static VersionRegion queued(String versionKey, String definitionKey, TargetRegions.Target t) {
        VersionRegion vr = new VersionRegion();
        vr.id = idOf(versionKey, t.region());
        vr.versionKey = versionKey;
        vr.definitionKey = definitionKey;
        vr.region = t.region();
        vr.replicaCount = t.replicaCount();
        vr.storageAccountType = t.storageAccountType();
        vr.excludeFromLatest = t.excludeFromLatest();
        vr.state = QUEUED;
        vr.progress = 0;
        return vr;
    }

    /** This region's settings, as the target-region rules compare them. */
    public TargetRegions.Target target() {
        return new TargetRegions.Target(region, replicaCount, storageAccountType, excludeFromLatest);
    }

    public static String idOf(String versionKey, String region) {
        return versionKey + "|" + region;
    }
}

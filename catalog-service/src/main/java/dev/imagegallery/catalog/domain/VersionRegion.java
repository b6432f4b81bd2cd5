package dev.imagegallery.catalog.domain;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A version's target region: its replica settings and replication state there. */
@Entity
@Table(name = "version_region")
public class VersionRegion extends PanacheEntityBase {
    public static final String QUEUED = "Queued";
    public static final String REPLICATING = "Replicating";
    public static final String COMPLETED = "Completed";
    public static final String FAILED = "Failed";

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

    public static String idOf(String versionKey, String region) {
        return versionKey + "|" + region;
    }
}

package dev.imagegallery.billing.domain;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * When a version was last deleted. VersionDeleted (catalog topic) and ReplicaCompleted (replication topic) are not
 * ordered with each other; this lets a late completion of a deleted version be metered up to the deletion only.
 */
@Entity
@Table(name = "deleted_version")
public class DeletedVersion extends PanacheEntityBase {
    @Id
    @Column(name = "version_key")
    public String versionKey;
    @Column(name = "deleted_at")
    public Instant deletedAt;
}

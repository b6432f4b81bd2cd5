package dev.imagegallery.replication.domain;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A version catalog-service disabled: its content is not served until it is re-enabled. */
@Entity
@Table(name = "disabled_version")
public class DisabledVersion extends PanacheEntityBase {
    @Id
    @Column(name = "version_key")
    public String versionKey;
    @Column(name = "replacement_version")
    public String replacementVersion;
    @Column(name = "disabled_at")
    public Instant disabledAt;
}

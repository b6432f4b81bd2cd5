package dev.imagegallery.billing.domain;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** Bytes replication moved from one region to another for one version: one EgressTransferred event. */
@Entity
@Table(name = "egress_record")
public class EgressRecord extends PanacheEntityBase {
    @Id
    @Column(name = "event_id")
    public String eventId;
    @Column(name = "version_key")
    public String versionKey;
    @Column(name = "version_id")
    public String versionId;
    /** Lower-case. */
    @Column(name = "subscription_id")
    public String subscriptionId;
    @Column(name = "source_region")
    public String sourceRegion;
    @Column(name = "destination_region")
    public String destinationRegion;
    public long bytes;
    @Column(name = "transferred_at")
    public Instant transferredAt;
}

package dev.imagegallery.catalog.persistence;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A long-running operation on a version (its PUT, PATCH or DELETE), as its Azure-AsyncOperation resource shows it. */
@Entity
@Table(name = "operation")
public class Operation extends PanacheEntityBase {
    public static final String CREATE = "Create";
    public static final String UPDATE = "Update";
    public static final String DELETE = "Delete";
    public static final String IN_PROGRESS = "InProgress";
    public static final String SUCCEEDED = "Succeeded";
    public static final String FAILED = "Failed";

    @Id
    public String id;
    public String kind;
    @Column(name = "version_key")
    public String versionKey;
    @Column(name = "resource_id")
    public String resourceId;
    @Column(name = "subscription_id")
    public String subscriptionId;
    public String location;
    public String status;
    @Column(name = "start_time")
    public Instant startTime;
    @Column(name = "end_time")
    public Instant endTime;
    @Column(name = "error_code")
    public String errorCode;
    @Column(name = "error_message")
    public String errorMessage;
    @Column(name = "pending_regions")
    public String pendingRegions;
}

package dev.imagegallery.access.persistence;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** One audited fact: a grant change (outcome Granted, Revoked, Shared...) or a denied request (Forbidden, NotFound). */
@Entity
@Table(name = "audit_log")
public class AuditEntry extends PanacheEntityBase {
    @Id
    public String id;
    @Column(name = "tenant_id")
    public String tenantId;
    @Column(name = "principal_id")
    public String principalId;
    public String action;
    public String scope;
    public String outcome;
    public String service;
    public String detail;
    public Instant at;
}

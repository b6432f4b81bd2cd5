package dev.imagegallery.common.outbox;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** An event written in the same transaction as the state change it reports; the relay sends and deletes it. */
@Entity
@Table(name = "outbox")
public class OutboxEvent extends PanacheEntityBase {
    @Id
    public UUID id;
    public String topic;
    @Column(name = "event_key")
    public String key;
    public String payload;
    @Column(name = "created_at")
    public Instant createdAt;
    /** The trace context of the transaction that wrote the row (as in the event), for the relay's send span. */
    public String traceparent;
    public String tracestate;
}

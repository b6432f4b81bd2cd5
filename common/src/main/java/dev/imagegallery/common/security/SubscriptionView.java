package dev.imagegallery.common.security;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** Local read model: which tenant owns a subscription. */
@Entity
@Table(name = "subscription_view")
public class SubscriptionView extends PanacheEntityBase {
    @Id
    @Column(name = "subscription_id")
    public String subscriptionId;
    @Column(name = "tenant_id")
    public String tenantId;
    @Column(name = "display_name")
    public String displayName;
}

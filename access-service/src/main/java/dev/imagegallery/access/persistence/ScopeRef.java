package dev.imagegallery.access.persistence;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** An image definition or version as catalog-service reported it (assignment scopes below a gallery name one). */
@Entity
@Table(name = "scope_view")
public class ScopeRef extends PanacheEntityBase {
    public static final String DEFINITION = "definition";
    public static final String VERSION = "version";

    @Id
    @Column(name = "scope_key")
    public String scopeKey;
    public String kind;
    @Column(name = "subscription_id")
    public String subscriptionId;
}

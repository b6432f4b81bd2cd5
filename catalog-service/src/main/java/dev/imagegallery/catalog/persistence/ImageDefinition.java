package dev.imagegallery.catalog.persistence;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** An image definition: publisher / offer / SKU and the properties every version of it shares. */
@Entity
@Table(name = "image_definition")
public class ImageDefinition extends PanacheEntityBase {
    @Id
    public String key;
    @Column(name = "gallery_key")
    public String galleryKey;
    public String name;
    public String location;
    public String tags;
    @Column(name = "os_type")
    public String osType;
    @Column(name = "os_state")
    public String osState;
    @Column(name = "hyper_v_generation")
    public String hyperVGeneration;
    public String architecture;
    public String publisher;
    public String offer;
    public String sku;
    public String description;
    public String eula;
    /** The {@code recommended} object as JSON. */
    public String recommended;
    @Column(name = "end_of_life_date")
    public Instant endOfLifeDate;
    @Column(name = "provisioning_state")
    public String provisioningState;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "privacy_statement_uri")
    public String privacyStatementUri;
    @Column(name = "release_note_uri")
    public String releaseNoteUri;
    /** JSON array of disk types. */
    @Column(name = "disallowed_disk_types")
    public String disallowedDiskTypes;
    /** JSON array of {name, value, startsAtVersion}. */
    public String features;
    /** Azure's purchase plan as JSON {name, publisher, product}. */
    @Column(name = "purchase_plan")
    public String purchasePlan;
    /** As last sent: must be true for a write that changes the features a definition has. */
    @Column(name = "allow_update_image")
    public Boolean allowUpdateImage;
    @Column(name = "subscription_id")
    public String subscriptionId;
}

package dev.imagegallery.catalog.service;

import dev.imagegallery.catalog.api.Bodies;
import dev.imagegallery.catalog.api.Mapper;
import dev.imagegallery.catalog.config.CatalogConfig;
import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.events.BlobRef;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Json;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.catalog.domain.Gallery;
import dev.imagegallery.catalog.domain.ImageDefinition;
import dev.imagegallery.catalog.domain.ManagedImage;
import dev.imagegallery.catalog.domain.ResourceIds;
import dev.imagegallery.catalog.domain.Validation;
import dev.imagegallery.common.arm.ArmException;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** Galleries, image definitions and managed images: their rules and their storage. */
@ApplicationScoped
public class GalleryService {
    private final CatalogConfig config;
    private final Outbox outbox;

    public GalleryService(CatalogConfig config, Outbox outbox) {
        this.config = config;
        this.outbox = outbox;
    }

    /** Tells access-service (sharing) that a gallery exists, changed or is gone. */
    private Uni<Void> galleryChanged(Gallery g, String tenantId, boolean deleted) {
        return outbox.emit(EventTypes.GALLERY_CHANGED, g.id(), new Payloads.GalleryChanged(g.id(), g.subscriptionId,
                tenantId, g.uniqueName, g.location, deleted)).replaceWithVoid();
    }


    // ---- galleries ----

    @WithTransaction
    public Uni<Upsert<Gallery>> putGallery(String tenantId, String sub, String rg, String name,
                                           Bodies.GalleryBody body) {
        Validation.resourceGroup(rg);
        Validation.galleryName(name);
        if (body == null) {
            throw ArmException.invalid("InvalidRequestContent", "The request body is required.", null);
        }
        String location = Validation.region(body.location(), "location");
        var props = body.properties();
        String description = props == null ? null : props.description();
        if (description != null && description.length() > 1000) {
            throw ArmException.invalidParameter("properties.description", "The description is longer than 1000 "
                    + "characters.");
        }
        boolean softDelete = props != null && props.softDeletePolicy() != null
                && Boolean.TRUE.equals(props.softDeletePolicy().isSoftDeleteEnabled());
        String key = ResourceIds.key(ResourceIds.gallery(sub, rg, name));
        return Gallery.<Gallery>findById(key).flatMap(existing -> {
            if (existing != null) {
                if (!existing.location.equals(location)) {
                    throw ArmException.conflict("PropertyChangeNotAllowed",
                            "Changing property 'location' is not allowed.", "location");
                }
                existing.description = description;
                existing.tags = Mapper.tagsJson(body.tags());
                existing.softDelete = softDelete;
                // GalleryChanged carries nothing an update can change (id, owner, unique name, location): an update,
                // and a repeated identical PUT above all, publishes nothing
                return Uni.createFrom().item(new Upsert<>(existing, false));
            }
            return quota(Gallery.count("subscriptionId = ?1 and location = ?2", sub.toLowerCase(Locale.ROOT),
                    location), config.quota().galleries(), "galleries", location).flatMap(ok -> {
            Gallery g = new Gallery();
            g.key = key;
            g.subscriptionId = sub.toLowerCase(Locale.ROOT);
            g.resourceGroup = rg;
            g.name = name;
            g.location = location;
            g.description = description;
            g.tags = Mapper.tagsJson(body.tags());
            g.uniqueName = sub.toLowerCase(Locale.ROOT) + "-" + name.toUpperCase(Locale.ROOT);
            g.softDelete = softDelete;
            g.provisioningState = "Succeeded";
            g.createdAt = Instant.now();
            return g.<Gallery>persist().call(x -> galleryChanged(g, tenantId, false))
                    .map(x -> new Upsert<>(g, true));
            });
        });
    }

    /** PATCH: description, tags and the soft-delete policy; the location cannot change. */
    @WithTransaction
    public Uni<Gallery> patchGallery(String sub, String rg, String name, Bodies.GalleryBody body) {
        if (body == null) {
            throw ArmException.invalid("InvalidRequestContent", "The request body is required.", null);
        }
        return gallery(sub, rg, name).map(g -> {
            if (body.location() != null && !g.location.equals(Validation.region(body.location(), "location"))) {
                throw ArmException.conflict("PropertyChangeNotAllowed", "Changing property 'location' is not "
                        + "allowed.", "location");
            }
            if (body.tags() != null) {
                g.tags = Mapper.tagsJson(body.tags());
            }
            var p = body.properties();
            if (p != null && p.description() != null) {
                if (p.description().length() > 1000) {
                    throw ArmException.invalidParameter("properties.description", "The description is longer than "
                            + "1000 characters.");
                }
                g.description = p.description();
            }
            if (p != null && p.softDeletePolicy() != null && p.softDeletePolicy().isSoftDeleteEnabled() != null) {
                g.softDelete = p.softDeletePolicy().isSoftDeleteEnabled();
            }
            return g;
        });
    }

    /** 409 QuotaExceeded when a subscription already holds the limit of a kind of resource in a region. */
    static Uni<Void> quota(Uni<Long> count, int limit, String what, String location) {
        return count.map(n -> {
            if (n >= limit) {
                throw ArmException.conflict("QuotaExceeded", "The subscription already holds " + n + " " + what
                        + " in region '" + location + "', its limit; delete some or ask for a higher quota.",
                        "location");
            }
            return null;
        });
    }

    @WithSession
    public Uni<Gallery> gallery(String sub, String rg, String name) {
        String id = ResourceIds.gallery(sub, rg, name);
        return Gallery.<Gallery>findById(ResourceIds.key(id)).map(g -> {
            if (g == null) {
                throw ArmException.notFound("GalleryNotFound", "The gallery '" + name + "' was not found in resource "
                        + "group '" + rg + "'.", id);
            }
            return g;
        });
    }

    @WithSession
    public Uni<List<Gallery>> galleries(String sub, String rg, int offset, int limit) {
        if (rg == null) {
            return Gallery.<Gallery>find("subscriptionId = ?1 order by key", sub.toLowerCase(Locale.ROOT))
                    .range(offset, offset + limit - 1).list();
        }
        return Gallery.<Gallery>find("subscriptionId = ?1 and lower(resourceGroup) = ?2 order by key",
                sub.toLowerCase(Locale.ROOT), rg.toLowerCase(Locale.ROOT)).range(offset, offset + limit - 1).list();
    }

    @WithTransaction
    public Uni<Boolean> deleteGallery(String tenantId, String sub, String rg, String name) {
        String key = ResourceIds.key(ResourceIds.gallery(sub, rg, name));
        return Gallery.<Gallery>findById(key).flatMap(g -> {
            if (g == null) {
                return Uni.createFrom().item(false);
            }
            return ImageDefinition.count("galleryKey", key).flatMap(n -> {
                if (n > 0) {
                    throw ArmException.conflict("GalleryNotEmpty", "The gallery '" + name + "' holds " + n
                            + " image definition(s); delete them first.", g.id());
                }
                // a query, not an entity delete: see VersionService.hardDelete
                return Gallery.delete("key", key).flatMap(rows -> rows == 0 ? Uni.createFrom().item(false)
                        : galleryChanged(g, tenantId, true).replaceWith(true));
            });
        });
    }

    // ---- image definitions ----

    @WithTransaction
    public Uni<Upsert<ImageDefinition>> putImage(String sub, String rg, String galleryName, String name,
                                                 Bodies.ImageBody body) {
        Validation.resourceName("image definition", name);
        if (body == null || body.properties() == null) {
            throw ArmException.invalid("InvalidRequestContent", "The request body must carry 'properties'.",
                    "properties");
        }
        var p = body.properties();
        String location = Validation.region(body.location(), "location");
        String osType = Validation.oneOf(Validation.OS_TYPES, p.osType(), null, "properties.osType");
        String osState = Validation.oneOf(Validation.OS_STATES, p.osState(), null, "properties.osState");
        String hyperV = Validation.oneOf(Validation.HYPER_V, p.hyperVGeneration(), "V1",
                "properties.hyperVGeneration");
        String arch = Validation.oneOf(Validation.ARCHITECTURES, p.architecture(), "x64", "properties.architecture");
        if (p.identifier() == null) {
            throw ArmException.invalidParameter("properties.identifier", "The value of 'properties.identifier' "
                    + "(publisher, offer, sku) is required.");
        }
        String publisher = Validation.required(p.identifier().publisher(), 128, "properties.identifier.publisher");
        String offer = Validation.required(p.identifier().offer(), 64, "properties.identifier.offer");
        String sku = Validation.required(p.identifier().sku(), 64, "properties.identifier.sku");
        validateRecommended(p.recommended());
        if (p.endOfLifeDate() != null && !p.endOfLifeDate().isAfter(Instant.now())) {
            throw ArmException.invalidParameter("properties.endOfLifeDate", "The end-of-life date must be in the "
                    + "future.");
        }
        return gallery(sub, rg, galleryName).flatMap(g -> {
            String id = ResourceIds.definition(sub, rg, g.name, name);
            return ImageDefinition.<ImageDefinition>findById(ResourceIds.key(id)).flatMap(existing -> {
                if (existing != null) {
                    immutable("properties.osType", existing.osType, osType);
                    immutable("properties.osState", existing.osState, osState);
                    immutable("properties.hyperVGeneration", existing.hyperVGeneration, hyperV);
                    immutable("properties.identifier", existing.publisher + "/" + existing.offer + "/"
                            + existing.sku, publisher + "/" + offer + "/" + sku);
                    fill(existing, body, location, arch);
                    return Uni.createFrom().item(new Upsert<>(existing, false));
                }
                return ImageDefinition.count("galleryKey = ?1 and lower(publisher) = ?2 and lower(offer) = ?3 "
                                + "and lower(sku) = ?4", g.key, publisher.toLowerCase(Locale.ROOT),
                        offer.toLowerCase(Locale.ROOT), sku.toLowerCase(Locale.ROOT)).flatMap(dups -> {
                    if (dups > 0) {
                        throw ArmException.conflict("GalleryImageIdentifierConflict", "An image definition with "
                                + "publisher '" + publisher + "', offer '" + offer + "' and sku '" + sku
                                + "' already exists in gallery '" + g.name + "'.", "properties.identifier");
                    }
                    return quota(ImageDefinition.count("subscriptionId = ?1 and location = ?2",
                            sub.toLowerCase(Locale.ROOT), location), config.quota().definitions(), "image definitions",
                            location).flatMap(ok -> {
                    ImageDefinition d = new ImageDefinition();
                    d.key = ResourceIds.key(id);
                    d.subscriptionId = sub.toLowerCase(Locale.ROOT);
                    d.galleryKey = g.key;
                    d.name = name;
                    d.osType = osType;
                    d.osState = osState;
                    d.hyperVGeneration = hyperV;
                    d.publisher = publisher;
                    d.offer = offer;
                    d.sku = sku;
                    d.provisioningState = "Succeeded";
                    d.createdAt = Instant.now();
                    fill(d, body, location, arch);
                    return d.<ImageDefinition>persist().call(x -> definitionChanged(id, sub, false))
                            .map(x -> new Upsert<>(d, true));
                    });
                });
            });
        });
    }

    private static void fill(ImageDefinition d, Bodies.ImageBody body, String location, String arch) {
        var p = body.properties();
        d.location = location;
        d.architecture = arch;
        d.tags = Mapper.tagsJson(body.tags());
        d.description = length(p.description(), 4096, "properties.description");
        d.eula = length(p.eula(), 65536, "properties.eula");
        d.privacyStatementUri = uri(p.privacyStatementUri(), "properties.privacyStatementUri");
        d.releaseNoteUri = uri(p.releaseNoteUri(), "properties.releaseNoteUri");
        d.recommended = p.recommended() == null ? null : Json.write(p.recommended());
        d.disallowedDiskTypes = p.disallowed() == null || p.disallowed().diskTypes() == null ? null
                : Json.write(p.disallowed().diskTypes());
        d.features = p.features() == null ? null : Json.write(p.features());
        d.endOfLifeDate = p.endOfLifeDate();
    }

    /** PATCH of a definition: every mutable property that is present; the immutable ones must not change. */
    @WithTransaction
    public Uni<ImageDefinition> patchImage(String sub, String rg, String galleryName, String name,
                                           Bodies.ImageBody body) {
        if (body == null) {
            throw ArmException.invalid("InvalidRequestContent", "The request body is required.", null);
        }
        return image(sub, rg, galleryName, name).map(d -> {
            var p = body.properties();
            if (body.tags() != null) {
                d.tags = Mapper.tagsJson(body.tags());
            }
            if (p == null) {
                return d;
            }
            if (p.osType() != null) {
                immutable("properties.osType", d.osType, p.osType());
            }
            if (p.osState() != null) {
                immutable("properties.osState", d.osState, p.osState());
            }
            if (p.hyperVGeneration() != null) {
                immutable("properties.hyperVGeneration", d.hyperVGeneration, p.hyperVGeneration());
            }
            if (p.identifier() != null) {
                immutable("properties.identifier", d.publisher + "/" + d.offer + "/" + d.sku,
                        p.identifier().publisher() + "/" + p.identifier().offer() + "/" + p.identifier().sku());
            }
            if (p.architecture() != null) {
                immutable("properties.architecture", d.architecture, p.architecture());
            }
            if (p.description() != null) {
                d.description = length(p.description(), 4096, "properties.description");
            }
            if (p.eula() != null) {
                d.eula = length(p.eula(), 65536, "properties.eula");
            }
            if (p.privacyStatementUri() != null) {
                d.privacyStatementUri = uri(p.privacyStatementUri(), "properties.privacyStatementUri");
            }
            if (p.releaseNoteUri() != null) {
                d.releaseNoteUri = uri(p.releaseNoteUri(), "properties.releaseNoteUri");
            }
            if (p.recommended() != null) {
                validateRecommended(p.recommended());
                d.recommended = Json.write(p.recommended());
            }
            if (p.disallowed() != null && p.disallowed().diskTypes() != null) {
                d.disallowedDiskTypes = Json.write(p.disallowed().diskTypes());
            }
            if (p.features() != null) {
                d.features = Json.write(p.features());
            }
            if (p.endOfLifeDate() != null) {
                if (!p.endOfLifeDate().isAfter(Instant.now())) {
                    throw ArmException.invalidParameter("properties.endOfLifeDate", "The end-of-life date must be in "
                            + "the future.");
                }
                d.endOfLifeDate = p.endOfLifeDate();
            }
            return d;
        });
    }

    static String length(String value, int max, String target) {
        if (value != null && value.length() > max) {
            throw ArmException.invalidParameter(target, "The value of '" + target + "' is longer than " + max
                    + " characters.");
        }
        return value;
    }

    static String uri(String value, String target) {
        if (value == null) {
            return null;
        }
        try {
            var u = java.net.URI.create(value);
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw ArmException.invalidParameter(target, "The value of '" + target + "' must be an http(s) URI.");
        }
        return length(value, 2048, target);
    }

    private static void validateRecommended(Bodies.Recommended r) {
        if (r == null) {
            return;
        }
        range(r.vCPUs(), "properties.recommended.vCPUs", 1, 640);
        range(r.memory(), "properties.recommended.memory", 1, 12_000);
    }

    private static void range(Bodies.Range range, String target, int lo, int hi) {
        if (range == null) {
            return;
        }
        if (range.min() != null && (range.min() < lo || range.min() > hi)) {
            throw ArmException.invalidParameter(target + ".min", "The minimum must be between " + lo + " and " + hi
                    + ".");
        }
        if (range.max() != null && (range.max() < lo || range.max() > hi)) {
            throw ArmException.invalidParameter(target + ".max", "The maximum must be between " + lo + " and " + hi
                    + ".");
        }
        if (range.min() != null && range.max() != null && range.min() > range.max()) {
            throw ArmException.invalidParameter(target, "The minimum is above the maximum.");
        }
    }

    private static void immutable(String target, String was, String now) {
        if (!was.equalsIgnoreCase(now)) {
            throw ArmException.conflict("PropertyChangeNotAllowed", "Changing property '" + target
                    + "' is not allowed.", target);
        }
    }

    @WithSession
    public Uni<ImageDefinition> image(String sub, String rg, String galleryName, String name) {
        String id = ResourceIds.definition(sub, rg, galleryName, name);
        return ImageDefinition.<ImageDefinition>findById(ResourceIds.key(id)).flatMap(d -> {
            if (d == null) {
                return gallery(sub, rg, galleryName).map(g -> {
                    throw ArmException.notFound("GalleryImageNotFound", "The gallery image '" + name
                            + "' was not found in gallery '" + galleryName + "'.", id);
                });
            }
            return Uni.createFrom().item(d);
        });
    }

    @WithSession
    public Uni<List<ImageDefinition>> images(String sub, String rg, String galleryName, int offset, int limit) {
        return gallery(sub, rg, galleryName).flatMap(g -> ImageDefinition.<ImageDefinition>find(
                "galleryKey = ?1 order by key", g.key).range(offset, offset + limit - 1).list());
    }

    @WithTransaction
    public Uni<Boolean> deleteImage(String sub, String rg, String galleryName, String name) {
        String key = ResourceIds.key(ResourceIds.definition(sub, rg, galleryName, name));
        return ImageDefinition.<ImageDefinition>findById(key).flatMap(d -> {
            if (d == null) {
                return Uni.createFrom().item(false);
            }
            return dev.imagegallery.catalog.domain.ImageVersion.count("definitionKey", key).flatMap(n -> {
                // soft-deleted versions count too: they are restorable until purged
                if (n > 0) {
                    throw ArmException.conflict("GalleryImageNotEmpty", "The image definition '" + name + "' holds "
                            + n + " version(s); delete them first.", key);
                }
                return ImageDefinition.delete("key", key).flatMap(rows -> rows == 0 ? Uni.createFrom().item(false)
                        : definitionChanged(ResourceIds.definition(sub, rg, galleryName, name), sub, true)
                                .replaceWith(true));
            });
        });
    }

    /** Tells access-service that a definition exists or is gone (role assignments may name it as their scope). */
    private Uni<Void> definitionChanged(String id, String sub, boolean deleted) {
        return outbox.emit(EventTypes.IMAGE_DEFINITION_CHANGED, id, new Payloads.ImageDefinitionChanged(id, sub,
                deleted)).replaceWithVoid();
    }

    // ---- managed images ----

    /** A managed image as a PUT asks for it, validated; its blob's existence is checked by {@link BlobCatalog}. */
    public record ManagedImageSpec(String location, String osType, String osState, BlobRef blob, String blobUri) {
    }

    /** Validates a managed image PUT's body (no database): every failure names its field. */
    public ManagedImageSpec managedImageSpec(String rg, String name, String sub, Bodies.ManagedImageBody body) {
        Validation.resourceGroup(rg);
        Validation.resourceName("image", name);
        if (body == null || body.properties() == null || body.properties().storageProfile() == null
                || body.properties().storageProfile().osDisk() == null) {
            throw ArmException.invalidParameter("properties.storageProfile.osDisk", "The value of "
                    + "'properties.storageProfile.osDisk' is required.");
        }
        var disk = body.properties().storageProfile().osDisk();
        String location = Validation.region(body.location(), "location");
        String osType = Validation.oneOf(Validation.OS_TYPES, disk.osType(), null,
                "properties.storageProfile.osDisk.osType");
        String osState = Validation.oneOf(Validation.OS_STATES, disk.osState(), null,
                "properties.storageProfile.osDisk.osState");
        String blobUri = disk.blobUri();
        BlobRef blob;
        try {
            blob = BlobRef.parse(blobUri);
        } catch (IllegalArgumentException e) {
            throw ArmException.invalidParameter(BLOB_URI_TARGET, e.getMessage());
        }
        String dataPlane = config.dataPlaneUrl().replaceAll("/+$", "").toLowerCase(Locale.ROOT);
        if (!blob.baseUrl().equals(dataPlane)) {
            throw ArmException.invalidParameter(BLOB_URI_TARGET, "The blob URI must be on this system's data plane, "
                    + dataPlane + ".");
        }
        if (!blob.region().equals(location)) {
            throw ArmException.invalidParameter(BLOB_URI_TARGET, "The blob is in region '" + blob.region()
                    + "' but the image's location is '" + location + "'.");
        }
        if (!blob.subscriptionId().equalsIgnoreCase(sub)) {
            throw ArmException.invalidParameter(BLOB_URI_TARGET, "The blob belongs to another subscription.");
        }
        return new ManagedImageSpec(location, osType, osState, blob, blobUri);
    }

    public static final String BLOB_URI_TARGET = "properties.storageProfile.osDisk.blobUri";

    @WithSession
    public Uni<Boolean> managedImageExists(String sub, String rg, String name) {
        return ManagedImage.count("key", ResourceIds.key(ResourceIds.managedImage(sub, rg, name))).map(n -> n > 0);
    }

    @WithTransaction
    public Uni<Upsert<ManagedImage>> putManagedImage(String sub, String rg, String name, ManagedImageSpec spec,
                                                     java.util.Map<String, String> tags) {
        String location = spec.location();
        String osType = spec.osType();
        String osState = spec.osState();
        String blobUri = spec.blobUri();
        String id = ResourceIds.managedImage(sub, rg, name);
        return ManagedImage.<ManagedImage>findById(ResourceIds.key(id)).flatMap(existing -> {
            if (existing != null) {
                immutable("properties.storageProfile.osDisk.blobUri", existing.blobUri, blobUri);
                immutable("location", existing.location, location);
                existing.tags = Mapper.tagsJson(tags);
                return Uni.createFrom().item(new Upsert<>(existing, false));
            }
            ManagedImage mi = new ManagedImage();
            mi.key = ResourceIds.key(id);
            mi.subscriptionId = sub.toLowerCase(Locale.ROOT);
            mi.resourceGroup = rg;
            mi.name = name;
            mi.location = location;
            mi.osType = osType;
            mi.osState = osState;
            mi.blobUri = blobUri;
            mi.tags = Mapper.tagsJson(tags);
            mi.provisioningState = "Succeeded";
            mi.createdAt = Instant.now();
            return mi.<ManagedImage>persist().map(x -> new Upsert<>(mi, true));
        });
    }

    @WithSession
    public Uni<ManagedImage> managedImage(String sub, String rg, String name) {
        String id = ResourceIds.managedImage(sub, rg, name);
        return ManagedImage.<ManagedImage>findById(ResourceIds.key(id)).map(mi -> {
            if (mi == null) {
                throw ArmException.notFound("ImageNotFound", "The image '" + name + "' was not found.", id);
            }
            return mi;
        });
    }

    @WithSession
    public Uni<List<ManagedImage>> managedImages(String sub, String rg, int offset, int limit) {
        return ManagedImage.<ManagedImage>find("subscriptionId = ?1 and lower(resourceGroup) = ?2 order by key",
                sub.toLowerCase(Locale.ROOT), rg.toLowerCase(Locale.ROOT)).range(offset, offset + limit - 1).list();
    }

    @WithTransaction
    public Uni<Boolean> deleteManagedImage(String sub, String rg, String name) {
        String id = ResourceIds.managedImage(sub, rg, name);
        return ManagedImage.<ManagedImage>findById(ResourceIds.key(id)).flatMap(mi -> {
            if (mi == null) {
                return Uni.createFrom().item(false);
            }
            return dev.imagegallery.catalog.domain.ImageVersion.count(
                    "lower(sourceId) = ?1 and provisioningState = 'Creating'", ResourceIds.key(id)).flatMap(n -> {
                if (n > 0) {
                    throw ArmException.conflict("ImageInUseByGalleryImageVersion", "The image '" + name
                            + "' is the source of " + n + " image version(s) still being created.", id);
                }
                return ManagedImage.delete("key", mi.key).map(rows -> rows > 0);
            });
        });
    }
}

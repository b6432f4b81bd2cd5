package dev.imagegallery.catalog.service;

import dev.imagegallery.catalog.config.CatalogConfig;
import dev.imagegallery.catalog.domain.DefinitionSpec;
import dev.imagegallery.catalog.domain.ResourceIds;
import dev.imagegallery.common.arm.Tags;
import dev.imagegallery.catalog.domain.Validation;
import dev.imagegallery.catalog.persistence.ImageDefinition;
import dev.imagegallery.catalog.persistence.ImageVersion;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.outbox.Outbox;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Json;
import dev.imagegallery.events.Payloads;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Image definitions: publisher/offer/sku unique in their gallery, what is fixed at creation, and the
 * ImageDefinitionChanged events access-service needs (role assignments may name a definition as their scope).
 */
@ApplicationScoped
public class DefinitionService {
    private final CatalogConfig config;
    private final Outbox outbox;
    private final GalleryService galleries;

    public DefinitionService(CatalogConfig config, Outbox outbox, GalleryService galleries) {
        this.config = config;
        this.outbox = outbox;
        this.galleries = galleries;
    }

    @WithTransaction
    public Uni<Upsert<ImageDefinition>> putImage(String sub, String rg, String galleryName, String name,
                                                 DefinitionSpec spec) {
        Validation.resourceName("image definition", name);
        DefinitionSpec.Fixed fixed = DefinitionSpec.check(spec, Instant.now());
        String location = fixed.location();
        return galleries.gallery(sub, rg, galleryName).flatMap(g -> {
            String id = ResourceIds.definition(sub, rg, g.name, name);
            return ImageDefinition.<ImageDefinition>findById(ResourceIds.key(id)).flatMap(existing -> {
                if (existing != null) {
                    // as a gallery's and a version's: a definition moved by a PUT left its versions, and its place in
                    // the per-location quota, behind
                    Validation.sameLocation(existing.location, location);
                    Validation.immutable("properties.osType", existing.osType, fixed.osType());
                    Validation.immutable("properties.osState", existing.osState, fixed.osState());
                    Validation.immutable("properties.hyperVGeneration", existing.hyperVGeneration,
                            fixed.hyperVGeneration());
                    Validation.immutable("properties.identifier", existing.publisher + "/" + existing.offer + "/"
                            + existing.sku, fixed.identifier());
                    // the versions already published were built for it (PATCH refuses a change as well)
                    Validation.immutable("properties.architecture", existing.architecture, fixed.architecture());
                    fill(existing, spec, location, fixed.architecture());
                    return Uni.createFrom().item(new Upsert<>(existing, false));
                }
                // another definition's: this one, created meanwhile by the same PUT sent twice at once, is not a
                // duplicate (its insert here fails on the key, and the PUT runs again as an update: ConcurrentChange)
                return ImageDefinition.count("galleryKey = ?1 and lower(publisher) = ?2 and lower(offer) = ?3 "
                                + "and lower(sku) = ?4 and key <> ?5", g.key, fixed.publisher().toLowerCase(Locale.ROOT),
                        fixed.offer().toLowerCase(Locale.ROOT), fixed.sku().toLowerCase(Locale.ROOT),
                        ResourceIds.key(id)).flatMap(dups -> {
                    if (dups > 0) {
                        throw ArmException.conflict("GalleryImageIdentifierConflict", "An image definition with "
                                + "publisher '" + fixed.publisher() + "', offer '" + fixed.offer() + "' and sku '"
                                + fixed.sku() + "' already exists in gallery '" + g.name + "'.",
                                "properties.identifier");
                    }
                    return Quotas.check(sub, ImageDefinition.count("subscriptionId = ?1 and location = ?2",
                            sub.toLowerCase(Locale.ROOT), location), config.quota().definitions(), "image definitions",
                            location).flatMap(ok -> {
                        ImageDefinition d = new ImageDefinition();
                        d.key = ResourceIds.key(id);
                        d.subscriptionId = sub.toLowerCase(Locale.ROOT);
                        d.galleryKey = g.key;
                        d.name = name;
                        d.osType = fixed.osType();
                        d.osState = fixed.osState();
                        d.hyperVGeneration = fixed.hyperVGeneration();
                        d.publisher = fixed.publisher();
                        d.offer = fixed.offer();
                        d.sku = fixed.sku();
                        d.provisioningState = "Succeeded";
                        d.createdAt = Instant.now();
                        fill(d, spec, location, fixed.architecture());
                        return d.<ImageDefinition>persist().call(x -> definitionChanged(id, sub, false))
                                .map(x -> new Upsert<>(d, true));
                    });
                });
            });
        });
    }

    private static void fill(ImageDefinition d, DefinitionSpec spec, String location, String arch) {
        var p = spec.properties();
        d.location = location;
        d.architecture = arch;
        d.tags = Tags.json(spec.tags());
        d.description = Validation.length(p.description(), 4096, "properties.description");
        d.eula = Validation.length(p.eula(), 65536, "properties.eula");
        d.privacyStatementUri = Validation.uri(p.privacyStatementUri(), "properties.privacyStatementUri");
        d.releaseNoteUri = Validation.uri(p.releaseNoteUri(), "properties.releaseNoteUri");
        d.recommended = p.recommended() == null ? null : Json.write(p.recommended());
        d.disallowedDiskTypes = p.disallowed() == null || p.disallowed().diskTypes() == null ? null
                : Json.write(p.disallowed().diskTypes());
        features(d, p);
        d.purchasePlan = p.purchasePlan() == null ? null : Json.write(DefinitionSpec.purchasePlan(p.purchasePlan()));
        d.allowUpdateImage = p.allowUpdateImage();
        d.endOfLifeDate = p.endOfLifeDate();
    }

    /**
     * Sets the features asked for. Changing the features a definition already has needs {@code allowUpdateImage: true}
     * in the same request, as Azure asks (409 PropertyChangeNotAllowed naming {@code properties.features} otherwise):
     * versions already published were built for the features they were published with.
     */
    private static void features(ImageDefinition d, DefinitionSpec.Properties p) {
        String now = p.features() == null ? null : Json.write(DefinitionSpec.features(p.features()));
        boolean had = d.features != null && !"[]".equals(d.features);
        if (had && !java.util.Objects.equals(d.features, now) && !Boolean.TRUE.equals(p.allowUpdateImage())) {
            throw ArmException.conflict("PropertyChangeNotAllowed", "Changing the features of an image definition "
                    + "needs 'properties.allowUpdateImage': true.", "properties.features");
        }
        d.features = now;
    }

    /** PATCH of a definition: every mutable property that is present; the immutable ones must not change. */
    @WithTransaction
    public Uni<ImageDefinition> patchImage(String sub, String rg, String galleryName, String name,
                                           DefinitionSpec spec) {
        if (spec == null) {
            throw ArmException.invalid("InvalidRequestContent", "The request body is required.", null);
        }
        return image(sub, rg, galleryName, name).map(d -> {
            var p = spec.properties();
            Validation.sameLocation(d.location, spec.location());
            if (spec.tags() != null) {
                d.tags = Tags.json(spec.tags());
            }
            if (p == null) {
                return d;
            }
            if (p.osType() != null) {
                Validation.immutable("properties.osType", d.osType, p.osType());
            }
            if (p.osState() != null) {
                Validation.immutable("properties.osState", d.osState, p.osState());
            }
            if (p.hyperVGeneration() != null) {
                Validation.immutable("properties.hyperVGeneration", d.hyperVGeneration, p.hyperVGeneration());
            }
            if (p.identifier() != null) {
                Validation.immutable("properties.identifier", d.publisher + "/" + d.offer + "/" + d.sku,
                        p.identifier().publisher() + "/" + p.identifier().offer() + "/" + p.identifier().sku());
            }
            if (p.architecture() != null) {
                Validation.immutable("properties.architecture", d.architecture, p.architecture());
            }
            if (p.description() != null) {
                d.description = Validation.length(p.description(), 4096, "properties.description");
            }
            if (p.eula() != null) {
                d.eula = Validation.length(p.eula(), 65536, "properties.eula");
            }
            if (p.privacyStatementUri() != null) {
                d.privacyStatementUri = Validation.uri(p.privacyStatementUri(), "properties.privacyStatementUri");
            }
            if (p.releaseNoteUri() != null) {
                d.releaseNoteUri = Validation.uri(p.releaseNoteUri(), "properties.releaseNoteUri");
            }
            if (p.recommended() != null) {
                p.recommended().check();
                d.recommended = Json.write(p.recommended());
            }
            if (p.disallowed() != null && p.disallowed().diskTypes() != null) {
                d.disallowedDiskTypes = Json.write(p.disallowed().diskTypes());
            }
            if (p.features() != null) {
                features(d, p);
            }
            if (p.purchasePlan() != null) {
                d.purchasePlan = Json.write(DefinitionSpec.purchasePlan(p.purchasePlan()));
            }
            if (p.allowUpdateImage() != null) {
                d.allowUpdateImage = p.allowUpdateImage();
            }
            if (p.endOfLifeDate() != null) {
                Validation.future(p.endOfLifeDate(), Instant.now(), "properties.endOfLifeDate");
                d.endOfLifeDate = p.endOfLifeDate();
            }
            return d;
        });
    }

    @WithSession
    public Uni<ImageDefinition> image(String sub, String rg, String galleryName, String name) {
        String id = ResourceIds.definition(sub, rg, galleryName, name);
        return ImageDefinition.<ImageDefinition>findById(ResourceIds.key(id)).flatMap(d -> {
            if (d == null) {
                return galleries.gallery(sub, rg, galleryName).map(g -> {
                    throw ArmException.notFound("GalleryImageNotFound", "The gallery image '" + name
                            + "' was not found in gallery '" + galleryName + "'.", id);
                });
            }
            return Uni.createFrom().item(d);
        });
    }

    @WithSession
    public Uni<List<ImageDefinition>> images(String sub, String rg, String galleryName, int offset, int limit) {
        return galleries.gallery(sub, rg, galleryName).flatMap(g -> ImageDefinition.<ImageDefinition>find(
                "galleryKey = ?1 order by key", g.key).range(offset, offset + limit - 1).list());
    }

    @WithTransaction
    public Uni<Boolean> deleteImage(String sub, String rg, String galleryName, String name) {
        String key = ResourceIds.key(ResourceIds.definition(sub, rg, galleryName, name));
        return ImageDefinition.<ImageDefinition>findById(key).flatMap(d -> {
            if (d == null) {
                return Uni.createFrom().item(false);
            }
            return ImageVersion.count("definitionKey", key).flatMap(n -> {
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
}

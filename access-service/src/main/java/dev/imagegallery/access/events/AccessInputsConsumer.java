package dev.imagegallery.access.events;

import dev.imagegallery.access.persistence.AuditEntry;
import dev.imagegallery.access.persistence.GalleryRef;
import dev.imagegallery.access.persistence.ScopeRef;
import dev.imagegallery.access.service.AccessService;
import dev.imagegallery.access.service.SharingService;
import dev.imagegallery.common.inbox.Inbox;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Json;
import dev.imagegallery.events.Payloads;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.util.Locale;
import java.util.Set;

/**
 * What access-service learns from others: the galleries, image definitions and versions that exist (catalog) and the
 * denied requests (audit). When catalog-service deletes a gallery, definition or version, every grant on it ends
 * (and a gallery's sharing too), so that a resource created again under the same id starts without them.
 */
@ApplicationScoped
public class AccessInputsConsumer {
    private final SharingService sharing;
    private final AccessService access;

    public AccessInputsConsumer(SharingService sharing, AccessService access) {
        this.sharing = sharing;
        this.access = access;
    }

    /** The catalog's events this consumer applies (the others pass without a transaction). */
    static final Set<String> CATALOG_TYPES = Set.of(EventTypes.IMAGE_DEFINITION_CHANGED, EventTypes.VERSION_PUBLISHED,
            EventTypes.VERSION_DELETED, EventTypes.GALLERY_CHANGED);

    @Incoming("catalog-events")
    public Uni<Void> catalog(String json) {
        return Inbox.consume(json, "catalog", CATALOG_TYPES, event -> {
            switch (event.type()) {
                case EventTypes.IMAGE_DEFINITION_CHANGED -> {
                    var p = event.dataAs(Payloads.ImageDefinitionChanged.class);
                    return scope(p.definitionId(), ScopeRef.DEFINITION, p.subscriptionId(), p.deleted());
                }
                case EventTypes.VERSION_PUBLISHED -> {
                    var p = event.dataAs(Payloads.VersionPublished.class);
                    return scope(p.versionId(), ScopeRef.VERSION, p.subscriptionId(), false);
                }
                case EventTypes.VERSION_DELETED -> {
                    var p = event.dataAs(Payloads.VersionDeleted.class);
                    return scope(p.versionId(), ScopeRef.VERSION, p.subscriptionId(), true);
                }
                default -> {
                    return gallery(event);
                }
            }
        });
    }

    /**
     * Keeps (or drops) a definition or version that role assignments may name as their scope; a dropped one takes the
     * assignments at and below it along.
     */
    private Uni<Void> scope(String id, String kind, String subscriptionId, boolean deleted) {
        String key = id.toLowerCase(Locale.ROOT);
        if (deleted) {
            // queries, not entity deletes (Hibernate Reactive's delete coordinator is shared between sessions)
            return ScopeRef.delete("scopeKey", key)
                    .flatMap(n -> access.endAssignmentsAtAndBelow(id, "the " + kind + " was deleted"))
                    .replaceWithVoid();
        }
        return ScopeRef.<ScopeRef>findById(key).flatMap(existing -> {
            if (existing != null) {
                return Uni.createFrom().voidItem();
            }
            ScopeRef r = new ScopeRef();
            r.scopeKey = key;
            r.kind = kind;
            r.subscriptionId = subscriptionId;
            return r.persist().replaceWithVoid();
        });
    }

    /** A gallery known (or gone): its sharing ends with it. */
    private Uni<Void> gallery(CloudEvent event) {
        var p = event.dataAs(Payloads.GalleryChanged.class);
        String key = p.galleryId().toLowerCase(Locale.ROOT);
        if (p.deleted()) {
            return sharing.galleryDeleted(p.galleryId());
        }
        return GalleryRef.<GalleryRef>findById(key).flatMap(existing -> {
            GalleryRef g = existing != null ? existing : new GalleryRef();
            g.galleryKey = key;
            g.galleryId = p.galleryId();
            g.subscriptionId = p.subscriptionId();
            g.tenantId = p.tenantId();
            g.uniqueName = p.uniqueName();
            g.location = p.location();
            g.communityInfo = p.communityGalleryInfo() == null ? null : Json.write(p.communityGalleryInfo());
            return existing != null ? Uni.createFrom().voidItem() : g.persist().replaceWithVoid();
        });
    }

    @Incoming("audit-events")
    public Uni<Void> audit(String json) {
        return Inbox.consume(json, "audit", Set.of(EventTypes.ACCESS_DENIED), event -> {
            var p = event.dataAs(Payloads.AccessDenied.class);
            AuditEntry e = new AuditEntry();
            e.id = event.id();
            e.tenantId = p.tenantId();
            e.principalId = p.principalId();
            e.action = p.action();
            e.scope = p.scope();
            e.outcome = p.outcome();
            e.service = p.service();
            e.at = p.at();
            return e.persist().replaceWithVoid();
        });
    }
}

package dev.imagegallery.access.events;

import dev.imagegallery.access.domain.AuditEntry;
import dev.imagegallery.access.domain.GalleryRef;
import dev.imagegallery.access.domain.ScopeRef;
import dev.imagegallery.common.inbox.Inbox;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.util.Locale;

/**
 * What access-service learns from others: the galleries, image definitions and versions that exist (catalog) and the
 * denied requests (audit).
 */
@ApplicationScoped
public class AccessInputsConsumer {

    @Incoming("catalog-events")
    public Uni<Void> catalog(String json) {
        CloudEvent event = parse(json);
        if (event == null) {
            return Uni.createFrom().voidItem();
        }
        switch (event.type()) {
            case EventTypes.IMAGE_DEFINITION_CHANGED -> {
                var p = event.dataAs(Payloads.ImageDefinitionChanged.class);
                return Inbox.process(event, () -> scope(p.definitionId(), ScopeRef.DEFINITION, p.subscriptionId(),
                        p.deleted()));
            }
            case EventTypes.VERSION_PUBLISHED -> {
                var p = event.dataAs(Payloads.VersionPublished.class);
                return Inbox.process(event, () -> scope(p.versionId(), ScopeRef.VERSION, p.subscriptionId(), false));
            }
            case EventTypes.VERSION_DELETED -> {
                var p = event.dataAs(Payloads.VersionDeleted.class);
                return Inbox.process(event, () -> scope(p.versionId(), ScopeRef.VERSION, p.subscriptionId(), true));
            }
            case EventTypes.GALLERY_CHANGED -> {
                return gallery(event);
            }
            default -> {
                return Uni.createFrom().voidItem();
            }
        }
    }

    /** Keeps (or drops) a definition or version that role assignments may name as their scope. */
    private static Uni<Void> scope(String id, String kind, String subscriptionId, boolean deleted) {
        String key = id.toLowerCase(Locale.ROOT);
        if (deleted) {
            return ScopeRef.deleteById(key).replaceWithVoid();
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

    private static Uni<Void> gallery(CloudEvent event) {
        return Inbox.process(event, () -> {
            var p = event.dataAs(Payloads.GalleryChanged.class);
            String key = p.galleryId().toLowerCase(Locale.ROOT);
            if (p.deleted()) {
                return GalleryRef.deleteById(key).replaceWithVoid();
            }
            return GalleryRef.<GalleryRef>findById(key).flatMap(existing -> {
                GalleryRef g = existing != null ? existing : new GalleryRef();
                g.galleryKey = key;
                g.galleryId = p.galleryId();
                g.subscriptionId = p.subscriptionId();
                g.tenantId = p.tenantId();
                g.uniqueName = p.uniqueName();
                g.location = p.location();
                return existing != null ? Uni.createFrom().voidItem() : g.persist().replaceWithVoid();
            });
        });
    }

    @Incoming("audit-events")
    public Uni<Void> audit(String json) {
        CloudEvent event = parse(json);
        if (event == null || !EventTypes.ACCESS_DENIED.equals(event.type())) {
            return Uni.createFrom().voidItem();
        }
        return Inbox.process(event, () -> {
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

    private static CloudEvent parse(String json) {
        try {
            return CloudEvent.parse(json);
        } catch (IllegalArgumentException e) {
            Log.warnf("skipping a malformed event: %s", e.getMessage());
            return null;
        }
    }
}

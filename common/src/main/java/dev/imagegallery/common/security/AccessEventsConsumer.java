package dev.imagegallery.common.security;

import dev.imagegallery.common.inbox.Inbox;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** Keeps the local read model of subscriptions and grants current from access-service's topic. */
@ApplicationScoped
public class AccessEventsConsumer {
    private final Authorizer authorizer;

    public AccessEventsConsumer(Authorizer authorizer) {
        this.authorizer = authorizer;
    }

    @Incoming("access-events")
    public Uni<Void> consume(String json) {
        CloudEvent event;
        try {
            event = CloudEvent.parse(json);
        } catch (IllegalArgumentException e) {
            Log.warnf("skipping a malformed access event: %s", e.getMessage());
            return Uni.createFrom().voidItem();
        }
        return Inbox.process(event, () -> apply(event)).invoke(authorizer::invalidate);
    }

    Uni<Void> apply(CloudEvent event) {
        switch (event.type()) {
            case EventTypes.SUBSCRIPTION_CREATED -> {
                var p = event.dataAs(Payloads.SubscriptionCreated.class);
                return SubscriptionView.<SubscriptionView>findById(p.subscriptionId().toLowerCase())
                        .flatMap(existing -> {
                            SubscriptionView sv = existing != null ? existing : new SubscriptionView();
                            sv.subscriptionId = p.subscriptionId().toLowerCase();
                            sv.tenantId = p.tenantId();
                            sv.displayName = p.displayName();
                            return existing != null ? Uni.createFrom().voidItem() : sv.persist().replaceWithVoid();
                        });
            }
            case EventTypes.ROLE_ASSIGNMENT_CREATED -> {
                var p = event.dataAs(Payloads.RoleAssignment.class);
                return GrantView.<GrantView>findById(p.assignmentId()).flatMap(existing -> {
                    GrantView g = existing != null ? existing : new GrantView();
                    g.assignmentId = p.assignmentId();
                    g.tenantId = p.tenantId();
                    g.scope = Scopes.normalise(p.scope());
                    g.principalId = p.principalId();
                    g.roleDefinitionId = p.roleDefinitionId();
                    return existing != null ? Uni.createFrom().voidItem() : g.persist().replaceWithVoid();
                });
            }
            case EventTypes.ROLE_ASSIGNMENT_DELETED -> {
                var p = event.dataAs(Payloads.RoleAssignment.class);
                return GrantView.deleteById(p.assignmentId()).replaceWithVoid();
            }
            case EventTypes.GALLERY_SHARING_CHANGED -> {
                var p = event.dataAs(Payloads.GallerySharingChanged.class);
                String key = p.galleryId().toLowerCase();
                return ShareView.<ShareView>findById(key).flatMap(existing -> {
                    ShareView sv = existing != null ? existing : new ShareView();
                    sv.galleryKey = key;
                    sv.galleryId = p.galleryId();
                    sv.uniqueName = p.galleryUniqueName();
                    sv.ownerTenant = p.ownerTenantId();
                    sv.ownerSubscription = p.ownerSubscriptionId();
                    sv.location = p.location();
                    sv.communityName = p.community() != null && p.community().enabled()
                            ? p.community().publicGalleryName() : null;
                    sv.snapshot = dev.imagegallery.events.Json.write(p);
                    return existing != null ? Uni.createFrom().voidItem() : sv.persist().replaceWithVoid();
                });
            }
            case EventTypes.TENANT_REGISTERED -> {
                var p = event.dataAs(Payloads.TenantRegistered.class);
                return TenantView.<TenantView>findById(p.tenantId()).flatMap(existing -> {
                    TenantView t = existing != null ? existing : new TenantView();
                    t.tenantId = p.tenantId();
                    t.issuer = p.issuer();
                    t.displayName = p.displayName();
                    return existing != null ? Uni.createFrom().voidItem() : t.persist().replaceWithVoid();
                });
            }
            default -> {
                return Uni.createFrom().voidItem();
            }
        }
    }
}

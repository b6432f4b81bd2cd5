package dev.imagegallery.common.security;

import dev.imagegallery.common.inbox.Inbox;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.util.Locale;

/** Keeps the local read model of subscriptions and grants current from access-service's topic. */
@ApplicationScoped
public class AccessEventsConsumer {
    private final Authorizer authorizer;

    public AccessEventsConsumer(Authorizer authorizer) {
        this.authorizer = authorizer;
    }

    @Incoming("access-events")
    public Uni<Void> consume(String json) {
        return Inbox.consume(json, "access", this::apply).invoke(authorizer::invalidate);
    }

    /**
     * Keeps a gallery's sharing state unless the one held is newer: one statement that inserts the state, or replaces
     * the held one only when the new state's sequence is higher (a state without a sequence, from before sequences,
     * replaces only another without one). So whatever order states arrive in (a race between two changes, a
     * redelivery, a replay from offset zero), the read model ends with the last state access-service committed.
     */
    static Uni<Void> applySharing(Payloads.GallerySharingChanged p) {
        String key = p.galleryId().toLowerCase(Locale.ROOT);
        String community = p.community() != null && p.community().enabled() ? p.community().publicGalleryName() : null;
        return Panache.getSession().flatMap(s -> s.createNativeQuery("""
                        INSERT INTO share_view (gallery_key, gallery_id, unique_name, owner_tenant, owner_subscription,
                                                location, community_name, snapshot, sequence)
                        VALUES (:key, :id, :unique, :tenant, :sub, :location, :community, :snapshot, :sequence)
                        ON CONFLICT (gallery_key) DO UPDATE SET gallery_id = EXCLUDED.gallery_id,
                            unique_name = EXCLUDED.unique_name, owner_tenant = EXCLUDED.owner_tenant,
                            owner_subscription = EXCLUDED.owner_subscription, location = EXCLUDED.location,
                            community_name = EXCLUDED.community_name, snapshot = EXCLUDED.snapshot,
                            sequence = EXCLUDED.sequence
                        WHERE (EXCLUDED.sequence IS NULL AND share_view.sequence IS NULL)
                           OR EXCLUDED.sequence > coalesce(share_view.sequence, -1)""")
                .setParameter("key", key)
                .setParameter("id", p.galleryId())
                .setParameter("unique", p.galleryUniqueName())
                .setParameter("tenant", p.ownerTenantId())
                .setParameter("sub", p.ownerSubscriptionId())
                .setParameter("location", p.location())
                .setParameter("community", community)
                .setParameter("snapshot", dev.imagegallery.events.Json.write(p))
                .setParameter("sequence", p.sequence())
                .executeUpdate()).replaceWithVoid();
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
                    g.principalType = p.principalType();
                    g.roleDefinitionId = p.roleDefinitionId();
                    return existing != null ? Uni.createFrom().voidItem() : g.persist().replaceWithVoid();
                });
            }
            case EventTypes.ROLE_ASSIGNMENT_DELETED -> {
                var p = event.dataAs(Payloads.RoleAssignment.class);
                // a query, not an entity delete: Hibernate Reactive shares one delete coordinator per entity type
                // between sessions, so concurrent entity deletes cross sessions (quarkus#41945)
                return GrantView.delete("assignmentId", p.assignmentId()).replaceWithVoid();
            }
            case EventTypes.GALLERY_SHARING_CHANGED -> {
                return applySharing(event.dataAs(Payloads.GallerySharingChanged.class));
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

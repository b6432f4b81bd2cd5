package dev.imagegallery.access.api;

import dev.imagegallery.access.publicstream.BusAdmin;
import dev.imagegallery.access.publicstream.SnapshotService;
import dev.imagegallery.access.publicstream.SubscriberService;
import dev.imagegallery.access.publicstream.SubscriberService.Subscriber;
import dev.imagegallery.common.arm.ArmList;
import dev.imagegallery.common.arm.Paging;
import dev.imagegallery.common.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Instant;

/**
 * A tenant's event subscribers ({@code Microsoft.Gallery/eventSubscribers}, api-version 2026-12-01) and the resync
 * snapshot of its public stream. Only an administrator of the tenant (Owner of one of its subscriptions).
 */
@Path("/tenants/{tenantId}/providers/Microsoft.Gallery")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class EventSubscriberResource {
    public static final String TYPE = "Microsoft.Gallery/eventSubscribers";

    public record PutRequest(PutProperties properties) {
    }

    public record PutProperties(String description) {
    }

    /** What a subscriber needs to connect; {@code clientSecret} only in the answer that created it. */
    public record Properties(String provisioningState, String description, String clientId, String clientSecret,
                             String principal, String tokenUrl, String bootstrapServers, String securityProtocol,
                             String saslMechanism, String topic, String consumerGroupPrefix, Instant createdOn,
                             String createdBy) {
    }

    public record Body(String id, String name, String type, Properties properties) {
    }

    private final SubscriberService subscribers;
    private final SnapshotService snapshots;
    private final CurrentCaller caller;

    public EventSubscriberResource(SubscriberService subscribers, SnapshotService snapshots, CurrentCaller caller) {
        this.subscribers = subscribers;
        this.snapshots = snapshots;
        this.caller = caller;
    }

    @PUT
    @Path("eventSubscribers/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> put(@PathParam("tenantId") String tenantId, @PathParam("name") String name,
                             PutRequest body) {
        String description = body == null || body.properties() == null ? null : body.properties().description();
        return subscribers.put(caller.get(), tenantId, name, description)
                .map(u -> Response.status(u.created() ? 201 : 200).entity(body(u.value())).build());
    }

    @GET
    @Path("eventSubscribers/{name}")
    public Uni<Body> get(@PathParam("tenantId") String tenantId, @PathParam("name") String name) {
        return subscribers.get(caller.get(), tenantId, name).map(this::body);
    }

    @GET
    @Path("eventSubscribers")
    public Uni<ArmList<Body>> list(@PathParam("tenantId") String tenantId) {
        return subscribers.list(caller.get(), tenantId).map(l -> ArmList.of(l.stream().map(this::body).toList()));
    }

    /** 200 when it existed and is gone, 204 when there was none (as ARM). */
    @DELETE
    @Path("eventSubscribers/{name}")
    public Uni<Response> delete(@PathParam("tenantId") String tenantId, @PathParam("name") String name) {
        return subscribers.delete(caller.get(), tenantId, name)
                .map(found -> Response.status(found ? 200 : 204).build());
    }

    @GET
    @Path("eventSnapshot")
    public Uni<SnapshotService.Snapshot> snapshot(@PathParam("tenantId") String tenantId,
                                                  @QueryParam("$top") String top,
                                                  @QueryParam("$skiptoken") String skipToken,
                                                  @Context UriInfo uri) {
        return snapshots.of(caller.get(), tenantId, Paging.of(uri, top, skipToken, SnapshotService.PAGES));
    }

    Body body(Subscriber s) {
        var config = subscribers.config();
        return new Body("/tenants/" + s.tenantId() + "/providers/" + TYPE + "/" + s.name(), s.name(), TYPE,
                new Properties(s.state(), s.description(), s.clientId(), s.secret(),
                        BusAdmin.principalOf(s.tenantId(), s.clientId()), subscribers.tokenUrl(s.tenantId()),
                        config.bootstrapServers(), config.securityProtocol(), "OAUTHBEARER",
                        subscribers.topic(s.tenantId()), BusAdmin.groupPrefixOf(s.tenantId(), s.clientId()),
                        s.createdAt(), s.createdBy()));
    }
}

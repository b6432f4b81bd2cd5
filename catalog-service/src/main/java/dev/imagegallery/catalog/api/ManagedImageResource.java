package dev.imagegallery.catalog.api;

import dev.imagegallery.common.arm.ConcurrentChange;
import dev.imagegallery.catalog.domain.ResourceIds;
import dev.imagegallery.catalog.domain.Validation;
import dev.imagegallery.catalog.service.ManagedImageService;
import dev.imagegallery.common.arm.ArmList;
import dev.imagegallery.common.arm.Paging;
import dev.imagegallery.common.http.Origins;
import dev.imagegallery.common.security.Authorizer;
import dev.imagegallery.common.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/** Microsoft.Compute/images: managed images, the sources of versions (the subscription's list: {@link ManagedImageListResource}). */
@Path("/subscriptions/{subscriptionId}/resourceGroups/{rg}/providers/Microsoft.Compute/images")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class ManagedImageResource {
    static final String READ = "Microsoft.Compute/images/read";
    static final String WRITE = "Microsoft.Compute/images/write";
    static final String DELETE = "Microsoft.Compute/images/delete";

    private final ManagedImageService images;
    private final Authorizer authorizer;
    private final CurrentCaller caller;

    public ManagedImageResource(ManagedImageService images, Authorizer authorizer, CurrentCaller caller) {
        this.images = images;
        this.authorizer = authorizer;
        this.caller = caller;
    }

    @PUT
    @Path("{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> put(@PathParam("subscriptionId") String sub, @PathParam("rg") String rg,
                             @PathParam("name") String name, Bodies.ManagedImageBody body,
                             @Context HttpServerRequest request) {
        Validation.subscriptionId(sub);
        String called = Origins.forwarded(request); // an upload through the same proxy named it in the blob's URI
        var who = caller.get();
        return authorizer.require(who, ResourceIds.managedImage(sub, rg, name), WRITE)
                .flatMap(v -> ConcurrentChange.retried(() ->
                        images.put(who.tenantId(), sub, rg, name, Requests.managedImage(body), called)))
                .map(u -> Response.status(u.created() ? 201 : 200).entity(Mapper.managedImage(u.value())).build());
    }

    @GET
    @Path("{name}")
    public Uni<Bodies.ManagedImageBody> get(@PathParam("subscriptionId") String sub, @PathParam("rg") String rg,
                                            @PathParam("name") String name) {
        Validation.subscriptionId(sub);
        return authorizer.require(caller.get(), ResourceIds.managedImage(sub, rg, name), READ)
                .flatMap(v -> images.managedImage(sub, rg, name)).map(Mapper::managedImage);
    }

    @DELETE
    @Path("{name}")
    public Uni<Response> delete(@PathParam("subscriptionId") String sub, @PathParam("rg") String rg,
                                @PathParam("name") String name) {
        Validation.subscriptionId(sub);
        return authorizer.require(caller.get(), ResourceIds.managedImage(sub, rg, name), DELETE)
                .flatMap(v -> ConcurrentChange.retried(() -> images.deleteManagedImage(sub, rg, name)))
                .map(deleted -> Response.status(deleted ? 200 : 204).build());
    }

    @GET
    public Uni<ArmList<Bodies.ManagedImageBody>> list(@PathParam("subscriptionId") String sub,
                                                      @PathParam("rg") String rg,
                                                      @QueryParam("$top") String top,
                                                      @QueryParam("$skiptoken") String skip,
                                                      @Context UriInfo uri) {
        Validation.subscriptionId(sub);
        Paging paging = Paging.of(uri, top, skip, Bodies.PAGES);
        return authorizer.require(caller.get(), ResourceIds.resourceGroup(sub, rg), READ)
                .flatMap(v -> images.managedImages(sub, rg, paging.offset(), paging.fetch()))
                .map(l -> paging.page(l.stream().map(Mapper::managedImage).toList()));
    }
}

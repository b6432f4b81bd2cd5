package dev.imagegallery.catalog.api;

import dev.imagegallery.common.arm.ConcurrentChange;
import dev.imagegallery.catalog.domain.ResourceIds;
import dev.imagegallery.catalog.domain.Validation;
import dev.imagegallery.catalog.service.GalleryService;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.arm.ArmList;
import dev.imagegallery.common.arm.Paging;
import dev.imagegallery.common.security.Authorizer;
import dev.imagegallery.common.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/** Microsoft.Compute/galleries. */
@Path("/subscriptions/{subscriptionId}")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class GalleryResource {
    static final String READ = "Microsoft.Compute/galleries/read";
    static final String WRITE = "Microsoft.Compute/galleries/write";
    static final String DELETE = "Microsoft.Compute/galleries/delete";

    private final GalleryService galleries;
    private final Authorizer authorizer;
    private final CurrentCaller caller;

    public GalleryResource(GalleryService galleries, Authorizer authorizer, CurrentCaller caller) {
        this.galleries = galleries;
        this.authorizer = authorizer;
        this.caller = caller;
    }

    @PUT
    @Path("resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{gallery}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> put(@PathParam("subscriptionId") String sub, @PathParam("rg") String rg,
                             @PathParam("gallery") String name, Bodies.GalleryBody body) {
        Validation.subscriptionId(sub);
        var who = caller.get();
        return authorizer.require(who, ResourceIds.gallery(sub, rg, name), WRITE)
                .flatMap(v -> ConcurrentChange.retried(() ->
                        galleries.putGallery(who.tenantId(), sub, rg, name, Requests.gallery(body))))
                .flatMap(u -> withSharing(u.value())
                        .map(g -> Response.status(u.created() ? 201 : 200).entity(g).build()));
    }

    @PATCH
    @Path("resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{gallery}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Bodies.GalleryBody> patch(@PathParam("subscriptionId") String sub, @PathParam("rg") String rg,
                                         @PathParam("gallery") String name, Bodies.GalleryBody body) {
        Validation.subscriptionId(sub);
        var who = caller.get();
        return authorizer.require(who, ResourceIds.gallery(sub, rg, name), WRITE)
                .flatMap(v -> ConcurrentChange.retried(() ->
                        galleries.patchGallery(who.tenantId(), sub, rg, name, Requests.gallery(body))))
                .flatMap(this::withSharing);
    }

    /**
     * The gallery with its sharingProfile when it shows one without being asked: its owner set one by PUT or PATCH
     * (as Azure answers such a gallery).
     */
    private Uni<Bodies.GalleryBody> withSharing(dev.imagegallery.catalog.persistence.Gallery g) {
        return g.sharingPermissions == null ? Uni.createFrom().item(Mapper.gallery(g))
                : galleries.sharingOf(g.id()).map(state -> Mapper.gallery(g, Mapper.sharing(state, g)));
    }

    @GET
    @Path("resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{gallery}")
    public Uni<Bodies.GalleryBody> get(@PathParam("subscriptionId") String sub, @PathParam("rg") String rg,
                                       @PathParam("gallery") String name, @QueryParam("$select") String select,
                                       @QueryParam("$expand") String expand) {
        Validation.subscriptionId(sub);
        boolean permissions = select != null && !select.isEmpty();
        if (permissions && !"Permissions".equalsIgnoreCase(select.trim())) {
            throw ArmException.invalidParameter("$select", "The value of '$select' must be 'Permissions'.");
        }
        boolean groups = expand != null && !expand.isEmpty();
        if (groups && !"SharingProfile/Groups".equalsIgnoreCase(expand.trim())) {
            throw ArmException.invalidParameter("$expand", "The value of '$expand' must be 'SharingProfile/Groups'.");
        }
        return authorizer.require(caller.get(), ResourceIds.gallery(sub, rg, name), READ)
                .flatMap(v -> galleries.gallery(sub, rg, name))
                .flatMap(g -> !permissions && !groups ? withSharing(g)
                        : galleries.sharingOf(g.id()).map(state -> Mapper.gallery(g, Mapper.sharing(state, g))));
    }

    @DELETE
    @Path("resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{gallery}")
    public Uni<Response> delete(@PathParam("subscriptionId") String sub, @PathParam("rg") String rg,
                                @PathParam("gallery") String name) {
        Validation.subscriptionId(sub);
        var who = caller.get();
        return authorizer.require(who, ResourceIds.gallery(sub, rg, name), DELETE)
                .flatMap(v -> ConcurrentChange.retried(() -> galleries.deleteGallery(who.tenantId(), sub, rg, name)))
                .map(deleted -> Response.status(deleted ? 200 : 204).build());
    }

    @GET
    @Path("resourceGroups/{rg}/providers/Microsoft.Compute/galleries")
    public Uni<ArmList<Bodies.GalleryBody>> listByGroup(@PathParam("subscriptionId") String sub,
                                                        @PathParam("rg") String rg,
                                                        @QueryParam("$top") String top,
                                                        @QueryParam("$skiptoken") String skip,
                                                        @Context UriInfo uri) {
        Validation.subscriptionId(sub);
        Paging paging = Paging.of(uri, top, skip, Bodies.PAGES);
        return authorizer.require(caller.get(), ResourceIds.resourceGroup(sub, rg), READ)
                .flatMap(v -> galleries.galleries(sub, rg, paging.offset(), paging.fetch()))
                .map(l -> paging.page(l.stream().map(Mapper::gallery).toList()));
    }

    @GET
    @Path("providers/Microsoft.Compute/galleries")
    public Uni<ArmList<Bodies.GalleryBody>> list(@PathParam("subscriptionId") String sub,
                                                 @QueryParam("$top") String top,
                                                 @QueryParam("$skiptoken") String skip,
                                                 @Context UriInfo uri) {
        Validation.subscriptionId(sub);
        Paging paging = Paging.of(uri, top, skip, Bodies.PAGES);
        return authorizer.require(caller.get(), "/subscriptions/" + sub, READ)
                .flatMap(v -> galleries.galleries(sub, null, paging.offset(), paging.fetch()))
                .map(l -> paging.page(l.stream().map(Mapper::gallery).toList()));
    }
}

package dev.imagegallery.catalog.api;

import dev.imagegallery.common.arm.ConcurrentChange;
import dev.imagegallery.catalog.domain.ResourceIds;
import dev.imagegallery.catalog.domain.Validation;
import dev.imagegallery.catalog.service.DefinitionService;
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

/** Microsoft.Compute/galleries/images: image definitions. */
@Path("/subscriptions/{subscriptionId}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{gallery}/images")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class ImageResource {
    static final String READ = "Microsoft.Compute/galleries/images/read";
    static final String WRITE = "Microsoft.Compute/galleries/images/write";
    static final String DELETE = "Microsoft.Compute/galleries/images/delete";

    private final DefinitionService definitions;
    private final Authorizer authorizer;
    private final CurrentCaller caller;

    public ImageResource(DefinitionService definitions, Authorizer authorizer, CurrentCaller caller) {
        this.definitions = definitions;
        this.authorizer = authorizer;
        this.caller = caller;
    }

    @PUT
    @Path("{image}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> put(@PathParam("subscriptionId") String sub, @PathParam("rg") String rg,
                             @PathParam("gallery") String gallery, @PathParam("image") String name,
                             Bodies.ImageBody body) {
        Validation.subscriptionId(sub);
        String id = ResourceIds.definition(sub, rg, gallery, name);
        return authorizer.require(caller.get(), id, WRITE)
                .flatMap(v -> ConcurrentChange.retried(() ->
                        definitions.putImage(sub, rg, gallery, name, Requests.image(body))))
                .map(u -> Response.status(u.created() ? 201 : 200).entity(Mapper.image(id, u.value())).build());
    }

    @PATCH
    @Path("{image}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Bodies.ImageBody> patch(@PathParam("subscriptionId") String sub, @PathParam("rg") String rg,
                                       @PathParam("gallery") String gallery, @PathParam("image") String name,
                                       Bodies.ImageBody body) {
        Validation.subscriptionId(sub);
        String id = ResourceIds.definition(sub, rg, gallery, name);
        return authorizer.require(caller.get(), id, WRITE)
                .flatMap(v -> ConcurrentChange.retried(() ->
                        definitions.patchImage(sub, rg, gallery, name, Requests.image(body))))
                .map(d -> Mapper.image(ResourceIds.definition(sub, rg, gallery, d.name), d));
    }

    @GET
    @Path("{image}")
    public Uni<Bodies.ImageBody> get(@PathParam("subscriptionId") String sub, @PathParam("rg") String rg,
                                     @PathParam("gallery") String gallery, @PathParam("image") String name) {
        Validation.subscriptionId(sub);
        String id = ResourceIds.definition(sub, rg, gallery, name);
        return authorizer.require(caller.get(), id, READ)
                .flatMap(v -> definitions.image(sub, rg, gallery, name))
                .map(d -> Mapper.image(ResourceIds.definition(sub, rg, gallery, d.name), d));
    }

    @DELETE
    @Path("{image}")
    public Uni<Response> delete(@PathParam("subscriptionId") String sub, @PathParam("rg") String rg,
                                @PathParam("gallery") String gallery, @PathParam("image") String name) {
        Validation.subscriptionId(sub);
        return authorizer.require(caller.get(), ResourceIds.definition(sub, rg, gallery, name), DELETE)
                .flatMap(v -> ConcurrentChange.retried(() -> definitions.deleteImage(sub, rg, gallery, name)))
                .map(deleted -> Response.status(deleted ? 200 : 204).build());
    }

    @GET
    public Uni<ArmList<Bodies.ImageBody>> list(@PathParam("subscriptionId") String sub,
                                               @PathParam("rg") String rg,
                                               @PathParam("gallery") String gallery,
                                               @QueryParam("$top") String top,
                                               @QueryParam("$skiptoken") String skip,
                                               @Context UriInfo uri) {
        Validation.subscriptionId(sub);
        Paging paging = Paging.of(uri, top, skip, Bodies.PAGES);
        return authorizer.require(caller.get(), ResourceIds.gallery(sub, rg, gallery), READ)
                .flatMap(v -> definitions.images(sub, rg, gallery, paging.offset(), paging.fetch()))
                .map(l -> paging.page(l.stream()
                        .map(d -> Mapper.image(ResourceIds.definition(sub, rg, gallery, d.name), d)).toList()));
    }
}

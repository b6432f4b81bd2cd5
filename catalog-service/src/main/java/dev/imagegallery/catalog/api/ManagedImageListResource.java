package dev.imagegallery.catalog.api;

import dev.imagegallery.catalog.domain.Validation;
import dev.imagegallery.catalog.service.ManagedImageService;
import dev.imagegallery.common.arm.ArmList;
import dev.imagegallery.common.arm.Paging;
import dev.imagegallery.common.security.Authorizer;
import dev.imagegallery.common.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;

/** Azure's Images - List: a subscription's managed images, paged as the resource group's list is. */
@Path("/subscriptions/{subscriptionId}/providers/Microsoft.Compute/images")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class ManagedImageListResource {
    private final ManagedImageService images;
    private final Authorizer authorizer;
    private final CurrentCaller caller;

    public ManagedImageListResource(ManagedImageService images, Authorizer authorizer, CurrentCaller caller) {
        this.images = images;
        this.authorizer = authorizer;
        this.caller = caller;
    }

    @GET
    public Uni<ArmList<Bodies.ManagedImageBody>> list(@PathParam("subscriptionId") String sub,
                                                      @QueryParam("$top") String top,
                                                      @QueryParam("$skiptoken") String skip,
                                                      @Context UriInfo uri) {
        Validation.subscriptionId(sub);
        Paging paging = Paging.of(uri, top, skip, Bodies.PAGES);
        return authorizer.require(caller.get(), "/subscriptions/" + sub, ManagedImageResource.READ)
                .flatMap(v -> images.managedImages(sub, null, paging.offset(), paging.fetch()))
                .map(l -> paging.page(l.stream().map(Mapper::managedImage).toList()));
    }
}

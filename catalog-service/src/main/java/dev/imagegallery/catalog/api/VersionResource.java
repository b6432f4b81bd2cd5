package dev.imagegallery.catalog.api;

import dev.imagegallery.catalog.domain.ResourceIds;
import dev.imagegallery.catalog.domain.Validation;
import dev.imagegallery.catalog.service.VersionDeletion;
import dev.imagegallery.catalog.service.VersionQueries;
import dev.imagegallery.catalog.service.VersionService;
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

/** Microsoft.Compute/galleries/images/versions: publishing image versions and their replication status. */
@Path("/subscriptions/{subscriptionId}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{gallery}/images/"
        + "{image}/versions")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class VersionResource {
    static final String READ = "Microsoft.Compute/galleries/images/versions/read";
    static final String WRITE = "Microsoft.Compute/galleries/images/versions/write";
    static final String DELETE = "Microsoft.Compute/galleries/images/versions/delete";

    private final VersionService versions;
    private final VersionQueries queries;
    private final VersionDeletion deletion;
    private final Authorizer authorizer;
    private final CurrentCaller caller;

    public VersionResource(VersionService versions, VersionQueries queries, VersionDeletion deletion,
                           Authorizer authorizer, CurrentCaller caller) {
        this.versions = versions;
        this.queries = queries;
        this.deletion = deletion;
        this.authorizer = authorizer;
        this.caller = caller;
    }

    @PUT
    @Path("{version}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> put(@PathParam("subscriptionId") String sub, @PathParam("rg") String rg,
                             @PathParam("gallery") String gallery, @PathParam("image") String image,
                             @PathParam("version") String name, Bodies.VersionBody body) {
        Validation.subscriptionId(sub);
        var who = caller.get();
        return authorizer.require(who, ResourceIds.version(sub, rg, gallery, image, name), WRITE)
                .flatMap(v -> versions.putVersion(who.tenantId(), sub, rg, gallery, image, name,
                        Requests.version(body)))
                .map(u -> Response.status(u.created() ? 201 : 200)
                        .entity(Mapper.version(u.value().id(), u.value().version(), u.value().regions(), false))
                        .build());
    }

    @PATCH
    @Path("{version}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Bodies.VersionBody> patch(@PathParam("subscriptionId") String sub, @PathParam("rg") String rg,
                                         @PathParam("gallery") String gallery, @PathParam("image") String image,
                                         @PathParam("version") String name, Bodies.VersionBody body) {
        Validation.subscriptionId(sub);
        var who = caller.get();
        return authorizer.require(who, ResourceIds.version(sub, rg, gallery, image, name), WRITE)
                .flatMap(v -> versions.patchVersion(who.tenantId(), sub, rg, gallery, image, name,
                        Requests.version(body)))
                .map(view -> Mapper.version(view.id(), view.version(), view.regions(), true));
    }

    @GET
    @Path("{version}")
    public Uni<Bodies.VersionBody> get(@PathParam("subscriptionId") String sub, @PathParam("rg") String rg,
                                       @PathParam("gallery") String gallery, @PathParam("image") String image,
                                       @PathParam("version") String name, @QueryParam("$expand") String expand) {
        Validation.subscriptionId(sub);
        boolean withStatus = "ReplicationStatus".equalsIgnoreCase(expand);
        return authorizer.require(caller.get(), ResourceIds.version(sub, rg, gallery, image, name), READ)
                .flatMap(v -> queries.version(sub, rg, gallery, image, name))
                .map(view -> Mapper.version(view.id(), view.version(), view.regions(), withStatus));
    }

    @DELETE
    @Path("{version}")
    public Uni<Response> delete(@PathParam("subscriptionId") String sub, @PathParam("rg") String rg,
                                @PathParam("gallery") String gallery, @PathParam("image") String image,
                                @PathParam("version") String name) {
        Validation.subscriptionId(sub);
        return authorizer.require(caller.get(), ResourceIds.version(sub, rg, gallery, image, name), DELETE)
                .flatMap(v -> deletion.deleteVersion(sub, rg, gallery, image, name))
                .map(deleted -> Response.status(deleted ? 200 : 204).build());
    }

    @GET
    public Uni<ArmList<Bodies.VersionBody>> list(@PathParam("subscriptionId") String sub,
                                                 @PathParam("rg") String rg,
                                                 @PathParam("gallery") String gallery,
                                                 @PathParam("image") String image,
                                                 @QueryParam("$expand") String expand,
                                                 @QueryParam("$top") String top,
                                                 @QueryParam("$skiptoken") String skip,
                                                 @Context UriInfo uri) {
        Validation.subscriptionId(sub);
        Paging paging = Paging.of(uri, top, skip, Bodies.PAGES);
        boolean withStatus = "ReplicationStatus".equalsIgnoreCase(expand);
        return authorizer.require(caller.get(), ResourceIds.definition(sub, rg, gallery, image), READ)
                .flatMap(v -> queries.versions(sub, rg, gallery, image, paging.after(), paging.offset(),
                        paging.fetch()))
                .map(l -> paging.pageByKey(l.stream()
                        .map(view -> Mapper.version(view.id(), view.version(), view.regions(), withStatus)).toList(),
                        Bodies.VersionBody::name));
    }
}

package dev.imagegallery.catalog.api;

import dev.imagegallery.common.arm.ConcurrentChange;
import dev.imagegallery.catalog.domain.LongRunning;
import dev.imagegallery.catalog.domain.ResourceIds;
import dev.imagegallery.catalog.persistence.Operation;
import dev.imagegallery.catalog.service.Operations;
import dev.imagegallery.catalog.service.VersionView;
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
    private final Operations operations;
    private final Authorizer authorizer;
    private final CurrentCaller caller;

    public VersionResource(VersionService versions, VersionQueries queries, VersionDeletion deletion,
                           Operations operations, Authorizer authorizer, CurrentCaller caller) {
        this.versions = versions;
        this.operations = operations;
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
                             @PathParam("version") String name, @QueryParam("api-version") String apiVersion,
                             @Context UriInfo uri, Bodies.VersionBody body) {
        Validation.subscriptionId(sub);
        var who = caller.get();
        return authorizer.require(who, ResourceIds.version(sub, rg, gallery, image, name), WRITE)
                .flatMap(v -> ConcurrentChange.retried(() ->
                        versions.putVersion(who.tenantId(), sub, rg, gallery, image, name, Requests.version(body))))
                .flatMap(u -> running(Response.status(u.created() ? 201 : 200), u.value(),
                        u.created() ? Operation.CREATE : Operation.UPDATE, false, uri, apiVersion));
    }

    @PATCH
    @Path("{version}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> patch(@PathParam("subscriptionId") String sub, @PathParam("rg") String rg,
                               @PathParam("gallery") String gallery, @PathParam("image") String image,
                               @PathParam("version") String name, @QueryParam("api-version") String apiVersion,
                               @Context UriInfo uri, Bodies.VersionBody body) {
        Validation.subscriptionId(sub);
        var who = caller.get();
        return authorizer.require(who, ResourceIds.version(sub, rg, gallery, image, name), WRITE)
                .flatMap(v -> ConcurrentChange.retried(() ->
                        versions.patchVersion(who.tenantId(), sub, rg, gallery, image, name, Requests.version(body))))
                .flatMap(view -> running(Response.ok(), view, Operation.UPDATE, true, uri, apiVersion));
    }

    /**
     * The answer to a write: the version as it is now, and while its replication runs (Creating, Updating) the
     * operation that follows it, as ARM answers a long-running PUT or PATCH ({@code Azure-AsyncOperation},
     * {@code Retry-After}).
     */
    private Uni<Response> running(Response.ResponseBuilder answer, VersionView view, String kind,
                                  boolean withStatus, UriInfo uri, String apiVersion) {
        answer.entity(Mapper.version(view.id(), view.version(), view.regions(), withStatus));
        if (!LongRunning.running(view.version().provisioningState)) {
            return Uni.createFrom().item(answer.build());
        }
        return operations.startWrite(kind, view.id()).map(op -> answer
                .header("Azure-AsyncOperation", OperationResource.url(uri, op, "operations", apiVersion))
                .header("Retry-After", LongRunning.RETRY_AFTER_SECONDS).build());
    }

    @GET
    @Path("{version}")
    public Uni<Bodies.VersionBody> get(@PathParam("subscriptionId") String sub, @PathParam("rg") String rg,
                                       @PathParam("gallery") String gallery, @PathParam("image") String image,
                                       @PathParam("version") String name, @QueryParam("$expand") String expand) {
        Validation.subscriptionId(sub);
        VersionExpand with = VersionExpand.of(expand);
        return authorizer.require(caller.get(), ResourceIds.version(sub, rg, gallery, image, name), READ)
                .flatMap(v -> queries.version(sub, rg, gallery, image, name))
                .map(view -> Mapper.version(view.id(), view.version(), view.regions(), with));
    }

    /**
     * 200 for a soft delete, 204 when there was nothing; a version whose replicas replication-service removes after is
     * 202 with the operation that follows it ({@code Location}, {@code Azure-AsyncOperation}, {@code Retry-After}).
     */
    @DELETE
    @Path("{version}")
    public Uni<Response> delete(@PathParam("subscriptionId") String sub, @PathParam("rg") String rg,
                                @PathParam("gallery") String gallery, @PathParam("image") String image,
                                @PathParam("version") String name, @QueryParam("api-version") String apiVersion,
                                @Context UriInfo uri) {
        Validation.subscriptionId(sub);
        return authorizer.require(caller.get(), ResourceIds.version(sub, rg, gallery, image, name), DELETE)
                .flatMap(v -> ConcurrentChange.retried(() -> deletion.deleteVersion(sub, rg, gallery, image, name)))
                .map(d -> d.operation() != null ? Response.accepted()
                        .location(OperationResource.url(uri, d.operation(), "operationResults", apiVersion))
                        .header("Azure-AsyncOperation", OperationResource.url(uri, d.operation(), "operations",
                                apiVersion))
                        .header("Retry-After", LongRunning.RETRY_AFTER_SECONDS).build()
                        : Response.status(d.deleted() ? 200 : 204).build());
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
        VersionExpand with = VersionExpand.of(expand);
        return authorizer.require(caller.get(), ResourceIds.definition(sub, rg, gallery, image), READ)
                .flatMap(v -> queries.versions(sub, rg, gallery, image, paging.after(), paging.offset(),
                        paging.fetch()))
                .map(l -> paging.pageByKey(l.stream()
                        .map(view -> Mapper.version(view.id(), view.version(), view.regions(), with)).toList(),
                        Bodies.VersionBody::name));
    }
}

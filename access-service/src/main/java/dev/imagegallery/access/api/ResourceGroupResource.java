package dev.imagegallery.access.api;

import dev.imagegallery.access.service.ResourceGroups;
import dev.imagegallery.common.arm.ArmList;
import dev.imagegallery.common.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.Map;

/**
 * {@code /subscriptions/{id}/resourceGroups[/{name}]}: ARM's resource groups (Microsoft.Resources api-versions), which
 * Azure's SDKs and quickstarts make before anything else ({@link ResourceGroups}).
 */
@Path("/")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class ResourceGroupResource {
    static final String GROUP = "subscriptions/{sub}/resourceGroups/{rg}";

    /** A group as ARM answers it. */
    public record Body(String id, String name, String type, String location, Map<String, String> tags,
                       Properties properties) {
        static Body of(ResourceGroups.Group g) {
            return new Body(g.id(), g.name(), "Microsoft.Resources/resourceGroups", g.location(), g.tags(),
                    new Properties("Succeeded"));
        }
    }

    public record Properties(String provisioningState) {
    }

    /** What a PUT or PATCH takes: {@code location} (PUT), {@code tags}; the rest is ARM's to say. */
    public record Request(String location, Map<String, String> tags) {
    }

    private final ResourceGroups groups;
    private final CurrentCaller caller;

    public ResourceGroupResource(ResourceGroups groups, CurrentCaller caller) {
        this.groups = groups;
        this.caller = caller;
    }

    @PUT
    @Path(GROUP)
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> put(@PathParam("sub") String sub, @PathParam("rg") String rg, Request body) {
        return groups.put(caller.get(), sub, rg, body == null ? null : body.location(),
                        body == null ? null : body.tags())
                .map(u -> Response.status(u.created() ? 201 : 200).entity(Body.of(u.value())).build());
    }

    @PATCH
    @Path(GROUP)
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Body> patch(@PathParam("sub") String sub, @PathParam("rg") String rg, Request body) {
        return groups.patchTags(caller.get(), sub, rg, body == null ? null : body.tags()).map(Body::of);
    }

    @GET
    @Path(GROUP)
    public Uni<Body> get(@PathParam("sub") String sub, @PathParam("rg") String rg) {
        return groups.get(caller.get(), sub, rg).map(Body::of);
    }

    /** ARM's check for existence: 204, or 404 without a body. */
    @HEAD
    @Path(GROUP)
    public Uni<Response> exists(@PathParam("sub") String sub, @PathParam("rg") String rg) {
        return groups.get(caller.get(), sub, rg).map(g -> Response.noContent().build())
                .onFailure(e -> e instanceof dev.imagegallery.common.arm.ArmException a && a.status() == 404)
                .recoverWithItem(e -> Response.status(404).build());
    }

    @DELETE
    @Path(GROUP)
    public Uni<Response> delete(@PathParam("sub") String sub, @PathParam("rg") String rg) {
        return groups.delete(caller.get(), sub, rg).map(gone -> Response.ok().build());
    }

    /** Up to 1,000 groups a page, as ARM's. */
    static final dev.imagegallery.common.arm.Paging.Limits PAGES = new dev.imagegallery.common.arm.Paging.Limits(1000,
            1000);

    /**
     * ARM's list: {@code $filter} by tag ({@code tagName eq 'env'}, {@code and tagValue eq 'prod'}) and {@code $top}
     * with its {@code nextLink}. Both were ignored, and {@code az group list --tag env=prod} got every group (which an
     * automation deleting "the groups tagged X" would act on).
     */
    @GET
    @Path("subscriptions/{sub}/resourceGroups")
    public Uni<ArmList<Body>> list(@PathParam("sub") String sub, @QueryParam("$filter") String filter,
                                   @QueryParam("$top") String top,
                                   @QueryParam(dev.imagegallery.common.arm.Paging.SKIP_TOKEN) String skipToken,
                                   @Context UriInfo uri) {
        // who is asking (the list's own check) before what is asked
        return groups.list(caller.get(), sub).map(l -> {
            java.util.function.Predicate<ResourceGroups.Group> wanted = ResourceGroups.tagFilter(filter);
            var paging = dev.imagegallery.common.arm.Paging.of(uri, top, skipToken, PAGES);
            return paging.sliceByKey(l.stream().filter(wanted).toList(),
                    g -> g.name().toLowerCase(java.util.Locale.ROOT),
                    key -> g -> g.name().toLowerCase(java.util.Locale.ROOT).compareTo(key) <= 0).map(Body::of);
        });
    }
}

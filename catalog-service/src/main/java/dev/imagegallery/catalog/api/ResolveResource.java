package dev.imagegallery.catalog.api;

import dev.imagegallery.catalog.domain.Validation;
import dev.imagegallery.catalog.service.ResolutionService;
import dev.imagegallery.common.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code POST .../locations/{location}/resolveImageReference}: what a VM-creation flow would call. */
@Path("/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class ResolveResource {
    private final ResolutionService resolution;
    private final CurrentCaller caller;

    public ResolveResource(ResolutionService resolution, CurrentCaller caller) {
        this.resolution = resolution;
        this.caller = caller;
    }

    @POST
    @Path("resolveImageReference")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Bodies.ResolveResult> resolve(@PathParam("subscriptionId") String sub,
                                             @PathParam("location") String location, Bodies.ResolveRequest body) {
        Validation.subscriptionId(sub);
        var who = caller.get();
        return resolution.resolve(who, sub, location, body);
    }
}

package dev.imagegallery.catalog.api;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/**
 * A DELETE's {@code Location}: 202 with {@code Retry-After} while its operation runs, 204 once it succeeded, the error
 * (409) if it failed; found and authorized as {@link OperationResource} finds its status.
 */
@Path("/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}/operationResults/"
        + "{operationId}")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class OperationResultResource {
    private final OperationResource operations;

    public OperationResultResource(OperationResource operations) {
        this.operations = operations;
    }

    @GET
    public Uni<Response> get(@PathParam("subscriptionId") String sub, @PathParam("location") String location,
                             @PathParam("operationId") String id, @QueryParam("api-version") String apiVersion,
                             @Context UriInfo uri) {
        return operations.find(sub, location, id).map(op -> OperationResource.result(op, uri, apiVersion));
    }
}

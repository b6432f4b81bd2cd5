package dev.imagegallery.catalog.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.imagegallery.catalog.domain.LongRunning;
import dev.imagegallery.catalog.domain.Validation;
import dev.imagegallery.catalog.persistence.Operation;
import dev.imagegallery.catalog.service.Operations;
import dev.imagegallery.common.arm.ArmError;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.security.Authorizer;
import dev.imagegallery.common.security.Caller;
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
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A version write's long-running operation, as ARM shows one: {@code .../operations/{id}} (the Azure-AsyncOperation
 * status resource) and {@code .../operationResults/{id}} (the Location of a DELETE: 202 while it runs, 204 once done).
 * Authorized as the version it belongs to: another tenant, or a caller with no role in the subscription, gets the
 * 404 it would get for the version; a caller with a role in the subscription who may not read the version, and an
 * unknown id, get 404 {@code OperationNotFound} (not a 403 naming the version).
 */
@Path("/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}/operations/{operationId}")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class OperationResource {
    private final Operations operations;
    private final Authorizer authorizer;
    private final CurrentCaller caller;

    public OperationResource(Operations operations, Authorizer authorizer, CurrentCaller caller) {
        this.operations = operations;
        this.authorizer = authorizer;
        this.caller = caller;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OperationBody(String id, String name, String status, Instant startTime, Instant endTime,
                                ArmError.Detail error) {
    }

    @GET
    public Uni<Response> get(@PathParam("subscriptionId") String sub, @PathParam("location") String location,
                             @PathParam("operationId") String id, @QueryParam("api-version") String apiVersion,
                             @Context UriInfo uri) {
        return find(sub, location, id).map(op -> status(op, uri, apiVersion));
    }

    /** The operation, once the caller may read the version it belongs to (else the 404 it would get there). */
    Uni<Operation> find(String sub, String location, String id) {
        Validation.subscriptionId(sub);
        Caller who = caller.get();
        return authorizer.requireSubscription(who, sub)
                .flatMap(x -> operations.find(sub, location, id))
                .flatMap(op -> op == null ? notFound(who, sub, id)
                        : authorizer.require(who, op.resourceId, VersionResource.READ).replaceWith(op)
                        // a caller who may not read the version learns nothing of it from its operation's id: the
                        // 403 named the version (its resource group, gallery, definition and name)
                        .onFailure(e -> e instanceof ArmException a && a.status() == 403)
                        .transform(e -> ArmException.notFound("OperationNotFound", "The operation '"
                                + abbreviated(id) + "' could not be found.", "operationId")));
    }

    private Uni<Operation> notFound(Caller who, String sub, String id) {
        return authorizer.grantsOf(who).map(grants -> {
            if (!Authorizer.holdsAnyRoleIn(grants, sub)) {
                throw ArmException.notFound("SubscriptionNotFound", "The subscription '" + sub
                        + "' could not be found.", sub);
            }
            throw ArmException.notFound("OperationNotFound", "The operation '" + abbreviated(id)
                    + "' could not be found.", "operationId");
        });
    }

    private static Response status(Operation op, UriInfo uri, String apiVersion) {
        boolean running = LongRunning.IN_PROGRESS.equals(op.status);
        Response.ResponseBuilder r = Response.ok(new OperationBody(
                url(uri, op, "operations", apiVersion).getRawPath(), op.id, op.status, op.startTime, op.endTime,
                op.errorCode == null ? null : new ArmError.Detail(op.errorCode, op.errorMessage, op.resourceId)));
        return running ? r.header("Retry-After", LongRunning.RETRY_AFTER_SECONDS).build() : r.build();
    }

    static Response result(Operation op, UriInfo uri, String apiVersion) {
        if (LongRunning.IN_PROGRESS.equals(op.status)) {
            return Response.accepted().location(url(uri, op, "operationResults", apiVersion))
                    .header("Retry-After", LongRunning.RETRY_AFTER_SECONDS).build();
        }
        if (op.errorCode != null) {
            return Response.status(409).type(MediaType.APPLICATION_JSON_TYPE)
                    .entity(ArmError.of(op.errorCode, op.errorMessage, op.resourceId)).build();
        }
        return Response.noContent().build();
    }

    /**
     * The absolute URL of an operation's {@code kind} resource on the host and scheme the client called (behind the
     * front door, the one its X-Forwarded-Host/-Proto name, as for {@code nextLink}), with the request's api-version.
     */
    public static URI url(UriInfo uri, Operation op, String kind, String apiVersion) {
        URI request = uri.getRequestUri();
        return URI.create(request.getScheme() + "://" + request.getRawAuthority() + "/subscriptions/"
                + op.subscriptionId + "/providers/Microsoft.Compute/locations/" + op.location + "/" + kind + "/"
                + op.id + "?api-version=" + URLEncoder.encode(apiVersion == null ? "" : apiVersion,
                StandardCharsets.UTF_8));
    }

    private static String abbreviated(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }
}

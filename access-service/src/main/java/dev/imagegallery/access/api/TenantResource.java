package dev.imagegallery.access.api;

import dev.imagegallery.access.persistence.Tenant;
import dev.imagegallery.access.service.TenantService;
import dev.imagegallery.common.arm.ArmList;
import dev.imagegallery.common.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** {@code /tenants} (register: platform administrators) and {@code PUT /subscriptions/{id}} (tenant administrators). */
@Path("/")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class TenantResource {
    public record TenantBody(String id, String tenantId, String displayName, String issuer) {
        static TenantBody of(Tenant t) {
            return new TenantBody("/tenants/" + t.id, t.id, t.displayName, t.issuer);
        }
    }

    public record SubscriptionRequest(String displayName) {
    }

    private final TenantService tenants;
    private final CurrentCaller caller;

    public TenantResource(TenantService tenants, CurrentCaller caller) {
        this.tenants = tenants;
        this.caller = caller;
    }

    @PUT
    @Path("tenants/{tenantId}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> register(@PathParam("tenantId") String tenantId, TenantService.Registration body) {
        return tenants.register(caller.get(), tenantId, body)
                .map(u -> Response.status(u.created() ? 201 : 200).entity(TenantBody.of(u.value())).build());
    }

    @GET
    @Path("tenants")
    public Uni<ArmList<TenantBody>> list() {
        return tenants.tenantsOf(caller.get()).map(l -> ArmList.of(l.stream().map(TenantBody::of).toList()));
    }

    @PUT
    @Path("subscriptions/{subscriptionId}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> createSubscription(@PathParam("subscriptionId") String id, SubscriptionRequest body) {
        // 201 when created; 200 when it exists already as asked (or its display name was updated)
        return tenants.createSubscription(caller.get(), id, body == null ? null : body.displayName())
                .map(u -> Response.status(u.created() ? 201 : 200).entity(SubscriptionBody.of(u.value())).build());
    }
}

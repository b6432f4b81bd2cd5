package dev.imagegallery.access.api;

import dev.imagegallery.access.service.AccessService;
import dev.imagegallery.common.arm.ArmList;
import dev.imagegallery.common.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code /subscriptions}: the caller's subscriptions (api-version 2022-12-01). */
@Path("/")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class SubscriptionResource {
    private final AccessService access;
    private final CurrentCaller caller;

    public SubscriptionResource(AccessService access, CurrentCaller caller) {
        this.access = access;
        this.caller = caller;
    }

    @GET
    @Path("subscriptions")
    public Uni<ArmList<SubscriptionBody>> list() {
        return access.subscriptionsOf(caller.get()).map(l -> ArmList.of(l.stream().map(SubscriptionBody::of).toList()));
    }

    @GET
    @Path("subscriptions/{subscriptionId}")
    public Uni<SubscriptionBody> get(@PathParam("subscriptionId") String id) {
        return access.subscription(caller.get(), id).map(SubscriptionBody::of);
    }

    /**
     * ARM's locations of a subscription: the deployment's regions ({@link LocationBody}), for whoever may see the
     * subscription. It was a 404, and {@code az account list-locations} or an SDK's {@code list_locations} failed.
     */
    @GET
    @Path("subscriptions/{subscriptionId}/locations")
    public Uni<ArmList<LocationBody>> locations(@PathParam("subscriptionId") String id) {
        return access.subscription(caller.get(), id).map(s -> ArmList.of(LocationBody.all(s.id)));
    }
}

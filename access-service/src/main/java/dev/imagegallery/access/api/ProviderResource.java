package dev.imagegallery.access.api;

import dev.imagegallery.access.service.ResourceProviders;
import dev.imagegallery.common.arm.ArmList;
import dev.imagegallery.common.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code /subscriptions/{id}/providers[/{namespace}[/register|/unregister]]} and {@code /providers[/{namespace}]}:
 * ARM's resource provider registry (Microsoft.Resources api-versions, {@link ResourceProviders}).
 */
@Path("/")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class ProviderResource {
    private final ResourceProviders providers;
    private final CurrentCaller caller;

    public ProviderResource(ResourceProviders providers, CurrentCaller caller) {
        this.providers = providers;
        this.caller = caller;
    }

    @GET
    @Path("subscriptions/{sub}/providers")
    public Uni<ArmList<ResourceProviders.Provider>> list(@PathParam("sub") String sub) {
        return providers.list(caller.get(), sub).map(ArmList::of);
    }

    @GET
    @Path("subscriptions/{sub}/providers/{ns}")
    public Uni<ResourceProviders.Provider> get(@PathParam("sub") String sub, @PathParam("ns") String ns) {
        return providers.get(caller.get(), sub, ns);
    }

    @POST
    @Path("subscriptions/{sub}/providers/{ns}/register")
    public Uni<ResourceProviders.Provider> register(@PathParam("sub") String sub, @PathParam("ns") String ns) {
        return providers.register(caller.get(), sub, ns);
    }

    @POST
    @Path("subscriptions/{sub}/providers/{ns}/unregister")
    public Uni<ResourceProviders.Provider> unregister(@PathParam("sub") String sub, @PathParam("ns") String ns) {
        return providers.unregister(caller.get(), sub, ns);
    }

    @GET
    @Path("providers")
    public ArmList<ResourceProviders.Provider> atTenant() {
        caller.get();
        return ArmList.of(providers.atTenant());
    }

    @GET
    @Path("providers/{ns}")
    public ResourceProviders.Provider atTenant(@PathParam("ns") String ns) {
        caller.get();
        return providers.atTenant(ns);
    }
}

package dev.imagegallery.access.service;

import dev.imagegallery.common.arm.ApiVersionFilter;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.security.Caller;
import dev.imagegallery.events.Regions;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * ARM's resource provider registry ({@code Microsoft.Resources/providers}): what
 * {@code az provider show|register}, Terraform's azurerm provider (which lists and registers the providers it needs
 * before anything else) and the SDKs' {@code providers} clients read. The providers are this system's: the namespaces
 * its services serve, their resource types, the api-versions each accepts (the same tables the services check
 * requests against, {@link ApiVersionFilter}) and the deployment's regions. Every one is registered in every
 * subscription ({@code registrationPolicy} {@code RegistrationFree}): a register is answered with the provider, an
 * unregister is 409, since the system serves them whatever a subscription asks.
 */
@ApplicationScoped
public class ResourceProviders {
    static final String READ = "Microsoft.Resources/subscriptions/providers/read";

    /** A resource type as ARM lists it: api-versions newest first. */
    public record ResourceType(String resourceType, List<String> locations, List<String> apiVersions,
                               String defaultApiVersion, String capabilities) {
    }

    /** A provider as ARM answers it; {@code id} and {@code registrationState} only at a subscription. */
    public record Provider(String id, String namespace, String registrationState, String registrationPolicy,
                           List<ResourceType> resourceTypes) {
    }

    private record Type(String name, Set<String> apiVersions, boolean located) {
    }

    private record Namespace(String name, List<Type> types) {
    }

    /** The namespaces and resource types the services serve (the door's routes, the root README's api table). */
    static final List<Namespace> NAMESPACES = List.of(
            new Namespace("Microsoft.Compute", List.of(
                    new Type("galleries", ApiVersionFilter.COMPUTE, true),
                    new Type("galleries/images", ApiVersionFilter.COMPUTE, true),
                    new Type("galleries/images/versions", ApiVersionFilter.COMPUTE, true),
                    new Type("images", ApiVersionFilter.COMPUTE_RP, true),
                    new Type("locations", ApiVersionFilter.COMPUTE, false),
                    new Type("locations/operations", ApiVersionFilter.COMPUTE_OPERATIONS, true),
                    new Type("locations/sharedGalleries", ApiVersionFilter.COMPUTE, true),
                    new Type("locations/communityGalleries", ApiVersionFilter.COMPUTE, true),
                    new Type("sharingInvitations", ApiVersionFilter.COMPUTE, false))),
            new Namespace("Microsoft.Authorization", List.of(
                    new Type("roleAssignments", ApiVersionFilter.AUTHORIZATION, false),
                    new Type("roleDefinitions", ApiVersionFilter.AUTHORIZATION, false),
                    new Type("auditLogs", ApiVersionFilter.AUTHORIZATION, false))),
            new Namespace("Microsoft.Consumption", List.of(
                    new Type("usageDetails", ApiVersionFilter.CONSUMPTION, false),
                    new Type("pricesheets", ApiVersionFilter.CONSUMPTION, false),
                    new Type("invoices", ApiVersionFilter.CONSUMPTION, false))),
            new Namespace("Microsoft.Gallery", List.of(
                    new Type("eventSubscribers", ApiVersionFilter.GALLERY, false),
                    new Type("eventSnapshot", ApiVersionFilter.GALLERY, false),
                    new Type("eventSchemas", ApiVersionFilter.GALLERY, false))),
            new Namespace("Microsoft.Resources", List.of(
                    new Type("resourceGroups", ApiVersionFilter.RESOURCES, true),
                    new Type("subscriptions", ApiVersionFilter.SUBSCRIPTIONS, false),
                    new Type("providers", ApiVersionFilter.RESOURCES, false))));

    private final AccessService access;

    public ResourceProviders(AccessService access) {
        this.access = access;
    }

    /** The providers of a subscription the caller may read in; 404 for one it cannot see. */
    @WithSession
    public Uni<List<Provider>> list(Caller caller, String subscriptionId) {
        String sub = ResourceGroups.subscription(subscriptionId);
        return access.requireAt(caller, "/subscriptions/" + sub, READ)
                .map(v -> NAMESPACES.stream().map(n -> provider(n, sub)).toList());
    }

    /** One provider of a subscription; 404 {@code InvalidResourceNamespace} for a namespace the system does not serve. */
    @WithSession
    public Uni<Provider> get(Caller caller, String subscriptionId, String namespace) {
        String sub = ResourceGroups.subscription(subscriptionId);
        Namespace n = namespace(namespace);
        return access.requireAt(caller, "/subscriptions/" + sub, READ).map(v -> provider(n, sub));
    }

    /** {@code register}: the provider, registered (it always is); needs {@code <namespace>/register/action}. */
    @WithSession
    public Uni<Provider> register(Caller caller, String subscriptionId, String namespace) {
        String sub = ResourceGroups.subscription(subscriptionId);
        Namespace n = namespace(namespace);
        return access.requireAt(caller, "/subscriptions/" + sub, n.name() + "/register/action")
                .map(v -> provider(n, sub));
    }

    /** {@code unregister}: 409, after the same checks as a register. */
    @WithSession
    public Uni<Provider> unregister(Caller caller, String subscriptionId, String namespace) {
        String sub = ResourceGroups.subscription(subscriptionId);
        Namespace n = namespace(namespace);
        return access.requireAt(caller, "/subscriptions/" + sub, n.name() + "/unregister/action")
                .map(v -> {
                    throw ArmException.conflict("ProviderUnregistrationNotSupported", "The resource provider '"
                            + n.name() + "' is part of this system and registered in every subscription; it cannot "
                            + "be unregistered.", "resourceProviderNamespace");
                });
    }

    /** The providers as the tenant sees them (no subscription: no id, no registration state). */
    public List<Provider> atTenant() {
        return NAMESPACES.stream().map(n -> provider(n, null)).toList();
    }

    public Provider atTenant(String namespace) {
        return provider(namespace(namespace), null);
    }

    static Namespace namespace(String asked) {
        String key = asked == null ? "" : asked.toLowerCase(Locale.ROOT);
        return NAMESPACES.stream().filter(n -> n.name().toLowerCase(Locale.ROOT).equals(key)).findFirst()
                .orElseThrow(() -> ArmException.notFound("InvalidResourceNamespace", "The resource namespace '"
                        + dev.imagegallery.access.domain.Inputs.shown(asked) + "' is invalid: this system serves "
                        + String.join(", ", NAMESPACES.stream().map(Namespace::name).toList()) + ".",
                        "resourceProviderNamespace"));
    }

    private static Provider provider(Namespace n, String sub) {
        List<String> regions = Regions.names().stream().sorted().toList();
        List<ResourceType> types = n.types().stream().map(t -> {
            List<String> versions = t.apiVersions().stream().sorted(Comparator.reverseOrder()).toList();
            return new ResourceType(t.name(), t.located() ? regions : List.of(), versions, versions.get(0),
                    "None");
        }).toList();
        return new Provider(sub == null ? null : "/subscriptions/" + sub + "/providers/" + n.name(), n.name(),
                sub == null ? null : "Registered", "RegistrationFree", types);
    }
}

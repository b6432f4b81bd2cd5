package dev.imagegallery.access.api;

import dev.imagegallery.access.domain.Inputs;
import dev.imagegallery.access.domain.RoleDefinitionFilter;
import dev.imagegallery.access.domain.ScopePath;
import dev.imagegallery.access.service.AccessService;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.arm.ArmList;
import dev.imagegallery.common.security.BuiltInRoles;
import dev.imagegallery.common.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.Locale;
import java.util.regex.Pattern;

/** {@code {scope}/providers/Microsoft.Authorization/roleAssignments} and {@code .../roleDefinitions} (2022-04-01). */
@Path("/")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class RoleAssignmentResource {
    private static final Pattern PRINCIPAL_FILTER = Pattern.compile("(?i)^\\s*principalId\\s+eq\\s+'([^']+)'\\s*$");

    private final AccessService access;
    private final CurrentCaller caller;

    public RoleAssignmentResource(AccessService access, CurrentCaller caller) {
        this.access = access;
        this.caller = caller;
    }

    @PUT
    @Path("{scope: .+}/providers/Microsoft.Authorization/roleAssignments/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> put(@PathParam("scope") String scope, @PathParam("name") String name,
                             RoleAssignmentBody.Request body) {
        if (body == null || body.properties() == null) {
            throw ArmException.invalid("InvalidRequestContent", "The request body must carry 'properties'.",
                    "properties");
        }
        var p = body.properties();
        unsupported(p.condition(), "properties.condition");
        unsupported(p.conditionVersion(), "properties.conditionVersion");
        unsupported(p.delegatedManagedIdentityResourceId(), "properties.delegatedManagedIdentityResourceId");
        // 201 when this PUT created the assignment, 200 when it found it exactly so (ARM: nothing changed)
        return access.putAssignment(caller.get(), "/" + scope, name, p.roleDefinitionId(), p.principalId(),
                        p.principalType(), p.description())
                .map(u -> Response.status(u.created() ? 201 : 200).entity(RoleAssignmentBody.of(u.value())).build());
    }

    /** A property of Azure's that this system does not implement: refused by name, never accepted and dropped. */
    private static void unsupported(String value, String target) {
        if (value != null) {
            throw ArmException.invalid("InvalidParameter", "'" + target + "' is not supported here: role "
                    + "assignments hold without conditions (ABAC) or delegated identities. Leave it out (or null).",
                    target);
        }
    }

    @GET
    @Path("{scope: .+}/providers/Microsoft.Authorization/roleAssignments/{name}")
    public Uni<RoleAssignmentBody> get(@PathParam("scope") String scope, @PathParam("name") String name) {
        return access.getAssignment(caller.get(), "/" + scope, name).map(RoleAssignmentBody::of);
    }

    @DELETE
    @Path("{scope: .+}/providers/Microsoft.Authorization/roleAssignments/{name}")
    public Uni<Response> delete(@PathParam("scope") String scope, @PathParam("name") String name) {
        return access.deleteAssignment(caller.get(), "/" + scope, name)
                .map(a -> a == null ? Response.noContent().build()
                        : Response.ok(RoleAssignmentBody.of(a)).build());
    }

    @GET
    @Path("{scope: .+}/providers/Microsoft.Authorization/roleAssignments")
    public Uni<ArmList<RoleAssignmentBody>> list(@PathParam("scope") String scope,
                                                 @QueryParam("$filter") String filter) {
        boolean atScope = false;
        String principal = null;
        if (filter != null && !filter.isBlank()) {
            if (filter.length() > 300) {
                throw ArmException.invalid("UnsupportedQuery", "The $filter is longer than 300 characters.",
                        "$filter");
            }
            if (filter.trim().toLowerCase(Locale.ROOT).equals("atscope()")) {
                atScope = true;
            } else {
                var m = PRINCIPAL_FILTER.matcher(filter);
                if (!m.matches()) {
                    throw ArmException.invalid("UnsupportedQuery", "The $filter '" + filter
                            + "' is not supported; use atScope() or principalId eq '{id}'.", "$filter");
                }
                principal = Inputs.principalId(m.group(1), "$filter");
            }
        }
        return access.listAssignments(caller.get(), "/" + scope, atScope, principal)
                .map(l -> ArmList.of(l.stream().map(RoleAssignmentBody::of).toList()));
    }

    @GET
    @Path("{scope: .*}/providers/Microsoft.Authorization/roleDefinitions")
    public ArmList<RoleDefinitionBody> roleDefinitions(@PathParam("scope") String scope,
                                                       @QueryParam("$filter") String filter) {
        String s = definitionScope(scope);
        var selected = RoleDefinitionFilter.parse(filter);
        return ArmList.of(BuiltInRoles.ALL.stream().filter(selected).map(r -> RoleDefinitionBody.of(r, s)).toList());
    }

    /** The tenant root's list (Azure's {@code /providers/Microsoft.Authorization/roleDefinitions}): the same roles. */
    @GET
    @Path("providers/Microsoft.Authorization/roleDefinitions")
    public ArmList<RoleDefinitionBody> rootRoleDefinitions(@QueryParam("$filter") String filter) {
        return roleDefinitions("", filter);
    }

    @GET
    @Path("{scope: .*}/providers/Microsoft.Authorization/roleDefinitions/{id}")
    public RoleDefinitionBody roleDefinition(@PathParam("scope") String scope, @PathParam("id") String id) {
        String s = definitionScope(scope);
        return (Inputs.isGuid(id) ? BuiltInRoles.byId(id) : java.util.Optional.<BuiltInRoles.Role>empty())
                .map(r -> RoleDefinitionBody.of(r, s)).orElseThrow(() -> ArmException.notFound(
                        "RoleDefinitionDoesNotExist", "The role definition '" + Inputs.shown(id) + "' does not exist.",
                        null));
    }

    /**
     * Where a built-in role's id is: the tenant root ({@code ""}), or the subscription of a valid scope (the scope is
     * checked). As in ARM, a role listed at a resource group or a gallery has the subscription's id
     * ({@code /subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}}), which a role assignment
     * accepts: the Azure SDKs assign the id they listed ({@code withBuiltInRole}).
     */
    private static String definitionScope(String scope) {
        if (scope.isEmpty()) {
            return "";
        }
        return "/subscriptions/" + ScopePath.subscriptionOf("/" + scope);
    }
}

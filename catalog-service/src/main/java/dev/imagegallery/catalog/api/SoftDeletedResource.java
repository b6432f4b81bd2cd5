package dev.imagegallery.catalog.api;

import dev.imagegallery.common.arm.ConcurrentChange;
import dev.imagegallery.catalog.domain.ResourceIds;
import dev.imagegallery.catalog.domain.Validation;
import dev.imagegallery.catalog.service.VersionDeletion;
import dev.imagegallery.catalog.service.VersionQueries;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.arm.ArmList;
import dev.imagegallery.common.security.Authorizer;
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
 * Soft-deleted versions of a gallery that opted in to soft delete (Azure's
 * {@code softDeletedArtifactTypes/{artifactType}/artifacts/{image}/versions}, artifactType {@code Images} in any case,
 * as Azure's example sends {@code images}), listed as Azure's {@code GallerySoftDeletedResource}, and their
 * restoration.
 */
@Path("/subscriptions/{subscriptionId}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{gallery}/"
        + "softDeletedArtifactTypes/{artifactType}/artifacts/{image}/versions")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class SoftDeletedResource {
    private final VersionQueries queries;
    private final VersionDeletion deletion;
    private final Authorizer authorizer;
    private final CurrentCaller caller;

    public SoftDeletedResource(VersionQueries queries, VersionDeletion deletion, Authorizer authorizer,
                               CurrentCaller caller) {
        this.queries = queries;
        this.deletion = deletion;
        this.authorizer = authorizer;
        this.caller = caller;
    }

    /** Azure's only soft-deleted artifact type, {@code Images} (in any case); anything else is 400 naming it. */
    static void artifactType(String type) {
        if (!"Images".equalsIgnoreCase(type)) {
            throw ArmException.invalidParameter("artifactType", "The artifact type '" + type + "' is not supported; "
                    + "soft-deleted artifacts are of type Images.");
        }
    }

    @GET
    public Uni<ArmList<Bodies.SoftDeletedBody>> list(@PathParam("subscriptionId") String sub,
                                                     @PathParam("rg") String rg,
                                                     @PathParam("gallery") String gallery,
                                                     @PathParam("artifactType") String artifactType,
                                                     @PathParam("image") String image) {
        Validation.subscriptionId(sub);
        artifactType(artifactType);
        return authorizer.require(caller.get(), ResourceIds.definition(sub, rg, gallery, image), VersionResource.READ)
                .flatMap(v -> queries.softDeleted(sub, rg, gallery, image))
                .map(l -> ArmList.of(l.stream().map(view -> Mapper.softDeleted(view.id(), view.version())).toList()));
    }

    @POST
    @Path("{version}/restore")
    public Uni<Bodies.VersionBody> restore(@PathParam("subscriptionId") String sub, @PathParam("rg") String rg,
                                           @PathParam("gallery") String gallery,
                                           @PathParam("artifactType") String artifactType,
                                           @PathParam("image") String image, @PathParam("version") String name) {
        Validation.subscriptionId(sub);
        artifactType(artifactType);
        return authorizer.require(caller.get(), ResourceIds.version(sub, rg, gallery, image, name),
                        VersionResource.WRITE)
                .flatMap(v -> ConcurrentChange.retried(() -> deletion.restore(sub, rg, gallery, image, name)))
                .map(view -> Mapper.version(view.id(), view.version(), view.regions(), true));
    }
}

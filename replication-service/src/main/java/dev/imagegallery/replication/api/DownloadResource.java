package dev.imagegallery.replication.api;

import dev.imagegallery.common.security.Authorizer;
import dev.imagegallery.common.security.CurrentCaller;
import dev.imagegallery.replication.service.BlobService;
import dev.imagegallery.replication.service.ContentService;
import dev.imagegallery.replication.service.VersionContentService;
import io.quarkus.security.Authenticated;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Downloads a version's content in a region: {@code GET /download/{region}/subscriptions/{sub}/resourceGroups/{rg}/
 * providers/Microsoft.Compute/galleries/{gallery}/images/{image}/versions/{x.y.z}}, the URL catalog-service hands
 * out from image-reference resolution. Whole or one Range; needs {@code Microsoft.Compute/galleries/images/versions/read}
 * at the version, or a share of the gallery with the caller (accepted, or community).
 */
@Path("/download/{region}/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{gallery}"
        + "/images/{image}/versions/{version}")
@Authenticated
public class DownloadResource {
    static final String READ = "Microsoft.Compute/galleries/images/versions/read";

    private final VersionContentService versions;
    private final ContentService content;
    private final Authorizer authorizer;
    private final CurrentCaller caller;

    public DownloadResource(VersionContentService versions, ContentService content, Authorizer authorizer,
                            CurrentCaller caller) {
        this.versions = versions;
        this.content = content;
        this.authorizer = authorizer;
        this.caller = caller;
    }

    @GET
    @Blocking
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public Response download(@PathParam("region") String region, @PathParam("sub") String sub,
                             @PathParam("rg") String rg, @PathParam("gallery") String gallery,
                             @PathParam("image") String image, @PathParam("version") String version,
                             @HeaderParam("Range") String range,
                             @jakarta.ws.rs.core.Context io.vertx.core.http.HttpServerRequest request) {
        String r = BlobService.validRegion(region);
        String s = BlobService.validSubscription(sub);
        PathInput.require(PathInput.RESOURCE_GROUP, rg, "resourceGroupName", "resource group name");
        PathInput.require(PathInput.RESOURCE_NAME, gallery, "galleryName", "gallery name");
        PathInput.require(PathInput.RESOURCE_NAME, image, "galleryImageName", "image definition name");
        PathInput.require(PathInput.VERSION, version, "versionName", "version name (major.minor.patch)");
        String versionId = "/subscriptions/" + s + "/resourceGroups/" + rg
                + "/providers/Microsoft.Compute/galleries/" + gallery + "/images/" + image + "/versions/" + version;
        String galleryId = "/subscriptions/" + s + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/galleries/"
                + gallery;
        authorizer.requireOrShared(caller.get(), versionId, READ, galleryId).await().atMost(BlobResource.AUTHZ_WAIT);
        VersionContentService.Found found = versions.manifest(r, versionId);
        return BlobResource.respond(content, found.tenantId(), r, found.manifest(),
                BlobResource.rangeOf(request, range), BlobResource.Conditions.of(request), null).build();
    }
}

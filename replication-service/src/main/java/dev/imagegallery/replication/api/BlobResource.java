package dev.imagegallery.replication.api;

import dev.imagegallery.common.security.Authorizer;
import dev.imagegallery.common.security.CurrentCaller;
import dev.imagegallery.replication.domain.Blob;
import dev.imagegallery.replication.service.BlobService;
import io.quarkus.security.Authenticated;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.io.InputStream;
import java.time.Duration;

/** The data plane: upload a disk image into a region, read it back. */
@Path("/blobs/{region}/{subscriptionId}/{name}")
@Authenticated
public class BlobResource {
    static final String WRITE = "Microsoft.Compute/images/write";
    static final String READ = "Microsoft.Compute/images/read";
    static final Duration AUTHZ_WAIT = Duration.ofSeconds(10);

    /** The answer to an upload. */
    public record UploadResult(String blobUri, String digest, long sizeBytes, long usedBytes, String region,
                               String format) {
        static UploadResult of(Blob b, String uri) {
            return new UploadResult(uri, "sha256:" + b.digest, b.sizeBytes, b.usedBytes, b.region, b.format);
        }
    }

    private final BlobService blobs;
    private final Authorizer authorizer;
    private final CurrentCaller caller;

    public BlobResource(BlobService blobs, Authorizer authorizer, CurrentCaller caller) {
        this.blobs = blobs;
        this.authorizer = authorizer;
        this.caller = caller;
    }

    @PUT
    @Blocking
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response upload(@PathParam("region") String region, @PathParam("subscriptionId") String sub,
                           @PathParam("name") String name, @HeaderParam("X-Content-SHA256") String sha,
                           InputStream body) {
        String r = BlobService.validRegion(region);
        String s = BlobService.validSubscription(sub);
        BlobService.validName(name);
        String expected = BlobService.expectedDigest(sha);
        authorizer.require(caller.get(), "/subscriptions/" + s, WRITE).await().atMost(AUTHZ_WAIT);
        Blob b = blobs.upload(r, s, name, expected, body);
        return Response.status(201).entity(UploadResult.of(b, blobs.uriOf(b))).build();
    }

    @GET
    @Blocking
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public Response download(@PathParam("region") String region, @PathParam("subscriptionId") String sub,
                             @PathParam("name") String name) {
        String r = BlobService.validRegion(region);
        String s = BlobService.validSubscription(sub);
        authorizer.require(caller.get(), "/subscriptions/" + s, READ).await().atMost(AUTHZ_WAIT);
        Blob b = blobs.find(r, s, name);
        return Response.ok(blobs.contentPath(b).toFile(), MediaType.APPLICATION_OCTET_STREAM_TYPE)
                .header("X-Content-SHA256", "sha256:" + b.digest)
                .header("X-Image-Format", b.format)
                .build();
    }
}

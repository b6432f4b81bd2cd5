package dev.imagegallery.replication.api;

import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.http.Origins;
import dev.imagegallery.common.security.Authorizer;
import dev.imagegallery.common.security.CurrentCaller;
import dev.imagegallery.replication.config.StoreConfig;
import dev.imagegallery.replication.domain.Blob;
import dev.imagegallery.replication.service.BlobService;
import dev.imagegallery.replication.service.ContentService;
import dev.imagegallery.replication.store.Manifest;
import io.quarkus.security.Authenticated;
import io.smallrye.common.annotation.Blocking;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;

/**
 * The data plane: upload a disk image into a region (whole, or as blocks then a block list, as Azure's Put Block /
 * Put Block List), read it back (whole or one Range).
 */
@Path("/blobs/{region}/{subscriptionId}/{name}")
@Authenticated
public class BlobResource {
    static final String WRITE = "Microsoft.Compute/images/write";
    static final String READ = "Microsoft.Compute/images/read";
    static final String REMOVE = "Microsoft.Compute/images/delete";
    static final Duration AUTHZ_WAIT = Duration.ofSeconds(10);
    static final String DIGEST_HEADER = "X-Content-SHA256";

    /** The answer to an upload. */
    public record UploadResult(String blobUri, String digest, long sizeBytes, long usedBytes, String region,
                               String format) {
        static UploadResult of(Blob b, String uri) {
            return new UploadResult(uri, "sha256:" + b.digest, b.sizeBytes, b.usedBytes, b.region, b.format);
        }
    }

    /** The answer to a staged block. */
    public record BlockResult(String blockId, long sizeBytes) {
    }

    private final BlobService blobs;
    private final ContentService content;
    private final Authorizer authorizer;
    private final CurrentCaller caller;
    private final StoreConfig config;

    public BlobResource(BlobService blobs, ContentService content, Authorizer authorizer, CurrentCaller caller,
                        StoreConfig config) {
        this.config = config;
        this.blobs = blobs;
        this.content = content;
        this.authorizer = authorizer;
        this.caller = caller;
    }

    @PUT
    @Blocking
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response upload(@PathParam("region") String region, @PathParam("subscriptionId") String sub,
                           @PathParam("name") String name, @QueryParam("comp") String comp,
                           @QueryParam("blockid") String blockId, @HeaderParam("Content-Length") Long contentLength,
                           @Context HttpServerRequest request) {
        RequestBodyStream body = new RequestBodyStream(request, config.uploadIdleTimeout().toMillis());
        try {
            String r = BlobService.validRegion(region);
            String s = BlobService.validSubscription(sub);
            BlobService.validName(name);
            if (request.headers().contains(HttpHeaders.CONTENT_RANGE)) {
                // RFC 9110, 14.4: the body is likely part of the content sent as if it were the whole
                throw ArmException.invalid("UnsupportedHeader", "An upload takes the whole content in one request "
                        + "without Content-Range; send a large one in blocks (?comp=block, then ?comp=blocklist).",
                        "Content-Range");
            }
            String expected = BlobService.expectedDigest(request.headers().getAll(DIGEST_HEADER));
            authorizer.require(caller.get(), "/subscriptions/" + s, WRITE).await().atMost(AUTHZ_WAIT);
            String tenant = caller.get().tenantId(); // the subscription's: require() refuses any other tenant's
            long length = contentLength == null ? -1 : contentLength;
            String origin = Origins.forwarded(request); // the blob's URI names the host the client called
            if (comp != null && !comp.equals("block") && !comp.equals("blocklist")) {
                throw ArmException.invalid("InvalidQueryParameterValue", "comp must be 'block' or 'blocklist'.",
                        "comp");
            }
            if (comp == null && contentLength != null && contentLength > config.maxBlobSize()) {
                throw BlobService.tooLarge("blob", config.maxBlobSize());
            }
            if (comp == null) {
                BlobService.md5Of(request.getHeader("Content-MD5")); // a malformed one before the body is sent
            }
            if ("block".equals(comp)) {
                BlobService.blockKey(blockId); // a bad id is refused before the client is told to send
                BlobService.md5Of(request.getHeader("Content-MD5"));
                if (contentLength != null && contentLength > BlobService.MAX_BLOCK_BYTES) {
                    throw BlobService.tooLarge("block", BlobService.MAX_BLOCK_BYTES);
                }
            } else if ("blocklist".equals(comp)) {
                BlobService.md5Of(request.getHeader("Content-MD5"));
                if (contentLength != null && contentLength > BlockList.MAX_BYTES) {
                    throw ArmException.invalid("InvalidBlockList", "The block list is larger than "
                            + BlockList.MAX_BYTES + " bytes.", "BlockList");
                }
            }
            if (!"block".equals(comp)) {
                writeConditions(r, s, name, request); // before the body is asked for
            }
            body.accept(); // only now may a client waiting on Expect: 100-continue send the body
            if (comp == null) {
                Blob b = blobs.upload(tenant, r, s, name, expected, request.getHeader("Content-MD5"),
                        writeCondition(request), body, length);
                return Response.status(201).entity(UploadResult.of(b, blobs.uriOf(b, origin))).build();
            }
            if (comp.equals("block")) {
                long n = blobs.putBlock(r, s, name, blockId, body, length, expected,
                        request.getHeader("Content-MD5"));
                return Response.status(201).entity(new BlockResult(blockId, n)).build();
            }
            if (comp.equals("blocklist")) {
                Blob b = blobs.commitBlocks(tenant, r, s, name,
                        blockIds(body, BlobService.md5Of(request.getHeader("Content-MD5"))), expected,
                        writeCondition(request));
                return Response.status(201).entity(UploadResult.of(b, blobs.uriOf(b, origin))).build();
            }
            throw ArmException.invalid("InvalidQueryParameterValue", "comp must be 'block' or 'blocklist'.", "comp");
        } finally {
            body.discard(); // whatever was not read (a refused upload): dropped, and the connection closes after
        }
    }

    /**
     * Azure Delete Blob: 202, then the blob is gone (404 BlobNotFound) and its content freed unless a version uses it.
     * Its preconditions as Azure's: {@code If-Match}, {@code If-None-Match}, {@code If-Modified-Since} and
     * {@code If-Unmodified-Since}, any not met 412 {@code ConditionNotMet} and nothing deleted, checked under the blob's
     * lock (they were ignored: a DELETE "only if it is still what I read" deleted a newer upload).
     */
    @DELETE
    @Blocking
    @Produces(MediaType.APPLICATION_JSON)
    public Response delete(@PathParam("region") String region, @PathParam("subscriptionId") String sub,
                           @PathParam("name") String name, @QueryParam("comp") String comp,
                           @Context HttpServerRequest request) {
        noComp(comp); // DELETE ?comp=block deleted the whole blob
        String r = BlobService.validRegion(region);
        String s = BlobService.validSubscription(sub);
        BlobService.validName(name);
        authorizer.require(caller.get(), "/subscriptions/" + s, REMOVE).await().atMost(AUTHZ_WAIT);
        Conditions c = Conditions.of(request);
        blobs.delete(caller.get().tenantId(), r, s, name, current -> c.requireForDelete(etagOf(current.digest),
                current.createdAt));
        return Response.status(202).build();
    }

    /**
     * A write's preconditions, as Azure's Put Blob takes them: {@code If-None-Match: *} (create only) is 409
     * {@code BlobAlreadyExists} when the blob exists, {@code If-Match} 412 {@code ConditionNotMet} unless it names the
     * blob's entity tag. Both overwrote the blob regardless (a hostile probe). Checked when the upload starts (a
     * refused one is not sent) and again when it commits, under the blob's lock ({@link #writeCondition}): two
     * create-only uploads of one name at once both passed the first check, and the second overwrote the first.
     */
    void writeConditions(String region, String sub, String name, HttpServerRequest request) {
        String ifMatch = request.getHeader("If-Match");
        String ifNoneMatch = request.getHeader("If-None-Match");
        if (ifMatch == null && ifNoneMatch == null && request.getHeader("If-Modified-Since") == null
                && request.getHeader("If-Unmodified-Since") == null) {
            return;
        }
        Blob existing;
        try {
            existing = blobs.find(region, sub, name);
        } catch (ArmException e) {
            if (e.status() != 404) {
                throw e;
            }
            existing = null;
        }
        checkWrite(ifMatch, ifNoneMatch, existing == null ? null : etagOf(existing.digest));
        if (existing != null) {
            // the dates are checked as the upload starts; the entity tags again as it commits (writeCondition)
            Conditions c = Conditions.of(request);
            c.requireUnmodifiedSince(existing.createdAt);
            if (c.ifModifiedSince() != null && !modifiedSince(existing.createdAt, c.ifModifiedSince())) {
                throw conditionNotMet("If-Modified-Since");
            }
        }
    }

    /** The same preconditions, for the blob's content at the moment the upload commits (its digest, if it has one). */
    static java.util.function.Consumer<java.util.Optional<String>> writeCondition(HttpServerRequest request) {
        String ifMatch = request.getHeader("If-Match");
        String ifNoneMatch = request.getHeader("If-None-Match");
        if (ifMatch == null && ifNoneMatch == null) {
            return current -> {
            };
        }
        return current -> checkWrite(ifMatch, ifNoneMatch, current.map(BlobResource::etagOf).orElse(null));
    }

    /**
     * {@code If-None-Match: *} on a blob that exists is 409 {@code BlobAlreadyExists}; one naming the blob's current tag
     * is 412 {@code ConditionNotMet}, as on Azure (it was 409 too).
     */
    private static void checkWrite(String ifMatch, String ifNoneMatch, String etag) {
        if (ifNoneMatch != null && etag != null && names(ifNoneMatch, etag)) {
            if (ifNoneMatch.strip().equals("*")) {
                throw ArmException.conflict("BlobAlreadyExists", "The specified blob already exists.",
                        "If-None-Match");
            }
            throw conditionNotMet("If-None-Match");
        }
        if (ifMatch != null && (etag == null || !names(ifMatch, etag))) {
            throw conditionNotMet("If-Match");
        }
    }

    static ArmException conditionNotMet(String header) {
        return new ArmException(412, "ConditionNotMet", "The condition specified using HTTP conditional header(s) "
                + "is not met.", header);
    }

    /** Whether content last modified at {@code lastModified} changed after {@code since} (HTTP dates: whole seconds). */
    static boolean modifiedSince(java.time.Instant lastModified, java.time.Instant since) {
        return lastModified.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).isAfter(since);
    }

    /** A blob's GET and DELETE take no {@code comp}: Azure's other operations on a blob are not served here. */
    static void noComp(String comp) {
        if (comp != null) {
            throw ArmException.invalid("InvalidQueryParameterValue", "comp '" + comp + "' is not served on a blob's "
                    + "GET or DELETE: only Put Block (?comp=block) and Put Block List (?comp=blocklist) are.", "comp");
        }
    }

    /** The block ids of an Azure block list, in order; a body that is no strict block list is 400 (BlockList). */
    static List<String> blockIds(InputStream body, byte[] md5) {
        try {
            return BlockList.read(body, md5);
        } catch (IOException e) {
            throw BlobService.uploadIncomplete("The block list did not arrive whole: " + e.getMessage());
        }
    }

    @GET
    @Blocking
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public Response download(@PathParam("region") String region, @PathParam("subscriptionId") String sub,
                             @PathParam("name") String name, @HeaderParam("Range") String range,
                             @QueryParam("comp") String comp, @Context HttpServerRequest request) {
        noComp(comp); // GET ?comp=blocklist (Azure's Get Block List) answered the blob's bytes
        String r = BlobService.validRegion(region);
        String s = BlobService.validSubscription(sub);
        BlobService.validName(name);
        authorizer.require(caller.get(), "/subscriptions/" + s, READ).await().atMost(AUTHZ_WAIT);
        Blob b = blobs.find(r, s, name);
        Manifest m = blobs.manifestOf(b);
        Response.ResponseBuilder rb = respond(content, b.tenantId, r, m, rangeOf(request, range),
                Conditions.of(request), b.createdAt);
        return rb.header("X-Image-Format", b.format)
                .header("Last-Modified", java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                        b.createdAt.atOffset(java.time.ZoneOffset.UTC)))
                .build();
    }

    /**
     * A read's preconditions (RFC 9110, section 13) on the content's entity tag, its digest ({@code "<sha256 hex>"}):
     * {@code If-Match} that names none is 412, {@code If-None-Match} that names it is 304, and an {@code If-Range}
     * that is not it (or is a date) makes a Range read the whole content. All three were ignored and no tag was sent,
     * so a download resumed across an overwrite joined two contents (a hostile probe).
     */
    record Conditions(String ifMatch, String ifNoneMatch, String ifRange, java.time.Instant ifModifiedSince,
                      java.time.Instant ifUnmodifiedSince) {
        static Conditions of(HttpServerRequest request) {
            return new Conditions(request.getHeader("If-Match"), request.getHeader("If-None-Match"),
                    request.getHeader("If-Range"), httpDate(request.getHeader("If-Modified-Since")),
                    httpDate(request.getHeader("If-Unmodified-Since")));
        }

        /** {@code If-Unmodified-Since} (when there is no {@code If-Match}, RFC 9110 13.2.2): 412 if changed after it. */
        void requireUnmodifiedSince(java.time.Instant lastModified) {
            if (ifMatch == null && ifUnmodifiedSince != null && lastModified != null
                    && modifiedSince(lastModified, ifUnmodifiedSince)) {
                throw conditionNotMet("If-Unmodified-Since");
            }
        }

        /** A DELETE's: every condition not met is 412 (Azure's Delete Blob). */
        void requireForDelete(String etag, java.time.Instant lastModified) {
            if (ifMatch != null && !names(ifMatch, etag)) {
                throw conditionNotMet("If-Match");
            }
            if (ifNoneMatch != null && names(ifNoneMatch, etag)) {
                throw conditionNotMet("If-None-Match");
            }
            requireUnmodifiedSince(lastModified);
            if (ifNoneMatch == null && ifModifiedSince != null && !modifiedSince(lastModified, ifModifiedSince)) {
                throw conditionNotMet("If-Modified-Since");
            }
        }
    }

    /** An HTTP date (RFC 9110 5.6.7, the IMF-fixdate Azure's clients send), or null: one that is not is ignored. */
    static java.time.Instant httpDate(String value) {
        if (value == null) {
            return null;
        }
        try {
            return java.time.ZonedDateTime.parse(value.strip(), java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            return null; // RFC 9110 13.1.3, 13.1.4: a condition whose date is not valid is ignored
        }
    }

    /**
     * The range a read asks for: {@code x-ms-range} (what Azure's Blob SDKs send for ranged and chunked downloads) over
     * {@code Range}, as Azure reads them. It was ignored, and each chunk of an SDK's download got the whole content.
     */
    static String rangeOf(HttpServerRequest request, String range) {
        String msRange = request.getHeader("x-ms-range");
        return msRange != null ? msRange : range;
    }

    static String etagOf(String digestHex) {
        return "\"" + digestHex + "\"";
    }

    /** Whether a list of entity tags ({@code *}, or tags separated by commas, weak or not) names {@code etag}. */
    static boolean names(String list, String etag) {
        for (String t : list.split(",")) {
            String tag = t.strip();
            if (tag.equals("*") || tag.equals(etag) || tag.equals("W/" + etag)) {
                return true;
            }
        }
        return false;
    }

    /** 200 with the whole content or 206 with one range; either way Content-Length and the content's digest. */
    static Response.ResponseBuilder respond(ContentService content, String tenant, String region, Manifest m,
                                            String range, Conditions c, java.time.Instant lastModified) {
        String etag = etagOf(m.contentHex);
        if (c.ifMatch() != null && !names(c.ifMatch(), etag)) {
            throw new ArmException(412, "ConditionNotMet", "The condition specified using HTTP conditional header(s) "
                    + "is not met: the content's entity tag is " + etag + ".", "If-Match");
        }
        c.requireUnmodifiedSince(lastModified);
        if (c.ifNoneMatch() != null && names(c.ifNoneMatch(), etag)) {
            return Response.notModified().header("ETag", etag);
        }
        if (c.ifNoneMatch() == null && c.ifModifiedSince() != null && lastModified != null
                && !modifiedSince(lastModified, c.ifModifiedSince())) {
            return Response.notModified().header("ETag", etag);
        }
        if (range != null && c.ifRange() != null && !c.ifRange().strip().equals(etag)) {
            range = null; // the content changed since the part the client holds: it gets the whole
        }
        ContentService.Span span;
        try {
            span = ContentService.span(range, m.size);
        } catch (ArmException e) {
            if (e.status() != 416) {
                throw e;
            }
            // with the content's size (RFC 9110, 15.5.17), which Azure's Java SDK reads an empty blob from
            return Response.status(416).type(MediaType.APPLICATION_JSON_TYPE)
                    .entity(dev.imagegallery.common.arm.ArmExceptionMappers.describe(e).body())
                    .header("Content-Range", "bytes */" + m.size).header("ETag", etag);
        }
        Response.ResponseBuilder rb = Response.status(span.partial() ? 206 : 200)
                .entity(content.body(tenant, region, m, span))
                .type(MediaType.APPLICATION_OCTET_STREAM_TYPE)
                .header("Content-Length", span.length())
                .header("Accept-Ranges", "bytes")
                .header("ETag", etag)
                .header("X-Content-SHA256", "sha256:" + m.contentHex);
        if (span.partial()) {
            rb.header("Content-Range", span.contentRange());
        }
        return rb;
    }
}

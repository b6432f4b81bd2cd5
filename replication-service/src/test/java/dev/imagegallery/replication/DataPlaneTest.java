package dev.imagegallery.replication;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.BlobRef;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.content.Replicator;
import dev.imagegallery.replication.content.TenantStores;
import dev.imagegallery.replication.service.ReplicationService;
import dev.imagegallery.replication.service.Scrubber;
import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.fs.FsChunkStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.imagegallery.replication.ReplicationTest.image;
import static dev.imagegallery.replication.ReplicationTest.sha;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Block uploads, truncation, Range, version downloads, crash-and-resume, corruption and scrubbing, deletion. */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "replication"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class DataPlaneTest {
    static final String SUB = Realms.CONTOSO_SUBSCRIPTION;
    static final int CHUNK = 4096;
    private static boolean seeded;

    @Inject
    TenantStores tenants;
    @Inject
    Replicator replicator;
    @Inject
    Scrubber scrubber;
    @Inject
    MeterRegistry registry;

    @BeforeEach
    void grants() {
        synchronized (DataPlaneTest.class) {
            if (!seeded) {
                TestEvents.publishSeedGrants();
                await().atMost(Duration.ofSeconds(30)).until(() -> given().auth().oauth2(Tokens.alice())
                        .get("/blobs/westeurope/" + SUB + "/absent").then().extract().path("error.code")
                        .equals("BlobNotFound"));
                seeded = true;
            }
        }
    }

    static String blob(String name) {
        return "/blobs/westeurope/" + SUB + "/" + name;
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void blocksCommitInTheListedOrderAndAListNamingAnUnsentBlockCommitsNothing() throws Exception {
        String name = "blocks-" + UUID.randomUUID() + ".raw";
        byte[] a = image(300_000, 1);
        byte[] b = image(5_000, 2);
        given().auth().oauth2(Tokens.alice()).body(a).put(blob(name) + "?comp=block&blockid=" + b64("block-a"))
                .then().statusCode(201);
        given().auth().oauth2(Tokens.alice()).body(b).put(blob(name) + "?comp=block&blockid=" + b64("block-b"))
                .then().statusCode(201);
        given().auth().oauth2(Tokens.alice()).body("<?xml version=\"1.0\"?><BlockList><Latest>" + b64("block-b")
                        + "</Latest><Latest>" + b64("never-sent") + "</Latest></BlockList>")
                .put(blob(name) + "?comp=blocklist").then().statusCode(400).body("error.code", is("InvalidBlockList"));
        given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(404);
        byte[] whole = new byte[a.length + b.length];
        System.arraycopy(b, 0, whole, 0, b.length);
        System.arraycopy(a, 0, whole, b.length, a.length);
        given().auth().oauth2(Tokens.alice()).header("X-Content-SHA256", sha(whole))
                .body("<BlockList><Latest>" + b64("block-b") + "</Latest><Latest>" + b64("block-a")
                        + "</Latest></BlockList>")
                .put(blob(name) + "?comp=blocklist").then().statusCode(201)
                .body("digest", is("sha256:" + sha(whole))).body("sizeBytes", is(whole.length));
        assertArrayEquals(whole, given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(200)
                .extract().asByteArray());
        // committed blocks are gone: committing them again names blocks never sent
        given().auth().oauth2(Tokens.alice()).body("<BlockList><Latest>" + b64("block-a") + "</Latest></BlockList>")
                .put(blob(name) + "?comp=blocklist").then().statusCode(400).body("error.code", is("InvalidBlockList"));
    }

    /**
     * The body is read ahead in a bounded queue (paused at 16 MiB): a 40 MiB upload crosses it several times and
     * arrives whole; a client that waits for "100 Continue" (curl -T, the Azure SDKs) gets it; a refused upload is
     * answered at once without its body being read, and the connection closes rather than carry the rest.
     */
    @Test
    void largeUploadsStreamThroughAnd100ContinueIsAnsweredAndARefusedOneDoesNotWaitForItsBody() throws Exception {
        // java.net.http rather than rest-assured, which takes seconds to send 40 MiB
        HttpClient http = HttpClient.newHttpClient();
        byte[] big = image(40 << 20, 78);
        URI uri = URI.create("http://localhost:" + RestAssured.port + blob("big-" + UUID.randomUUID() + ".raw"));
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer "
                + Tokens.alice()).header("X-Content-SHA256", sha(big)).PUT(HttpRequest.BodyPublishers.ofByteArray(big))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, put.statusCode(), put.body());
        assertTrue(put.body().contains("\"sha256:" + sha(big) + "\""), put.body());
        HttpResponse<byte[]> get = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer "
                + Tokens.alice()).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertArrayEquals(big, get.body());

        byte[] small = image(100_000, 79);
        try (Socket s = new Socket("localhost", RestAssured.port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(head(blob("continued-" + UUID.randomUUID() + ".raw"), small.length, "Expect: 100-continue\r\n"));
            out.flush();
            InputStream in = s.getInputStream();
            assertTrue(readLine(in).startsWith("HTTP/1.1 100"), "100 Continue before the body is sent");
            readLine(in);
            out.write(small);
            out.flush();
            assertTrue(readLine(in).startsWith("HTTP/1.1 201"), "then the upload is stored");
        }

        // a refused upload (an unknown region; a caller without the right) is refused before the client is told to
        // send: 100 came first, and a refused body was sent whole (a hostile probe: 20 MB for a 403)
        for (String path : List.of("/blobs/atlantis/" + SUB + "/refused.raw", blob("carols.raw"))) {
            try (Socket s = new Socket("localhost", RestAssured.port)) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                String token = path.contains("carols") ? Tokens.carol() : Tokens.alice();
                out.write(("PUT " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                        + "\r\nContent-Length: " + big.length + "\r\nExpect: 100-continue\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String status = readLine(new java.io.BufferedInputStream(s.getInputStream()));
                assertTrue(status.startsWith("HTTP/1.1 4"), path + ": refused before any 100: " + status);
            }
        }

        try (Socket s = new Socket("localhost", RestAssured.port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(head("/blobs/atlantis/" + SUB + "/refused.raw", big.length, ""));
            out.write(big, 0, 1 << 20);
            out.flush();
            InputStream in = s.getInputStream();
            assertTrue(readLine(in).startsWith("HTTP/1.1 404"), "answered before the rest of the body was sent");
            List<String> headers = new java.util.ArrayList<>();
            for (String h; !(h = readLine(in)).isEmpty(); ) {
                headers.add(h.toLowerCase(java.util.Locale.ROOT));
            }
            assertTrue(headers.contains("connection: close"), "and the connection closes: " + headers);
        }
    }

    private static byte[] head(String path, long length, String extra) {
        return ("PUT " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + Tokens.alice()
                + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + length + "\r\n" + extra
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    /**
     * Reads and writes take RFC 9110's preconditions on the content's entity tag (its digest): all were ignored and no
     * tag was sent, so a download resumed across an overwrite joined two contents, and a create-only PUT overwrote
     * (a hostile probe).
     */
    @Test
    void preconditionsOnTheContentsEntityTagAreKept() throws Exception {
        String name = "tagged-" + UUID.randomUUID() + ".raw";
        byte[] first = image(64 * CHUNK, 5);
        given().auth().oauth2(Tokens.alice()).body(first).put(blob(name)).then().statusCode(201);
        String etag = "\"" + sha(first) + "\"";
        given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(200).header("ETag", etag)
                .header("Last-Modified", org.hamcrest.Matchers.notNullValue());
        given().auth().oauth2(Tokens.alice()).header("If-None-Match", etag).get(blob(name)).then().statusCode(304);
        given().auth().oauth2(Tokens.alice()).header("If-Match", "\"nope\"").get(blob(name)).then().statusCode(412)
                .body("error.code", is("ConditionNotMet"));
        given().auth().oauth2(Tokens.alice()).header("Range", "bytes=0-9").header("If-Range", etag).get(blob(name))
                .then().statusCode(206);
        given().auth().oauth2(Tokens.alice()).header("Range", "bytes=0-9").header("If-Range", "\"old\"")
                .get(blob(name)).then().statusCode(200).header("Content-Length", String.valueOf(first.length));
        byte[] second = image(64 * CHUNK, 6);
        given().auth().oauth2(Tokens.alice()).header("If-None-Match", "*").body(second).put(blob(name)).then()
                .statusCode(409).body("error.code", is("BlobAlreadyExists"));
        given().auth().oauth2(Tokens.alice()).header("If-Match", "\"nope\"").body(second).put(blob(name)).then()
                .statusCode(412);
        given().auth().oauth2(Tokens.alice()).header("If-Match", etag).body(second).put(blob(name)).then()
                .statusCode(201);
        given().auth().oauth2(Tokens.alice()).get(blob(name)).then().header("ETag", "\"" + sha(second) + "\"");
        given().auth().oauth2(Tokens.alice()).header("If-None-Match", "*").body(second)
                .put(blob("fresh-" + UUID.randomUUID() + ".raw")).then().statusCode(201);
    }

    /**
     * The rest of Azure's preconditions and its range header (a hostile probe): a DELETE ignored all of them, so one
     * "only if it is still what I read" deleted a newer upload; the date conditions were ignored on every operation;
     * {@code x-ms-range}, what Azure's Blob SDKs send for a chunked download, was ignored and each chunk got the whole
     * content; {@code If-None-Match} naming the current tag on a PUT was 409 where Azure answers 412.
     */
    @Test
    void deletesDatesAndAzuresRangeHeaderKeepTheirConditions() throws Exception {
        String name = "dated-" + UUID.randomUUID() + ".raw";
        byte[] content = image(16 * CHUNK, 9);
        given().auth().oauth2(Tokens.alice()).body(content).put(blob(name)).then().statusCode(201);
        String etag = "\"" + sha(content) + "\"";
        String lastModified = given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(200)
                .extract().header("Last-Modified");
        String before = "Mon, 01 Jan 1990 00:00:00 GMT";
        String after = "Fri, 01 Jan 2100 00:00:00 GMT";
        // reads
        given().auth().oauth2(Tokens.alice()).header("If-Unmodified-Since", before).get(blob(name)).then()
                .statusCode(412).body("error.code", is("ConditionNotMet"))
                .body("error.target", is("If-Unmodified-Since"));
        given().auth().oauth2(Tokens.alice()).header("If-Unmodified-Since", lastModified).get(blob(name)).then()
                .statusCode(200);
        given().auth().oauth2(Tokens.alice()).header("If-Modified-Since", lastModified).get(blob(name)).then()
                .statusCode(304);
        given().auth().oauth2(Tokens.alice()).header("If-Modified-Since", before).get(blob(name)).then()
                .statusCode(200);
        given().auth().oauth2(Tokens.alice()).header("If-Modified-Since", "not a date").get(blob(name)).then()
                .statusCode(200);
        byte[] part = given().auth().oauth2(Tokens.alice()).header("x-ms-range", "bytes=10-19").get(blob(name))
                .then().statusCode(206).header("Content-Range", "bytes 10-19/" + content.length).extract()
                .asByteArray();
        assertArrayEquals(java.util.Arrays.copyOfRange(content, 10, 20), part);
        given().auth().oauth2(Tokens.alice()).header("x-ms-range", "bytes=0-3").header("Range", "bytes=4-99")
                .get(blob(name)).then().statusCode(206).header("Content-Length", "4");
        // writes
        given().auth().oauth2(Tokens.alice()).header("If-None-Match", etag).body(content).put(blob(name)).then()
                .statusCode(412).body("error.code", is("ConditionNotMet"));
        given().auth().oauth2(Tokens.alice()).header("If-Unmodified-Since", before).body(content).put(blob(name))
                .then().statusCode(412).body("error.target", is("If-Unmodified-Since"));
        // deletes: every condition not met is 412, and the blob stays
        given().auth().oauth2(Tokens.alice()).header("If-Match", "\"" + "0".repeat(64) + "\"").delete(blob(name))
                .then().statusCode(412).body("error.code", is("ConditionNotMet")).body("error.target", is("If-Match"));
        given().auth().oauth2(Tokens.alice()).header("If-None-Match", etag).delete(blob(name)).then().statusCode(412);
        given().auth().oauth2(Tokens.alice()).header("If-Unmodified-Since", before).delete(blob(name)).then()
                .statusCode(412);
        given().auth().oauth2(Tokens.alice()).header("If-Modified-Since", after).delete(blob(name)).then()
                .statusCode(412);
        given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(200).header("ETag", etag);
        given().auth().oauth2(Tokens.alice()).header("If-Match", etag).header("If-Unmodified-Since", lastModified)
                .delete(blob(name)).then().statusCode(202);
        given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(404);
    }

    /**
     * A write's preconditions hold at its commit, not only at its start: two create-only uploads of one name at once
     * both passed the check (the name was free when each started), and the second to finish overwrote the first.
     */
    @Test
    void twoCreateOnlyUploadsOfOneNameAtOnceMakeOneBlob() throws Exception {
        String name = "race-" + UUID.randomUUID() + ".raw";
        byte[] a = image(64 * CHUNK, 11);
        byte[] b = image(64 * CHUNK, 12);
        try (Socket first = new Socket("localhost", RestAssured.port);
             Socket second = new Socket("localhost", RestAssured.port)) {
            first.setSoTimeout(20_000);
            second.setSoTimeout(20_000);
            // both heads, each answered 100 Continue: both passed the check at the start
            for (Socket s : List.of(first, second)) {
                s.getOutputStream().write(head(blob(name), a.length, "If-None-Match: *\r\nExpect: 100-continue\r\n"));
                s.getOutputStream().flush();
                InputStream in = s.getInputStream();
                assertTrue(readLine(in).startsWith("HTTP/1.1 100"), "accepted at the start");
                readLine(in);
            }
            first.getOutputStream().write(a);
            first.getOutputStream().flush();
            assertTrue(readLine(first.getInputStream()).startsWith("HTTP/1.1 201"), "the first is made");
            second.getOutputStream().write(b);
            second.getOutputStream().flush();
            String status = readLine(second.getInputStream());
            assertTrue(status.startsWith("HTTP/1.1 409"), "the second finds it made: " + status);
        }
        given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(200)
                .header("ETag", "\"" + sha(a) + "\"");
    }

    /** Azure's Put Blob checks Content-MD5 (400 Md5Mismatch, nothing stored); it was ignored on a whole upload. */
    @Test
    void aWholeUploadsContentMd5IsChecked() throws Exception {
        byte[] content = image(64 * CHUNK, 13);
        String md5 = java.util.Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(content));
        String good = "md5-" + UUID.randomUUID() + ".raw";
        given().auth().oauth2(Tokens.alice()).header("Content-MD5", md5).body(content).put(blob(good)).then()
                .statusCode(201);
        String bad = "md5-" + UUID.randomUUID() + ".raw";
        String other = java.util.Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(new byte[1]));
        given().auth().oauth2(Tokens.alice()).header("Content-MD5", other).body(content).put(blob(bad)).then()
                .statusCode(400).body("error.code", is("Md5Mismatch")).body("error.target", is("Content-MD5"));
        given().auth().oauth2(Tokens.alice()).get(blob(bad)).then().statusCode(404);
        given().auth().oauth2(Tokens.alice()).header("Content-MD5", "not-md5").body(content).put(blob(bad)).then()
                .statusCode(400).body("error.target", is("Content-MD5"));
    }

    /** Azure Delete Blob: 202, the blob is gone, its chunks freed; an absent one is 404, someone without the role 403. */
    @Test
    void deletingABlobFreesItsContentAndAnAbsentOneIs404() throws Exception {
        String name = "deleted-" + UUID.randomUUID() + ".raw";
        byte[] content = image(64 * CHUNK, 77);
        given().auth().oauth2(Tokens.alice()).body(content).put(blob(name)).then().statusCode(201);
        ChunkId first = ChunkId.digest(MessageDigest.getInstance("SHA-256"), content, 0, CHUNK);
        assertTrue(contoso().store("westeurope", 0).has(first));
        given().auth().oauth2(Tokens.carol()).delete(blob(name)).then().statusCode(404)
                .body("error.code", is("SubscriptionNotFound"));
        given().auth().oauth2(Tokens.alice()).delete(blob(name)).then().statusCode(202);
        given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(404)
                .body("error.code", is("BlobNotFound"));
        assertFalse(contoso().store("westeurope", 0).has(first), "its chunks are freed");
        given().auth().oauth2(Tokens.alice()).delete(blob(name)).then().statusCode(404)
                .body("error.code", is("BlobNotFound"));
        given().auth().oauth2(Tokens.alice()).delete("/blobs/atlantis/" + SUB + "/" + name).then().statusCode(404)
                .body("error.code", is("RegionNotFound"));
    }

    @Test
    void aTruncatedUploadIsRefusedAndLeavesNothingVisible() throws Exception {
        String name = "truncated-" + UUID.randomUUID() + ".raw";
        try (Socket s = new Socket("localhost", RestAssured.port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("PUT " + blob(name) + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + Tokens.alice() + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(image(5_000, 3));
            out.flush();
            s.shutdownOutput();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertFalse(answer.startsWith("HTTP/1.1 2"), "a truncated upload is not accepted: " + answer);
        } catch (IOException closed) {
            // the server may just drop the connection: fine, as long as nothing became visible
        }
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> given().auth()
                .oauth2(Tokens.alice()).get(blob(name)).statusCode() == 404);
    }

    @Test
    void rangesAtChunkBoundariesAreServedByteForByteAndBeyondTheEndIs416() throws Exception {
        for (int size : new int[]{0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 1}) {
            String name = "range-" + size + "-" + UUID.randomUUID() + ".raw";
            byte[] img = image(size, size);
            given().auth().oauth2(Tokens.alice()).body(img).put(blob(name)).then().statusCode(201)
                    .body("sizeBytes", is(size));
            assertArrayEquals(img, given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(200)
                    .header("Accept-Ranges", "bytes").extract().asByteArray(), "whole " + size);
            if (size == 0) {
                // with the size, as RFC 9110 has it (Azure's Java SDK reads an empty blob from this 416's
                // Content-Range: bytes */0)
                given().auth().oauth2(Tokens.alice()).header("Range", "bytes=0-").get(blob(name)).then()
                        .statusCode(416).body("error.code", is("InvalidRange"))
                        .header("Content-Range", "bytes */0");
                continue;
            }
            for (int[] r : new int[][]{{0, 0}, {Math.max(0, size - 2), size - 1}, {size / 2, size - 1},
                    {Math.min(CHUNK - 1, size - 1), Math.min(CHUNK, size - 1)}}) {
                assertArrayEquals(Arrays.copyOfRange(img, r[0], r[1] + 1), given().auth().oauth2(Tokens.alice())
                        .header("Range", "bytes=" + r[0] + "-" + r[1]).get(blob(name)).then().statusCode(206)
                        .header("Content-Range", "bytes " + r[0] + "-" + r[1] + "/" + size)
                        .extract().asByteArray(), "range " + r[0] + "-" + r[1] + " of " + size);
            }
            assertArrayEquals(Arrays.copyOfRange(img, Math.max(0, size - 10), size), given().auth()
                    .oauth2(Tokens.alice()).header("Range", "bytes=-10").get(blob(name)).then().statusCode(206)
                    .extract().asByteArray());
            given().auth().oauth2(Tokens.alice()).header("Range", "bytes=" + size + "-").get(blob(name)).then()
                    .statusCode(416).body("error.code", is("InvalidRange"))
                    .header("Content-Range", "bytes */" + size);
        }
    }

    static String versionId() {
        return "/subscriptions/" + SUB + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/"
                + "dp/versions/2.0." + Math.abs(UUID.randomUUID().hashCode() % 100000);
    }

    static void publish(String version, String blobName, Payloads.TargetRegion... regions) {
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_PUBLISHED, version,
                new Payloads.VersionPublished(version, SUB, "contoso",
                        BlobRef.parse("http://localhost:8082" + blob(blobName)), 0, List.of(regions))));
    }

    /** The URL catalog-service hands out (api-version: common's ApiVersionFilter does not exempt /download yet). */
    static String download(String region, String version) {
        return "/download/" + region + version + "?api-version=2024-03-03";
    }

    @Test
    void aCopyKilledMidwayResumesCountsEgressOnceReportsProgressAndDownloadsByteForByte() throws Exception {
        byte[] img = image(2 * 1024 * 1024, System.nanoTime()); // fresh chunks: stores persist between runs
        String name = "resume-" + UUID.randomUUID() + ".raw";
        int used = given().auth().oauth2(Tokens.alice()).body(img).put(blob(name)).then().statusCode(201)
                .extract().path("usedBytes");
        AtomicInteger copied = new AtomicInteger();
        AtomicBoolean killed = new AtomicBoolean();
        replicator.hook((region, replica, id) -> {
            if (region.equals("westus2") && copied.incrementAndGet() == 200 && killed.compareAndSet(false, true)) {
                throw new IOException("copier killed after 200 chunks");
            }
        });
        String version = versionId();
        try {
            publish(version, name, new Payloads.TargetRegion("westus2", 1, "Standard_LRS"));
            List<CloudEvent> events = TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(60),
                    seen -> seen.stream().anyMatch(e -> e.subject().equals(version)
                            && e.type().equals(EventTypes.REPLICA_COMPLETED)));
            var mine = events.stream().filter(e -> e.subject().equals(version)).toList();
            assertTrue(killed.get(), "the copier was killed once");
            int chunks = used / CHUNK;
            int batch = Math.max(chunks / 20, (256 << 10) / CHUNK); // 5 percent, or the 256 KiB a step moves at least
            assertTrue(copied.get() <= chunks + batch + 1, "verified chunks were not copied again: "
                    + copied.get() + " copies for " + chunks + " chunks");
            long egress = mine.stream().filter(e -> e.type().equals(EventTypes.EGRESS_TRANSFERRED))
                    .mapToLong(e -> e.dataAs(Payloads.EgressTransferred.class).bytes()).sum();
            assertEquals(used, egress, "egress counted once: " + mine);
            var progress = mine.stream().filter(e -> e.type().equals(EventTypes.REPLICA_PROGRESS))
                    .map(e -> e.dataAs(Payloads.ReplicaProgress.class)).toList();
            // checkpoints every 256 KiB (the resume above), reported at most once a second and never at 100 %
            // (ProgressReports): a copy of 1 MiB, done in well under a second on an idle machine, reports little
            assertTrue(progress.stream().allMatch(p -> p.region().equals("westus2") && p.progress() < 100),
                    "progress of the copy only, below 100: " + progress);
            for (int i = 1; i < progress.size(); i++) {
                assertTrue(!progress.get(i).reportedAt().isBefore(progress.get(i - 1).reportedAt()
                        .plusMillis(900)), "at most one progress a second: " + progress);
            }
        } finally {
            replicator.hook(null);
        }
        assertArrayEquals(img, given().auth().oauth2(Tokens.alice()).get(download("westus2", version)).then()
                .statusCode(200).header("X-Content-SHA256", "sha256:" + sha(img)).extract().asByteArray());
        assertArrayEquals(Arrays.copyOfRange(img, 4095, 1_000_001), given().auth().oauth2(Tokens.alice())
                .header("Range", "bytes=4095-1000000").get(download("westus2", version)).then().statusCode(206)
                .extract().asByteArray());
        given().auth().oauth2(Tokens.alice()).header("Range", "bytes=" + img.length + "-")
                .get(download("westus2", version)).then().statusCode(416).body("error.code", is("InvalidRange"));
        given().auth().oauth2(Tokens.alice()).get(download("eastus", version)).then().statusCode(404)
                .body("error.code", is("ReplicaNotFound"));
        given().auth().oauth2(Tokens.carol()).get(download("westus2", version)).then().statusCode(404);
        // a Disabled version is not downloadable until it is enabled again
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_LIFECYCLE_CHANGED,
                version, new Payloads.VersionLifecycleChanged(version, Realms.CONTOSO_SUBSCRIPTION, "Disabled",
                        "9.9.9")));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth()
                .oauth2(Tokens.alice()).get(download("westus2", version)).then().statusCode(409)
                .body("error.code", is("GalleryImageVersionDisabled")));
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_LIFECYCLE_CHANGED,
                version, new Payloads.VersionLifecycleChanged(version, Realms.CONTOSO_SUBSCRIPTION, "Active", null)));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth()
                .oauth2(Tokens.alice()).get(download("westus2", version)).then().statusCode(200));
        // a soft-deleted version is served to nobody until it is restored (it was: to its owner, and through a share
        // to another tenant, after its GET was 404; a hostile probe)
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_SOFT_DELETED,
                version, new Payloads.VersionSoftDeleted(version, Realms.CONTOSO_SUBSCRIPTION, true)));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth()
                .oauth2(Tokens.alice()).get(download("westus2", version)).then().statusCode(404)
                .body("error.code", is("GalleryImageVersionNotFound")));
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_SOFT_DELETED,
                version, new Payloads.VersionSoftDeleted(version, Realms.CONTOSO_SUBSCRIPTION, false)));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth()
                .oauth2(Tokens.alice()).get(download("westus2", version)).then().statusCode(200));
    }

    @Test
    void aCorruptChunkIsCountedAndServedFromAnotherReplicaThenScrubbedAndDeletionFreesTheReplicas() throws Exception {
        byte[] img = image(512 * 1024, System.nanoTime());
        String name = "scrub-" + UUID.randomUUID() + ".raw";
        given().auth().oauth2(Tokens.alice()).body(img).put(blob(name)).then().statusCode(201);
        String version = versionId();
        publish(version, name, new Payloads.TargetRegion("northeurope", 2, "Standard_ZRS"));
        TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30), seen -> seen.stream().anyMatch(e ->
                e.subject().equals(version) && e.type().equals(EventTypes.REPLICA_COMPLETED)));

        ChunkId first = ChunkId.of(MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(img, CHUNK)), 0);
        FsChunkStore r0 = (FsChunkStore) contoso().store("northeurope", 0);
        flip(r0, first);
        double before = corruptReads();
        for (int i = 0; i < 3; i++) { // whichever replica a download starts on, the bad copy is never served
            assertArrayEquals(img, given().auth().oauth2(Tokens.alice()).get(download("northeurope", version))
                    .then().statusCode(200).extract().asByteArray());
        }
        assertTrue(corruptReads() >= before + 1, "a real corruption is counted");
        Scrubber.Report report = scrubber.scrubAll();
        assertTrue(report.repaired() >= 1, "scrub repaired it: " + report);
        r0.get(first); // verified again
        List<CloudEvent> repaired = TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30),
                seen -> seen.stream().anyMatch(e -> e.type().equals(EventTypes.CHUNK_REPAIRED)
                        && e.dataAs(Payloads.ChunkRepaired.class).chunkDigest().equals("sha256:" + first)));
        var event = repaired.stream().filter(e -> e.type().equals(EventTypes.CHUNK_REPAIRED))
                .map(e -> e.dataAs(Payloads.ChunkRepaired.class))
                .filter(e -> e.chunkDigest().equals("sha256:" + first)).findFirst().orElseThrow();
        assertEquals("northeurope", event.region());
        assertEquals(0, event.replica());
        assertEquals("corrupt", event.problem());

        // deleting the version: ReplicaDeleted for its region, the refs go, the chunks only it used are freed
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_DELETED, version,
                new Payloads.VersionDeleted(version, SUB)));
        TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30), seen -> seen.stream().anyMatch(e ->
                e.subject().equals(version) && e.type().equals(EventTypes.REPLICA_DELETED)
                        && e.dataAs(Payloads.ReplicaDeleted.class).region().equals("northeurope")));
        await().atMost(Duration.ofSeconds(30)).until(() -> contoso().store("northeurope", 0)
                .ref(ReplicationService.versionRef(version)).isEmpty() && contoso().store("northeurope", 1)
                .ref(ReplicationService.versionRef(version)).isEmpty());
        assertFalse(contoso().store("northeurope", 1).has(first), "its chunks are collected");
        assertTrue(contoso().store("westeurope", 0).has(first), "the uploaded blob keeps its own");
        given().auth().oauth2(Tokens.alice()).get(download("northeurope", version)).then().statusCode(404);
    }

    double corruptReads() {
        var c = registry.find("gallery.replication.corrupt.reads").counter();
        return c == null ? 0 : c.count();
    }

    /**
     * A blob lives in replica 0 of its region only: reading it from a region with three replica stores spreads its
     * chunks over stores that never had them, which is no fault (it used to count every such chunk as corrupt).
     */
    @Test
    void aCleanReadOfABlobInARegionWithThreeReplicaStoresRaisesNoCorruptionAlarm() throws Exception {
        String src = "three-" + UUID.randomUUID() + ".raw";
        given().auth().oauth2(Tokens.alice()).body(image(64 * 1024, System.nanoTime())).put(blob(src)).then()
                .statusCode(201);
        String version = versionId();
        publish(version, src, new Payloads.TargetRegion("westeurope", 3, "Standard_LRS"));
        TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30), seen -> seen.stream().anyMatch(e ->
                e.subject().equals(version) && e.type().equals(EventTypes.REPLICA_COMPLETED)));

        byte[] img = image(256 * 1024, System.nanoTime());
        String name = "clean-" + UUID.randomUUID() + ".raw";
        given().auth().oauth2(Tokens.alice()).body(img).put(blob(name)).then().statusCode(201);
        double before = corruptReads();
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(img, given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(200)
                    .extract().asByteArray());
            assertArrayEquals(Arrays.copyOfRange(img, 5000, 70000), given().auth().oauth2(Tokens.alice())
                    .header("Range", "bytes=5000-69999").get(blob(name)).then().statusCode(206).extract()
                    .asByteArray());
        }
        assertEquals(before, corruptReads(), "no chunk was missing or corrupt");
    }

    static void flip(FsChunkStore store, ChunkId id) throws IOException {
        long[] off = new long[1];
        Path pack = store.packOf(id, off).orElseThrow();
        try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
            f.seek(off[0] + 7);
            int b = f.read();
            f.seek(off[0] + 7);
            f.write(b ^ 0xff);
        }
    }

    /** contoso's stores: alice's uploads and versions live in her tenant's namespace. */
    RegionStores contoso() {
        return tenants.of(Realms.CONTOSO);
    }
}

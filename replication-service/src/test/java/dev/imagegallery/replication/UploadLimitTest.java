package dev.imagegallery.replication;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.replication.config.StoreConfig;
import dev.imagegallery.replication.service.BlobService;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.imagegallery.replication.DataPlaneTest.blob;
import static dev.imagegallery.replication.ReplicationTest.image;
import static dev.imagegallery.replication.ReplicationTest.sha;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code gallery.store.max-concurrent-uploads}: each ingesting upload holds up to 32 MiB of buffers, so only so many
 * ingest at once. One more waits {@code upload-slot-wait-millis} (1 s in tests) for a slot, then gets 503 ServerBusy
 * with Retry-After and stores nothing; a slot freed by a finished (here: broken off) upload serves the next one.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "replication"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class UploadLimitTest {
    @Inject
    BlobService blobs;
    @Inject
    StoreConfig config;

    @Test
    void anUploadBeyondTheLimitWaitsThenGets503AndAFreedSlotServesTheNext() throws Exception {
        TestEvents.publishSeedGrants();
        await().atMost(Duration.ofSeconds(30)).until(() -> given().auth().oauth2(Tokens.alice())
                .get(blob("absent")).then().extract().path("error.code").equals("BlobNotFound"));
        int slots = config.maxConcurrentUploads();
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < slots; i++) {
                held.add(startUpload("held-" + i + "-" + UUID.randomUUID() + ".raw"));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> blobs.uploadsInProgress() == slots);

            String refused = "refused-" + UUID.randomUUID() + ".raw";
            long t0 = System.nanoTime();
            given().auth().oauth2(Tokens.alice()).body(image(10_000, 1)).put(blob(refused)).then().statusCode(503)
                    .header("Retry-After", "10").body("error.code", is("ServerBusy"));
            long waitedMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(waitedMs >= config.uploadSlotWaitMillis() - 50, "it waited for a slot first: " + waitedMs);
            given().auth().oauth2(Tokens.alice()).get(blob(refused)).then().statusCode(404);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> blobs.uploadsInProgress() == 0);
        byte[] content = image(10_000, 2);
        given().auth().oauth2(Tokens.alice()).body(content).put(blob("after-" + UUID.randomUUID() + ".raw"))
                .then().statusCode(201).body("digest", is("sha256:" + sha(content)));
    }

    /** An upload that announced 100,000 bytes and sent 5,000: it holds its slot until the socket closes. */
    private static Socket startUpload(String name) throws IOException {
        Socket s = new Socket("localhost", RestAssured.port);
        OutputStream out = s.getOutputStream();
        out.write(("PUT " + blob(name) + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + Tokens.alice()
                + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(image(5_000, 3));
        out.flush();
        return s;
    }
}

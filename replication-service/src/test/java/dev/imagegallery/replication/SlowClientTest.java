package dev.imagegallery.replication;

import dev.imagegallery.devstack.Hostile;
import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.Json;
import dev.imagegallery.replication.config.StoreConfig;
import dev.imagegallery.replication.service.BlobService;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static dev.imagegallery.replication.DataPlaneTest.b64;
import static dev.imagegallery.replication.DataPlaneTest.blob;
import static dev.imagegallery.replication.ReplicationTest.image;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An upload whose body stops arriving ({@code gallery.store.upload-idle-timeout}, 5 s in tests) is answered 400
 * UploadIncomplete within that bound, measured here by a raw socket client that sends the headers and part of the body
 * and then nothing: nothing is stored, the upload slot is freed, no database transaction is left open.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "replication"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class SlowClientTest {
    @Inject
    StoreConfig config;
    @Inject
    BlobService blobs;

    @BeforeEach
    void grants() {
        TestSupport.seedGrants();
    }

    /** Sends the head and {@code sent} bytes of a {@code length}-byte body, then waits; the answer and when it came. */
    private TestSupport.RawResponse stall(String path, long length, int sent, Duration[] took) throws Exception {
        long idle = config.uploadIdleTimeout().toMillis();
        try (Socket s = new Socket("localhost", RestAssured.port)) {
            s.setSoTimeout((int) idle + 10_000);
            OutputStream out = s.getOutputStream();
            out.write(("PUT " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + Tokens.alice()
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(image(sent, 9));
            out.flush();
            long t0 = System.nanoTime();
            TestSupport.RawResponse r = TestSupport.readResponse(s.getInputStream());
            took[0] = Duration.ofNanos(System.nanoTime() - t0);
            return r;
        }
    }

    private void assertCutOffWithUploadIncomplete(TestSupport.RawResponse r, Duration took) {
        long idle = config.uploadIdleTimeout().toMillis();
        assertEquals(400, r.code(), r.status() + " " + r.body());
        Map<?, ?> error = (Map<?, ?>) Json.read(r.body(), Map.class).get("error");
        assertEquals("UploadIncomplete", error.get("code"), r.body());
        assertTrue(error.get("message") != null && error.containsKey("target"), r.body());
        assertTrue(r.headers().contains("connection: close"), "the rest is not read: " + r.headers());
        assertTrue(took.toMillis() >= idle - 250, "not before the idle timeout: " + took);
        assertTrue(took.toMillis() <= idle + 3_000, "within the idle timeout (" + idle + " ms): " + took);
    }

    @Test
    void aStalledUploadGetsUploadIncompleteWithinTheIdleTimeoutAndStoresNothing() throws Exception {
        String name = "stalled-" + UUID.randomUUID() + ".raw";
        Duration[] took = new Duration[1];
        assertCutOffWithUploadIncomplete(stall(blob(name), 1_000_000, 70_000, took), took[0]);
        given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(404)
                .body("error.code", is("BlobNotFound"));
        await().atMost(Duration.ofSeconds(5)).until(() -> blobs.uploadsInProgress() == 0);
        assertEquals(java.util.List.of(), Hostile.openTransactions("replication", Duration.ofSeconds(10)));
    }

    /**
     * A body trickled a byte a second never trips the idle timeout, and held an upload slot until it ended (a hostile
     * probe: a byte every 10 s; four such held every slot). Fewer than 64 KiB in an idle timeout's worth of waiting
     * is UploadIncomplete, and the slot is free again.
     */
    @Test
    void aTrickledBodyIsCutOffAndFreesItsSlot() throws Exception {
        String name = "trickled-" + UUID.randomUUID() + ".raw";
        long idle = config.uploadIdleTimeout().toMillis();
        try (Socket s = new Socket("localhost", RestAssured.port)) {
            s.setSoTimeout((int) idle * 4);
            OutputStream out = s.getOutputStream();
            out.write(("PUT " + blob(name) + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + Tokens.alice()
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread trickle = new Thread(() -> {
                try {
                    for (int i = 0; i < 1000; i++) {
                        out.write('x');
                        out.flush();
                        Thread.sleep(idle / 5);
                    }
                } catch (Exception closed) {
                    // the server answered and closed
                }
            });
            trickle.setDaemon(true);
            long t0 = System.nanoTime();
            trickle.start();
            TestSupport.RawResponse r = TestSupport.readResponse(s.getInputStream());
            long took = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(400, r.code(), r.status() + " " + r.body());
            assertTrue(r.body().contains("UploadIncomplete") && r.body().contains("too slowly"), r.body());
            assertTrue(took <= 2 * idle + 3_000, "cut off after about an idle timeout of waiting: " + took + " ms");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> blobs.uploadsInProgress() == 0);
        given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(404);
    }

    @Test
    void aBodyThatNeverStartsGetsUploadIncompleteWithinTheIdleTimeout() throws Exception {
        String name = "never-" + UUID.randomUUID() + ".raw";
        Duration[] took = new Duration[1];
        assertCutOffWithUploadIncomplete(stall(blob(name), 5_000, 0, took), took[0]);
        given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(404);
    }

    @Test
    void aStalledBlockGetsUploadIncompleteAndIsNotStaged() throws Exception {
        String name = "stalled-block-" + UUID.randomUUID() + ".raw";
        String id = b64("stalled");
        Duration[] took = new Duration[1];
        assertCutOffWithUploadIncomplete(stall(blob(name) + "?comp=block&blockid=" + id, 100_000, 10_000, took),
                took[0]);
        given().auth().oauth2(Tokens.alice()).body("<BlockList><Latest>" + id + "</Latest></BlockList>")
                .put(blob(name) + "?comp=blocklist").then().statusCode(400).body("error.code", is("InvalidBlockList"));
    }

    @Test
    void aStalledBlockListGetsUploadIncomplete() throws Exception {
        String name = "stalled-list-" + UUID.randomUUID() + ".raw";
        Duration[] took = new Duration[1];
        TestSupport.RawResponse r;
        long idle = config.uploadIdleTimeout().toMillis();
        try (Socket s = new Socket("localhost", RestAssured.port)) {
            s.setSoTimeout((int) idle + 10_000);
            byte[] part = ("<BlockList><Latest>" + b64("AAAA") + "</Latest>").getBytes(StandardCharsets.US_ASCII);
            OutputStream out = s.getOutputStream();
            out.write(("PUT " + blob(name) + "?comp=blocklist HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + Tokens.alice() + "\r\nContent-Type: application/xml\r\nContent-Length: " + (part.length + 100)
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(part);
            out.flush();
            long t0 = System.nanoTime();
            r = TestSupport.readResponse(s.getInputStream());
            took[0] = Duration.ofNanos(System.nanoTime() - t0);
        }
        assertCutOffWithUploadIncomplete(r, took[0]);
    }
}

package dev.imagegallery.replication;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.imagegallery.replication.DataPlaneTest.b64;
import static dev.imagegallery.replication.DataPlaneTest.blob;
import static dev.imagegallery.replication.DataPlaneTest.download;
import static dev.imagegallery.replication.DataPlaneTest.publish;
import static dev.imagegallery.replication.DataPlaneTest.versionId;
import static dev.imagegallery.replication.ReplicationTest.image;
import static dev.imagegallery.replication.ReplicationTest.sha;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A disk that fills up, for real: the stores sit on a tmpfs of their own ({@link TmpfsStoreRoot}), which each test
 * fills to its last byte. An upload (whole, a block, a block list's commit) is answered 507 InsufficientStorage and
 * leaves nothing half stored; a copy waits for space rather than fail for good; and both work once space returns.
 * Skipped where a tmpfs cannot be mounted (not root).
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "replication"),
        scope = TestResourceScope.MATCHING_RESOURCES)
@WithTestResource(value = TmpfsStoreRoot.class, scope = TestResourceScope.MATCHING_RESOURCES)
class DiskFullTest {
    @ConfigProperty(name = "gallery.test.store-disk", defaultValue = "none") // every test class is a bean of every app
    String disk;
    @ConfigProperty(name = "gallery.store.root")
    Path root;
    @Inject
    Pool pool;
    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    @BeforeEach
    void onATmpfs() {
        assumeTrue("tmpfs".equals(disk), "skipped: mounting a tmpfs for the stores needs root (CI runs as root)");
        TestSupport.seedGrants();
    }

    /** Writes into the stores' disk until it is full; deleting the file gives the space back. */
    private Path fill() throws IOException {
        Path filler = root.resolve("filler-" + UUID.randomUUID());
        byte[] mib = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(mib);
            }
        } catch (IOException full) {
            assertTrue(full.getMessage() != null && full.getMessage().contains("No space left on device"),
                    () -> "the disk filled up: " + full);
        }
        return filler;
    }

    @Test
    void anUploadIntoAFullDiskIs507AndStoresNothingAndTheSameUploadWorksOnceSpaceReturns() throws Exception {
        byte[] img = image(12 * 1024 * 1024 + 17, System.nanoTime()); // 9 MiB of data: packs written while ingesting
        byte[] small = image(64 * 1024, System.nanoTime());
        String name = "full-" + UUID.randomUUID() + ".raw";
        String blocks = "blocks-" + UUID.randomUUID() + ".raw";
        String id = b64("block-1");
        given().auth().oauth2(Tokens.alice()).body(small).put(blob(blocks) + "?comp=block&blockid=" + id).then()
                .statusCode(201);
        openStore("westeurope");
        Path filler = fill();
        try {
            given().auth().oauth2(Tokens.alice()).body(img).put(blob(name)).then().statusCode(507)
                    .body("error.code", is("InsufficientStorage")).body("error.target", is("region"))
                    .body("error.message", containsString("westeurope"));
            given().auth().oauth2(Tokens.alice()).body(small).put(blob(name)).then().statusCode(507)
                    .body("error.code", is("InsufficientStorage"));
            given().auth().oauth2(Tokens.alice()).body(img).put(blob(name) + "?comp=block&blockid=" + b64("b"))
                    .then().statusCode(507).body("error.code", is("InsufficientStorage"));
            given().auth().oauth2(Tokens.alice()).body("<BlockList><Latest>" + id + "</Latest></BlockList>")
                    .put(blob(blocks) + "?comp=blocklist").then().statusCode(507)
                    .body("error.code", is("InsufficientStorage"));
            given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(404);
            given().auth().oauth2(Tokens.alice()).get(blob(blocks)).then().statusCode(404);
            // what an operator watches: the refusals, and the disk's usable bytes near zero
            assertTrue(metric("gallery_replication_storage_full_total", "operation=\"upload\"") >= 4);
            double usable = metric("gallery_replication_store_usable_bytes", "path=\"" + root + "\"");
            assertTrue(usable < 1 << 20, "usable bytes on the full disk: " + usable + " (" + root + ")");
        } finally {
            Files.delete(filler);
        }
        // space is back: the same bytes are stored and read back whole (a chunk the refused attempts had left indexed
        // without its bytes would be taken as stored, and read back wrong or not at all)
        given().auth().oauth2(Tokens.alice()).body(img).put(blob(name)).then().statusCode(201)
                .body("digest", is("sha256:" + sha(img)));
        assertArrayEquals(img, given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(200)
                .extract().asByteArray());
        // the staged block outlived the refused commit: the same list commits now
        given().auth().oauth2(Tokens.alice()).body("<BlockList><Latest>" + id + "</Latest></BlockList>")
                .put(blob(blocks) + "?comp=blocklist").then().statusCode(201)
                .body("digest", is("sha256:" + sha(small)));
        assertArrayEquals(small, given().auth().oauth2(Tokens.alice()).get(blob(blocks)).then().statusCode(200)
                .extract().asByteArray());
    }

    @Test
    void concurrentUploadsIntoAFullDiskAreAll507AndFreeTheirSlots() throws Exception {
        int n = 6; // more than gallery.store.max-concurrent-uploads' default (4): some wait for a slot first
        byte[][] imgs = new byte[n][];
        String[] names = new String[n];
        // 1 MiB each: they must all fit at once on this 64 MiB disk once space returns, where each open store's index
        // has preallocated 17.6 MiB for its write-ahead log (RocksDB: 1.1 x the 16 MiB write buffer)
        for (int i = 0; i < n; i++) {
            imgs[i] = image(1024 * 1024 + i, System.nanoTime() + i);
            names[i] = "many-" + i + "-" + UUID.randomUUID() + ".raw";
        }
        openStore("westeurope");
        Path filler = fill();
        var pool = Executors.newFixedThreadPool(n);
        try {
            var codes = new ArrayList<Future<String>>();
            for (int i = 0; i < n; i++) {
                int k = i;
                codes.add(pool.submit(() -> {
                    var r = given().auth().oauth2(Tokens.alice()).body(imgs[k]).put(blob(names[k])).then()
                            .extract();
                    return r.statusCode() + " " + r.path("error.code");
                }));
            }
            for (var c : codes) {
                assertEquals("507 InsufficientStorage", c.get(60, TimeUnit.SECONDS));
            }
            for (String name : names) {
                given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(404);
            }
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> metric("gallery_replication_uploads_ingesting", "") == 0);
        } finally {
            pool.shutdownNow();
            Files.delete(filler);
        }
        // every slot came back and nothing half stored is taken as stored: the same uploads work, all at once
        var again = Executors.newFixedThreadPool(n);
        try {
            var done = new ArrayList<Future<Integer>>();
            for (int i = 0; i < n; i++) {
                int k = i;
                done.add(again.submit(() -> given().auth().oauth2(Tokens.alice()).body(imgs[k]).put(blob(names[k]))
                        .then().extract().statusCode()));
            }
            for (var d : done) {
                assertEquals(201, d.get(60, TimeUnit.SECONDS));
            }
        } finally {
            again.shutdownNow();
        }
        for (int i = 0; i < n; i++) {
            assertArrayEquals(imgs[i], given().auth().oauth2(Tokens.alice()).get(blob(names[i])).then()
                    .statusCode(200).extract().asByteArray());
        }
    }

    @Test
    void aCopyIntoAFullDiskWaitsForSpaceRatherThanFailAndCompletesWhenSpaceReturns() throws Exception {
        byte[] img = image(2 * 1024 * 1024, System.nanoTime());
        String name = "copy-" + UUID.randomUUID() + ".raw";
        given().auth().oauth2(Tokens.alice()).body(img).put(blob(name)).then().statusCode(201);
        String version = versionId();
        openStore("northeurope");
        Path filler = fill();
        try {
            publish(version, name, new Payloads.TargetRegion("northeurope", 1, "Standard_LRS"));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                Row job = job(version);
                return job != null && job.getString("last_error") != null
                        && job.getString("last_error").contains("No space left on device");
            });
            // longer than any other failure takes to be final here (5 attempts, 200 ms apart and doubling: 3 s)
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10))
                    .until(() -> "Pending".equals(job(version).getString("state")));
        } finally {
            Files.delete(filler);
        }
        List<CloudEvent> seen = TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30),
                events -> events.stream().anyMatch(e -> e.subject().equals(version)
                        && e.type().equals(EventTypes.REPLICA_COMPLETED)));
        assertTrue(seen.stream().anyMatch(e -> e.subject().equals(version)
                && e.type().equals(EventTypes.REPLICA_COMPLETED)), "completed once space returned");
        assertTrue(seen.stream().noneMatch(e -> e.subject().equals(version)
                && e.type().equals(EventTypes.REPLICA_FAILED)), "never reported Failed");
        assertTrue(metric("gallery_replication_storage_full_total", "operation=\"copy\"") >= 1);
        assertArrayEquals(img, given().auth().oauth2(Tokens.alice()).get(download("northeurope", version)).then()
                .statusCode(200).extract().asByteArray());
    }

    /** The value of the first sample of {@code name} whose labels contain {@code label}, from the management port. */
    private double metric(String name, String label) {
        String all = given().get(metrics).then().statusCode(200).extract().asString();
        return all.lines().filter(l -> (l.startsWith(name + "{") || l.startsWith(name + " ")) && l.contains(label))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst()
                .orElseThrow(() -> new AssertionError(name + " {" + label + "} is not served: " + all));
    }

    /** An upload into {@code region}: its store is open (and has written its index) before the disk fills. */
    private static void openStore(String region) {
        given().auth().oauth2(Tokens.alice()).body(image(64 * 1024, System.nanoTime()))
                .put("/blobs/" + region + "/" + DataPlaneTest.SUB + "/open-" + UUID.randomUUID() + ".raw").then()
                .statusCode(201);
    }

    private Row job(String version) {
        var rows = pool.preparedQuery("SELECT state, attempts, last_error FROM replica_job WHERE lower(version_id) "
                        + "= $1 AND region = 'northeurope'")
                .execute(Tuple.of(version.toLowerCase(Locale.ROOT))).await().atMost(Duration.ofSeconds(10));
        return rows.size() == 0 ? null : rows.iterator().next();
    }
}

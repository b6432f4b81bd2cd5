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
import dev.imagegallery.replication.content.TenantStores;
import dev.imagegallery.replication.domain.ImageContent;
import dev.imagegallery.replication.service.ReplicationService;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "replication"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class ReplicationTest {
    @jakarta.inject.Inject
    TenantStores tenants;
    static final String SUB = Realms.CONTOSO_SUBSCRIPTION;
    private static boolean seeded;

    @BeforeEach
    void grants() {
        synchronized (ReplicationTest.class) {
            if (!seeded) {
                TestEvents.publishSeedGrants();
                await().atMost(Duration.ofSeconds(30)).until(() -> given().auth().oauth2(Tokens.alice())
                        .get("/blobs/westeurope/" + SUB + "/absent").then().extract().path("error.code")
                        .equals("BlobNotFound"));
                seeded = true;
            }
        }
    }

    static byte[] image(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        // a run of zeros: free space that costs nothing
        java.util.Arrays.fill(b, size / 4, size / 2, (byte) 0);
        return b;
    }

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void uploadAnswersDigestSizeAndUsedBytesAndReadsBackByteForByte() throws Exception {
        byte[] img = image(3 * 1024 * 1024 + 17, 1);
        String hex = sha(img);
        given().auth().oauth2(Tokens.alice()).header("X-Content-SHA256", "sha256:" + hex).body(img)
                .put("/blobs/westeurope/" + SUB + "/disk1.raw").then().statusCode(201)
                .body("digest", is("sha256:" + hex))
                .body("sizeBytes", is(img.length))
                .body("region", is("westeurope"))
                .body("format", is("raw"))
                .body("blobUri", is("http://localhost:8082/blobs/westeurope/" + SUB + "/disk1.raw"));
        // through a proxy (the front door, an Ingress), the URI names the host the client called
        int used = given().auth().oauth2(Tokens.alice()).body(img)
                .header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "gallery.example:8443")
                .put("/blobs/westeurope/" + SUB + "/disk1b.raw").then().statusCode(201)
                .body("blobUri", is("https://gallery.example:8443/blobs/westeurope/" + SUB + "/disk1b.raw"))
                .extract().path("usedBytes");
        assertTrue(used < img.length * 0.8, "zero runs are not counted as used: " + used);
        byte[] back = given().auth().oauth2(Tokens.alice()).get("/blobs/westeurope/" + SUB + "/disk1.raw")
                .then().statusCode(200).extract().asByteArray();
        assertArrayEquals(img, back);
    }

    @Test
    void aWrongDigestIs400AndStoresNothing() {
        byte[] img = image(100_000, 2);
        given().auth().oauth2(Tokens.alice()).header("X-Content-SHA256", "0".repeat(64)).body(img)
                .put("/blobs/westeurope/" + SUB + "/bad.raw").then().statusCode(400)
                .body("error.code", is("ContentDigestMismatch"));
        given().auth().oauth2(Tokens.alice()).get("/blobs/westeurope/" + SUB + "/bad.raw").then().statusCode(404)
                .body("error.code", is("BlobNotFound"));
    }

    @Test
    void unknownRegionBadNamesAndAccessAreArmErrors() {
        given().auth().oauth2(Tokens.alice()).body(new byte[10]).put("/blobs/mars/" + SUB + "/x.raw").then()
                .statusCode(404).body("error.code", is("RegionNotFound"));
        given().auth().oauth2(Tokens.alice()).body(new byte[10]).put("/blobs/westeurope/" + SUB + "/-bad").then()
                .statusCode(400).body("error.code", is("InvalidBlobName"));
        given().body(new byte[10]).put("/blobs/westeurope/" + SUB + "/x.raw").then().statusCode(401);
        given().auth().oauth2(Tokens.carol()).body(new byte[10]).put("/blobs/westeurope/" + SUB + "/x.raw").then()
                .statusCode(404).body("error.code", is("SubscriptionNotFound"));
        given().auth().oauth2(Tokens.bob()).body(new byte[10]).put("/blobs/westeurope/" + SUB + "/x.raw").then()
                .statusCode(404);
    }

    @Test
    void aPublishedVersionIsCopiedToEveryRegionAndReplicaWithEgressCounted() throws Exception {
        byte[] img = image(2 * 1024 * 1024, System.nanoTime()); // new content: stores persist between runs
        given().auth().oauth2(Tokens.alice()).body(img).put("/blobs/westeurope/" + SUB + "/v1.raw").then()
                .statusCode(201);
        String version = "/subscriptions/" + SUB + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/"
                + "i/versions/1.0." + Math.abs(UUID.randomUUID().hashCode() % 100000);
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_PUBLISHED, version,
                new Payloads.VersionPublished(version, SUB, "contoso",
                        BlobRef.parse("http://localhost:8082/blobs/westeurope/" + SUB + "/v1.raw"), 0, List.of(
                        new Payloads.TargetRegion("westeurope", 1, "Standard_LRS"),
                        new Payloads.TargetRegion("northeurope", 2, "Standard_ZRS")))));
        List<CloudEvent> events = TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30),
                seen -> seen.stream().filter(e -> e.subject().equals(version)
                        && e.type().equals(EventTypes.REPLICA_COMPLETED)).count() == 2);
        var mine = events.stream().filter(e -> e.subject().equals(version)).toList();
        var completed = mine.stream().filter(e -> e.type().equals(EventTypes.REPLICA_COMPLETED))
                .map(e -> e.dataAs(Payloads.ReplicaCompleted.class)).toList();
        assertEquals(2, completed.size(), "one ReplicaCompleted per region: " + mine);
        var north = completed.stream().filter(c -> c.region().equals("northeurope")).findFirst().orElseThrow();
        assertEquals(2, north.replicaCount());
        assertEquals(img.length, north.logicalBytesPerReplica());
        assertTrue(north.physicalBytesPerReplica() > 0 && north.physicalBytesPerReplica() <= img.length,
                "one replica stores the distinct non-zero chunks");
        assertEquals("sha256:" + sha(img), north.digest());
        var egress = mine.stream().filter(e -> e.type().equals(EventTypes.EGRESS_TRANSFERRED))
                .map(e -> e.dataAs(Payloads.EgressTransferred.class)).toList();
        assertEquals(1, egress.size(), "only westeurope to northeurope crosses regions");
        assertEquals("northeurope", egress.get(0).destinationRegion());
        assertTrue(egress.get(0).bytes() > 0 && egress.get(0).bytes() < img.length, "zeros do not cross");
    }

    /**
     * A PATCH that changes a region's replica count (catalog-service queues the region again and sends
     * VersionTargetRegionsChanged) is copied to the new count and reported: it was ignored, and the region stayed
     * queued in the catalog for good.
     */
    @Test
    void aChangedReplicaCountIsCopiedAgainAndReportedWithTheNewCount() throws Exception {
        byte[] img = image(1024 * 1024, System.nanoTime());
        given().auth().oauth2(Tokens.alice()).body(img).put("/blobs/westeurope/" + SUB + "/recount.raw").then()
                .statusCode(201);
        String version = "/subscriptions/" + SUB + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/"
                + "recount/versions/1.0." + Math.abs(UUID.randomUUID().hashCode() % 100000);
        BlobRef blob = BlobRef.parse("http://localhost:8082/blobs/westeurope/" + SUB + "/recount.raw");
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_PUBLISHED, version,
                new Payloads.VersionPublished(version, SUB, "contoso", blob, 0, List.of(
                        new Payloads.TargetRegion("westeurope", 1, "Standard_LRS"),
                        new Payloads.TargetRegion("northeurope", 1, "Standard_LRS")))));
        TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30), seen -> completions(seen, version) == 2);
        for (int count : new int[]{3, 2}) {
            int before = count == 3 ? 2 : 3;
            TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests",
                    EventTypes.VERSION_TARGET_REGIONS_CHANGED, version, new Payloads.VersionTargetRegionsChanged(
                            version, SUB, "contoso", blob, List.of(
                            new Payloads.TargetRegion("westeurope", 1, "Standard_LRS"),
                            new Payloads.TargetRegion("northeurope", count, "Standard_LRS")), List.of())));
            List<CloudEvent> events = TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30),
                    seen -> completions(seen, version) == before + 1);
            var last = events.stream().filter(e -> e.subject().equals(version)
                            && e.type().equals(EventTypes.REPLICA_COMPLETED))
                    .map(e -> e.dataAs(Payloads.ReplicaCompleted.class)).reduce((a, b) -> b).orElseThrow();
            assertEquals("northeurope", last.region());
            assertEquals(count, last.replicaCount());
            // the region holds that many copies, no more: a replica past a lowered count kept its copy (and its
            // disk) until the version was deleted
            RegionStores stores = tenants.of(Realms.CONTOSO);
            for (int r = 0; r < 3; r++) {
                assertEquals(r < count, stores.store("northeurope", r).ref(ReplicationService.versionRef(version))
                        .isPresent(), "replica " + r + " of " + count);
            }
        }
        byte[] back = given().auth().oauth2(Tokens.alice()).get("/blobs/westeurope/" + SUB + "/recount.raw").then()
                .statusCode(200).extract().asByteArray();
        assertEquals(sha(img), sha(back));
    }

    /**
     * A version deleted and published again at once (a DELETE, then a PUT of the same name) is copied again: the new
     * VersionPublished found the old jobs Deleted but not yet purged and skipped them, and the version stayed Creating.
     */
    @Test
    void aVersionPublishedAgainRightAfterItsDeletionIsCopiedAgain() throws Exception {
        byte[] img = image(1024 * 1024, System.nanoTime());
        given().auth().oauth2(Tokens.alice()).body(img).put("/blobs/westeurope/" + SUB + "/again.raw").then()
                .statusCode(201);
        String version = "/subscriptions/" + SUB + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/"
                + "again/versions/1.0." + Math.abs(UUID.randomUUID().hashCode() % 100000);
        CloudEvent published = CloudEvent.of("/tests", EventTypes.VERSION_PUBLISHED, version,
                new Payloads.VersionPublished(version, SUB, "contoso",
                        BlobRef.parse("http://localhost:8082/blobs/westeurope/" + SUB + "/again.raw"), 0, List.of(
                        new Payloads.TargetRegion("westeurope", 1, "Standard_LRS"),
                        new Payloads.TargetRegion("northeurope", 1, "Standard_LRS"))));
        TestEvents.publish(EventTypes.CATALOG_TOPIC, published);
        TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30), seen -> completions(seen, version) == 2);
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_DELETED, version,
                new Payloads.VersionDeleted(version, SUB)));
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_PUBLISHED, version,
                published.dataAs(Payloads.VersionPublished.class)));
        List<CloudEvent> events = TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30),
                seen -> completions(seen, version) == 4);
        assertEquals(4, completions(events, version), "each region completed again after its deletion");
        assertEquals(2, events.stream().filter(e -> e.subject().equals(version)
                && e.type().equals(EventTypes.REPLICA_DELETED)).count());
        // the content is there to download after the purges that were due
        Thread.sleep(2_000);
        given().auth().oauth2(Tokens.alice()).get("/download/northeurope" + version + "?api-version=2024-03-03").then().statusCode(200);
        // the id's fixed words in any case, as Azure hands ids out (resourcegroups) and clients send them back
        given().auth().oauth2(Tokens.alice()).get("/download/northeurope" + version.replace("resourceGroups",
                "resourcegroups").replace("Microsoft.Compute", "microsoft.compute") + "?api-version=2024-03-03").then()
                .statusCode(200);
    }

    /**
     * A region added to a version later (VersionTargetRegionsChanged names the source blob again) gets the version's
     * content, whatever the blob holds by then: it took the blob's content of the moment, so a blob uploaded again
     * gave the new region other bytes than the version's first region, and a deleted blob failed the region ("does
     * not exist") though the version's content was in the stores.
     */
    @Test
    void aRegionAddedLaterGetsTheVersionsContentNotWhatItsBlobHoldsNow() throws Exception {
        byte[] img = image(1024 * 1024, System.nanoTime());
        String blobPath = "/blobs/westeurope/" + SUB + "/changes.raw";
        given().auth().oauth2(Tokens.alice()).body(img).put(blobPath).then().statusCode(201);
        BlobRef blob = BlobRef.parse("http://localhost:8082" + blobPath);
        // the PATCHes spell the version's resource group in another case, as ARM allows
        String version = "/subscriptions/" + SUB + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/"
                + "changes/versions/1.0." + Math.abs(UUID.randomUUID().hashCode() % 100000);
        String patched = version.replace("/resourceGroups/rg/", "/resourceGroups/RG/");
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_PUBLISHED, version,
                new Payloads.VersionPublished(version, SUB, "contoso", blob, 0, List.of(
                        new Payloads.TargetRegion("westeurope", 1, "Standard_LRS")))));
        TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30), seen -> completions(seen, version) == 1);

        byte[] other = image(1024 * 1024, System.nanoTime() + 1);
        given().auth().oauth2(Tokens.alice()).body(other).put(blobPath).then().statusCode(201);
        List<Payloads.TargetRegion> two = List.of(new Payloads.TargetRegion("westeurope", 1, "Standard_LRS"),
                new Payloads.TargetRegion("northeurope", 1, "Standard_LRS"));
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_TARGET_REGIONS_CHANGED,
                patched, new Payloads.VersionTargetRegionsChanged(patched, SUB, "contoso", blob, two, List.of())));
        List<CloudEvent> events = TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30),
                seen -> completions(seen, patched) == 1);
        var north = events.stream().filter(e -> e.subject().equals(patched)
                && e.type().equals(EventTypes.REPLICA_COMPLETED)).map(e -> e.dataAs(Payloads.ReplicaCompleted.class))
                .findFirst().orElseThrow();
        assertEquals("northeurope", north.region());
        assertEquals("sha256:" + sha(img), north.digest(), "the version's content, not the blob's new one");
        byte[] copied = given().auth().oauth2(Tokens.alice()).get("/download/northeurope" + version
                + "?api-version=2024-03-03").then().statusCode(200).extract().asByteArray();
        assertEquals(sha(img), sha(copied));

        given().auth().oauth2(Tokens.alice()).delete(blobPath).then().statusCode(202);
        List<Payloads.TargetRegion> three = new java.util.ArrayList<>(two);
        three.add(new Payloads.TargetRegion("eastus", 1, "Standard_LRS"));
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_TARGET_REGIONS_CHANGED,
                patched, new Payloads.VersionTargetRegionsChanged(patched, SUB, "contoso", blob, three, List.of())));
        events = TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30),
                seen -> completions(seen, patched) == 2 || seen.stream().anyMatch(e -> e.subject().equals(patched)
                        && e.type().equals(EventTypes.REPLICA_FAILED)));
        var mine = events.stream().filter(e -> e.subject().equals(patched)).toList();
        assertTrue(mine.stream().noneMatch(e -> e.type().equals(EventTypes.REPLICA_FAILED)), mine.toString());
        var east = mine.stream().filter(e -> e.type().equals(EventTypes.REPLICA_COMPLETED))
                .map(e -> e.dataAs(Payloads.ReplicaCompleted.class)).filter(c -> c.region().equals("eastus"))
                .findFirst().orElseThrow();
        assertEquals("sha256:" + sha(img), east.digest(), "the blob is gone, the version's content is not");
    }

    /**
     * A version made from another version (VersionPublished.sourceVersionId) gets that version's content, whatever
     * their blob holds by then: it took the blob's content of the moment.
     */
    @Test
    void aVersionMadeFromAVersionGetsItsContentNotWhatTheBlobHoldsNow() throws Exception {
        byte[] img = image(1024 * 1024, System.nanoTime());
        String blobPath = "/blobs/westeurope/" + SUB + "/from-version.raw";
        given().auth().oauth2(Tokens.alice()).body(img).put(blobPath).then().statusCode(201);
        BlobRef blob = BlobRef.parse("http://localhost:8082" + blobPath);
        String base = "/subscriptions/" + SUB + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/"
                + "fromversion/versions/";
        int n = Math.abs(UUID.randomUUID().hashCode() % 100000);
        String first = base + "1.0." + n;
        String second = base + "2.0." + n;
        List<Payloads.TargetRegion> west = List.of(new Payloads.TargetRegion("westeurope", 1, "Standard_LRS"));
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_PUBLISHED, first,
                new Payloads.VersionPublished(first, SUB, "contoso", blob, 0, west)));
        TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30), seen -> completions(seen, first) == 1);

        given().auth().oauth2(Tokens.alice()).body(image(1024 * 1024, System.nanoTime() + 1)).put(blobPath).then()
                .statusCode(201);
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_PUBLISHED, second,
                new Payloads.VersionPublished(second, SUB, "contoso", blob, 0, List.of(
                        new Payloads.TargetRegion("westeurope", 1, "Standard_LRS"),
                        new Payloads.TargetRegion("northeurope", 1, "Standard_LRS")), Payloads.VersionPublished.FULL,
                        first)));
        List<CloudEvent> events = TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30),
                seen -> completions(seen, second) == 2);
        String want = "sha256:" + sha(img);
        events.stream().filter(e -> e.subject().equals(second) && e.type().equals(EventTypes.REPLICA_COMPLETED))
                .map(e -> e.dataAs(Payloads.ReplicaCompleted.class))
                .forEach(c -> assertEquals(want, c.digest(), c.region()));
    }

    /**
     * A version of a managed image (VersionPublished.sourceDigest: the image's content) whose content nothing holds
     * any more (its blob uploaded again before replication-service kept the image's content) fails in each region,
     * naming the blob: it was copied from the blob's new bytes. The same event with the blob's current digest (an image
     * made from the new upload) completes.
     */
    @Test
    void aVersionOfAnImageWhoseBlobHoldsOtherContentNowIsNotCopied() throws Exception {
        byte[] img = image(1024 * 1024, System.nanoTime());
        String blobPath = "/blobs/westeurope/" + SUB + "/image-again.raw";
        given().auth().oauth2(Tokens.alice()).body(img).put(blobPath).then().statusCode(201);
        byte[] again = image(1024 * 1024, System.nanoTime() + 1);
        given().auth().oauth2(Tokens.alice()).body(again).put(blobPath).then().statusCode(201);
        BlobRef blob = BlobRef.parse("http://localhost:8082" + blobPath);
        String base = "/subscriptions/" + SUB + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/"
                + "imageagain/versions/";
        int n = Math.abs(UUID.randomUUID().hashCode() % 100000);
        String stale = base + "1.0." + n;
        String fresh = base + "2.0." + n;
        List<Payloads.TargetRegion> two = List.of(new Payloads.TargetRegion("westeurope", 1, "Standard_LRS"),
                new Payloads.TargetRegion("northeurope", 1, "Standard_LRS"));
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_PUBLISHED, stale,
                new Payloads.VersionPublished(stale, SUB, "contoso", blob, 0, two, Payloads.VersionPublished.FULL,
                        null, sha(img))));
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_PUBLISHED, fresh,
                new Payloads.VersionPublished(fresh, SUB, "contoso", blob, 0, two, Payloads.VersionPublished.FULL,
                        null, sha(again))));
        List<CloudEvent> events = TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30),
                seen -> completions(seen, fresh) == 2 && seen.stream().filter(e -> e.subject().equals(stale)
                        && e.type().equals(EventTypes.REPLICA_FAILED)).count() == 2);
        var failed = events.stream().filter(e -> e.subject().equals(stale)).toList();
        assertTrue(failed.stream().noneMatch(e -> e.type().equals(EventTypes.REPLICA_COMPLETED)), failed.toString());
        failed.stream().filter(e -> e.type().equals(EventTypes.REPLICA_FAILED))
                .map(e -> e.dataAs(Payloads.ReplicaFailed.class))
                .forEach(f -> assertTrue(f.reason().contains("is no longer held: its blob"), f.reason()));
        String want = "sha256:" + sha(again);
        events.stream().filter(e -> e.subject().equals(fresh) && e.type().equals(EventTypes.REPLICA_COMPLETED))
                .map(e -> e.dataAs(Payloads.ReplicaCompleted.class))
                .forEach(c -> assertEquals(want, c.digest(), c.region()));
    }

    /**
     * A managed image keeps the content it was created from (ManagedImageChanged), as Azure's keeps its own copy: its
     * blob uploaded again and then deleted, a version of the image (VersionPublished.sourceDigest) still gets the
     * image's bytes in every region. Its deletion lets the content go.
     */
    @Test
    void aManagedImageKeepsItsContentWhateverHappensToItsBlob() throws Exception {
        byte[] img = image(1024 * 1024, System.nanoTime());
        String blobPath = "/blobs/westeurope/" + SUB + "/kept.raw";
        given().auth().oauth2(Tokens.alice()).body(img).put(blobPath).then().statusCode(201);
        BlobRef blob = BlobRef.parse("http://localhost:8082" + blobPath);
        int n = Math.abs(UUID.randomUUID().hashCode() % 100000);
        String imageId = "/subscriptions/" + SUB + "/resourceGroups/rg/providers/Microsoft.Compute/images/kept-" + n;
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.MANAGED_IMAGE_CHANGED, imageId,
                new Payloads.ManagedImageChanged(imageId, SUB, "contoso", blob, sha(img), false)));
        String ref = ImageContent.refOf(ImageContent.keyOf(imageId));
        var west = tenants.of(Realms.CONTOSO).store("westeurope", 0);
        await().atMost(Duration.ofSeconds(30)).until(() -> west.ref(ref).isPresent());
        assertEquals(sha(img), west.ref(ref).orElseThrow());

        // the blob uploaded again, then deleted (each collects what nothing references)
        given().auth().oauth2(Tokens.alice()).body(image(1024 * 1024, System.nanoTime() + 1)).put(blobPath).then()
                .statusCode(201);
        given().auth().oauth2(Tokens.alice()).delete(blobPath).then().statusCode(202);
        String version = "/subscriptions/" + SUB + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/"
                + "kept/versions/1.0." + n;
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_PUBLISHED, version,
                new Payloads.VersionPublished(version, SUB, "contoso", blob, 0, List.of(
                        new Payloads.TargetRegion("westeurope", 1, "Standard_LRS"),
                        new Payloads.TargetRegion("northeurope", 1, "Standard_LRS")), Payloads.VersionPublished.FULL,
                        null, sha(img))));
        List<CloudEvent> events = TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30),
                seen -> completions(seen, version) == 2 || seen.stream().anyMatch(e -> e.subject().equals(version)
                        && e.type().equals(EventTypes.REPLICA_FAILED)));
        var mine = events.stream().filter(e -> e.subject().equals(version)).toList();
        assertTrue(mine.stream().noneMatch(e -> e.type().equals(EventTypes.REPLICA_FAILED)), mine.toString());
        String want = "sha256:" + sha(img);
        mine.stream().filter(e -> e.type().equals(EventTypes.REPLICA_COMPLETED))
                .map(e -> e.dataAs(Payloads.ReplicaCompleted.class))
                .forEach(c -> assertEquals(want, c.digest(), c.region()));
        byte[] back = given().auth().oauth2(Tokens.alice()).get("/download/northeurope" + version
                + "?api-version=2024-03-03").then().statusCode(200).extract().asByteArray();
        assertArrayEquals(img, back);

        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.MANAGED_IMAGE_CHANGED, imageId,
                new Payloads.ManagedImageChanged(imageId, SUB, null, blob, sha(img), true)));
        await().atMost(Duration.ofSeconds(30)).until(() -> west.ref(ref).isEmpty());
    }

    private static long completions(List<CloudEvent> seen, String version) {
        return seen.stream().filter(e -> e.subject().equals(version) && e.type().equals(EventTypes.REPLICA_COMPLETED))
                .count();
    }
}

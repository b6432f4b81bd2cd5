package dev.imagegallery.catalog;

import dev.imagegallery.devstack.Hostile;
import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.devstack.TestEvents;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import static dev.imagegallery.catalog.CatalogTestSupport.*;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "catalog"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class CatalogApiTest {
    @Inject
    Pool pool;

    /**
     * Far from the quota, creates in one subscription and region do not wait for each other: one in flight (here a
     * transaction holding the quota's lock as a create does, until its commit) does not hold up the next. They used to
     * take the lock exclusively and queue through each other's commits (a burst of 1,000 versions from 8 clients took
     * 130 to 230 s); near the limit they still count one after another ({@code QuotaTest}).
     */
    @Test
    void createsFarFromTheLimitDoNotWaitForEachOther() {
        String g = gallery("side-by-side-" + UUID.randomUUID().toString().substring(0, 8));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody()).put(g + API).then()
                .statusCode(201);
        SqlConnection inFlight = pool.getConnection().await().atMost(Duration.ofSeconds(10));
        try {
            inFlight.query("BEGIN").execute().await().atMost(Duration.ofSeconds(10));
            inFlight.preparedQuery("SELECT pg_advisory_xact_lock_shared(hashtext($1))")
                    .execute(Tuple.of("quota/image definitions/" + SUB.toLowerCase(Locale.ROOT) + "/westeurope"))
                    .await().atMost(Duration.ofSeconds(10));
            String token = Tokens.alice();
            List<Hostile.Outcome> out = Hostile.parallel(List.of(() -> {
                var r = given().auth().oauth2(token).contentType(ContentType.JSON).body(imageBody("side"))
                        .put(g + "/images/side" + API);
                return new Hostile.Outcome(0, r.statusCode(), r.asString());
            }), Duration.ofSeconds(15));
            assertEquals(201, out.get(0).status(), () -> "a create beside one in flight: " + out);
        } finally {
            inFlight.query("ROLLBACK").execute().await().atMost(Duration.ofSeconds(10));
            inFlight.close().await().atMost(Duration.ofSeconds(10));
        }
    }

    static final String DIGEST = "sha256:" + "ab".repeat(32);

    @BeforeEach
    void grants() {
        seedGrants();
    }

    @Test
    void publishingAVersionEmitsVersionPublishedAndReplicationEventsCompleteIt() {
        String mi = RG + "/providers/Microsoft.Compute/images/ubuntu-src";
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(managedImageBody("ubuntu.raw"))
                .put(mi + MI_API).then().statusCode(201).body("properties.provisioningState", is("Succeeded"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody())
                .put(gallery("pubgallery") + API).then().statusCode(201)
                .body("id", is(gallery("pubgallery")))
                .body("type", is("Microsoft.Compute/galleries"))
                .body("properties.identifier.uniqueName", notNullValue());
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(imageBody("22_04"))
                .put(gallery("pubgallery") + "/images/ubuntu" + API).then().statusCode(201)
                .body("properties.identifier.sku", is("22_04"))
                .body("properties.hyperVGeneration", is("V2"));
        String version = gallery("pubgallery") + "/images/ubuntu/versions/1.0.0";
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(versionBody(mi, "westeurope", "northeurope"))
                .put(version + API).then().statusCode(201)
                .body("properties.provisioningState", is("Creating"))
                .body("properties.publishingProfile.targetRegions.name",
                        containsInAnyOrder("westeurope", "northeurope"));

        List<CloudEvent> events = TestEvents.read(EventTypes.CATALOG_TOPIC, Duration.ofSeconds(20),
                seen -> seen.stream().anyMatch(e -> e.subject().equals(version)));
        CloudEvent published = events.stream().filter(e -> e.subject().equals(version)).findFirst().orElseThrow();
        assertEquals(EventTypes.VERSION_PUBLISHED, published.type());
        var payload = published.dataAs(Payloads.VersionPublished.class);
        assertEquals("http://localhost:8082/blobs/westeurope/" + SUB + "/ubuntu.raw", payload.sourceBlob().uri());
        assertEquals("westeurope", payload.sourceBlob().region());
        assertEquals(2, payload.targetRegions().size());
        assertEquals(4096, payload.sizeBytes(), "the source blob's size, as its BlobCommitted said");
        assertNull(payload.sourceVersionId(), "made from a managed image");
        assertEquals("0".repeat(64), payload.sourceDigest(), "the image's content: its blob's when it was created");

        for (String region : List.of("westeurope", "northeurope")) {
            CloudEvent done = CloudEvent.of("/tests", EventTypes.REPLICA_COMPLETED, version,
                    new Payloads.ReplicaCompleted(version, SUB, region, 1, "Standard_LRS", DIGEST, 4096, 8192,
                            Instant.now()));
            TestEvents.publish(EventTypes.REPLICATION_TOPIC, done);
            TestEvents.publish(EventTypes.REPLICATION_TOPIC, done); // redelivery changes nothing
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth().oauth2(Tokens.alice())
                .get(version + API + "&$expand=ReplicationStatus").then().statusCode(200)
                .body("properties.provisioningState", is("Succeeded"))
                .body("properties.replicationStatus.aggregatedState", is("Completed"))
                .body("properties.replicationStatus.summary.state", is(List.of("Completed", "Completed")))
                .body("properties.storageProfile.osDiskImage.digest", is(DIGEST)));

        // a version made from this one names it: replication-service copies that version's content, whatever its
        // blob holds by then (it copied the blob's content of the moment)
        String copy = gallery("pubgallery") + "/images/ubuntu/versions/1.0.1";
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(versionBody(version.replace("/resourceGroups/", "/resourcegroups/"), "westeurope"))
                .put(copy + API).then().statusCode(201);
        CloudEvent copied = TestEvents.read(EventTypes.CATALOG_TOPIC, Duration.ofSeconds(20),
                seen -> seen.stream().anyMatch(e -> e.subject().equals(copy))).stream()
                .filter(e -> e.subject().equals(copy)).findFirst().orElseThrow();
        var copyPayload = copied.dataAs(Payloads.VersionPublished.class);
        assertEquals(version, copyPayload.sourceVersionId(), "the source version's id as stored");
        assertEquals(payload.sourceBlob(), copyPayload.sourceBlob());
        assertNull(copyPayload.sourceDigest(), "the source version's content is what is copied");
    }

    /** A gallery and a definition named "providers" are made and reached (their children were 400, a probe). */
    @Test
    void aGalleryAndADefinitionNamedProvidersAreReached() {
        String g = gallery("providers");
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody())
                .put(g + API).then().statusCode(201);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(imageBody("providers-sku"))
                .put(g + "/images/providers" + API).then().statusCode(201);
        given().auth().oauth2(Tokens.alice()).get(g + "/images/providers/versions" + API).then().statusCode(200);
        given().auth().oauth2(Tokens.alice()).get(g + "/images" + API).then().statusCode(200)
                .body("value.name", org.hamcrest.Matchers.hasItem("providers"));
        given().auth().oauth2(Tokens.alice()).delete(g + "/images/providers" + API).then().statusCode(200);
        given().auth().oauth2(Tokens.alice()).delete(g + API).then().statusCode(200);
    }

    @Test
    void creatingAndDeletingADefinitionTellsAccessService() {
        String g = gallery("defevents");
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody())
                .put(g + API).then().statusCode(201);
        String d = g + "/images/scoped";
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(imageBody("scoped-sku"))
                .put(d + API).then().statusCode(201);
        given().auth().oauth2(Tokens.alice()).delete(d + API).then().statusCode(200);
        List<CloudEvent> events = TestEvents.read(EventTypes.CATALOG_TOPIC, Duration.ofSeconds(20), seen -> seen
                .stream().filter(e -> e.type().equals(EventTypes.IMAGE_DEFINITION_CHANGED)
                        && e.subject().equals(d)).count() == 2);
        assertEquals(List.of(false, true), events.stream()
                .filter(e -> e.type().equals(EventTypes.IMAGE_DEFINITION_CHANGED) && e.subject().equals(d))
                .map(e -> e.dataAs(Payloads.ImageDefinitionChanged.class))
                .peek(p -> assertEquals(SUB, p.subscriptionId()))
                .map(Payloads.ImageDefinitionChanged::deleted).toList());
    }

    @Test
    void withoutATokenIs401() {
        given().get(gallery("any") + API).then().statusCode(401).body("error.code", is("AuthenticationFailed"));
    }

    @Test
    void carolWithoutARoleAndBobOfAnotherTenantAreBoth404() {
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody())
                .put(gallery("private") + API).then().statusCode(201);
        // no role anywhere in the subscription: what it holds is as secret to carol as to another tenant
        given().auth().oauth2(Tokens.carol()).get(gallery("private") + API).then().statusCode(404)
                .body("error.code", is("SubscriptionNotFound"));
        given().auth().oauth2(Tokens.bob()).get(gallery("private") + API).then().statusCode(404);
    }

    @Test
    void eachResourceTypeTakesTheApiVersionsAzureTakesForIt() {
        String token = Tokens.alice();
        String images = RG + "/providers/Microsoft.Compute/images";
        String subImages = "/subscriptions/" + SUB + "/providers/Microsoft.Compute/images";
        String galleries = RG + "/providers/Microsoft.Compute/galleries";
        for (String v : List.of("2024-03-01", "2024-07-01", "2024-11-01", "2025-04-01", "2026-04-01")) {
            given().auth().oauth2(token).get(images + "?api-version=" + v).then().statusCode(200);
            given().auth().oauth2(token).get(subImages + "?api-version=" + v).then().statusCode(200);
            given().auth().oauth2(token).get(galleries + "?api-version=" + v).then().statusCode(400)
                    .body("error.code", is("InvalidApiVersionParameter")).body("error.target", is("api-version"));
        }
        for (String v : List.of("2022-03-03", "2022-08-03", "2023-07-03", "2024-03-03", "2025-03-03", "2025-12-03")) {
            given().auth().oauth2(token).get(galleries + "?api-version=" + v).then().statusCode(200);
            given().auth().oauth2(token).get(images + "?api-version=" + v).then().statusCode(400)
                    .body("error.code", is("InvalidApiVersionParameter")).body("error.target", is("api-version"));
        }
        given().auth().oauth2(token).get(images + "?api-version=2026-12-01").then().statusCode(400)
                .body("error.target", is("api-version"));
        // given twice alike, that version; two different ones name none to serve in (it took the first before)
        given().auth().oauth2(token).get(galleries + "?api-version=2024-03-03&api-version=2024-03-03").then()
                .statusCode(200);
        given().auth().oauth2(token).get(galleries + "?api-version=2024-03-03&api-version=2025-03-03").then()
                .statusCode(400).body("error.code", is("InvalidApiVersionParameter"))
                .body("error.target", is("api-version"))
                .body("error.message", org.hamcrest.Matchers.containsString("'2024-03-03,2025-03-03'"));
    }

    @Test
    void badInputIsAnArmError() {
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody())
                .put(gallery("_bad") + API).then().statusCode(400).body("error.code", is("InvalidGalleryName"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody())
                .put(gallery("ok") + "?api-version=2019-01-01").then().statusCode(400)
                .body("error.code", is("InvalidApiVersionParameter"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body("{\"location\":")
                .put(gallery("ok") + API).then().statusCode(400).body("error.code", is("InvalidRequestContent"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body("{\"location\":\"mars\"}")
                .put(gallery("ok") + API).then().statusCode(400).body("error.target", is("location"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody())
                .put(gallery("badimages") + API).then().statusCode(201);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(imageBody("x").replace("\"Linux\"", "\"Solaris\""))
                .put(gallery("badimages") + "/images/i1" + API).then().statusCode(400)
                .body("error.target", is("properties.osType"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(imageBody("dup"))
                .put(gallery("badimages") + "/images/i1" + API).then().statusCode(201);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(imageBody("dup"))
                .put(gallery("badimages") + "/images/i2" + API).then().statusCode(409)
                .body("error.code", is("GalleryImageIdentifierConflict"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(versionBody(RG + "/providers/Microsoft.Compute/images/none", "westeurope"))
                .put(gallery("badimages") + "/images/i1/versions/1.0.4294967296" + API).then().statusCode(400)
                .body("error.code", is("InvalidGalleryImageVersionName"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(versionBody(RG + "/providers/Microsoft.Compute/images/none", "northeurope"))
                .put(gallery("badimages") + "/images/i1/versions/1.0.0" + API).then().statusCode(400)
                .body("error.target", is("properties.publishingProfile.targetRegions"));
        given().auth().oauth2(Tokens.alice()).delete(gallery("badimages") + API).then().statusCode(409)
                .body("error.code", is("GalleryNotEmpty"));
    }

    /**
     * A definition keeps the location and architecture it was created with, as a gallery and a version keep theirs: a
     * PUT of the same definition in another location (or a name differing only in case) moved it, out of its
     * location's quota, and a PUT naming {@code Arm64} changed the architecture its published versions were built for;
     * a PATCH naming another location was ignored.
     */
    @Test
    void aDefinitionKeepsItsLocationAndArchitecture() {
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody())
                .put(gallery("fixeddefs") + API).then().statusCode(201);
        String def = gallery("fixeddefs") + "/images/Def1";
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(imageBody("fixed"))
                .put(def + API).then().statusCode(201);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(imageBody("fixed").replace("westeurope", "northeurope"))
                .put(gallery("fixeddefs") + "/images/def1" + API).then().statusCode(409)
                .body("error.code", is("PropertyChangeNotAllowed")).body("error.target", is("location"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(imageBody("fixed").replace("\"osType\"", "\"architecture\":\"Arm64\",\"osType\""))
                .put(def + API).then().statusCode(409)
                .body("error.code", is("PropertyChangeNotAllowed")).body("error.target", is("properties.architecture"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body("{\"location\":\"northeurope\"}")
                .patch(def + API).then().statusCode(409)
                .body("error.code", is("PropertyChangeNotAllowed")).body("error.target", is("location"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body("{\"location\":\"West Europe\"}")
                .patch(def + API).then().statusCode(200);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(imageBody("fixed")
                        .replace("westeurope", "West Europe").replace("\"osType\"", "\"architecture\":\"x64\",\"osType\""))
                .put(def + API).then().statusCode(200);
        given().auth().oauth2(Tokens.alice()).get(def + API).then().statusCode(200)
                .body("location", is("westeurope")).body("properties.architecture", is("x64"));
    }

    @Test
    void galleriesAreListedByResourceGroupAndSubscriptionWithPaging() {
        for (int i = 0; i < 3; i++) {
            given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody())
                    .put(gallery("paged" + i) + API).then().statusCode(201);
        }
        String next = given().auth().oauth2(Tokens.alice())
                .get(RG + "/providers/Microsoft.Compute/galleries" + API + "&$top=2").then().statusCode(200)
                .body("value.size()", is(2)).extract().path("nextLink");
        given().auth().oauth2(Tokens.alice()).get(next).then().statusCode(200).body("value.name", hasItem("paged2"));
    }

    @Test
    void aBlobUriOnTheHostTheClientCalledThroughAProxyIsThisSystemsDataPlane() {
        uploaded("proxied.raw");
        String mi = RG + "/providers/Microsoft.Compute/images/proxied";
        String onDoor = "https://gallery.example:8443/blobs/westeurope/" + SUB + "/proxied.raw";
        String body = "{\"location\":\"westeurope\",\"properties\":{\"storageProfile\":{\"osDisk\":{"
                + "\"osType\":\"Linux\",\"osState\":\"Generalized\",\"blobUri\":\"" + onDoor + "\"}}}}";
        // straight to catalog-service, a blob URI on a host that is not the data plane is refused by name
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(body).put(mi + MI_API).then()
                .statusCode(400).body("error.target", is("properties.storageProfile.osDisk.blobUri"));
        // through the front door, an upload's URI names the door (replication-service answers it so): accepted
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "gallery.example:8443")
                .body(body).put(mi + MI_API).then().statusCode(201)
                .body("properties.storageProfile.osDisk.blobUri", is(onDoor));
        // and only the door it came through
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "other.example")
                .body(body).put(RG + "/providers/Microsoft.Compute/images/proxied2" + MI_API).then().statusCode(400)
                .body("error.target", is("properties.storageProfile.osDisk.blobUri"));
    }

    @Test
    void aNextLinkIsOnTheHostTheClientCalledAndKeepsItsQuery() {
        for (int i = 0; i < 3; i++) {
            given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody())
                    .put(gallery("door" + i) + API).then().statusCode(201);
        }
        String list = RG + "/providers/Microsoft.Compute/galleries";
        String query = API + "&$top=2&x-note=a%20b";
        // behind the front door, which says where the client called (X-Forwarded-* or RFC 7239's Forwarded)
        String next = given().urlEncodingEnabled(false).auth().oauth2(Tokens.alice())
                .header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "gallery.example:8443")
                .get(list + query).then().statusCode(200).extract().path("nextLink");
        assertTrue(next.startsWith("https://gallery.example:8443" + list + query + "&%24skiptoken="), next);
        String viaForwarded = given().urlEncodingEnabled(false).auth().oauth2(Tokens.alice())
                .header("Forwarded", "proto=https;host=front.example")
                .get(list + query).then().statusCode(200).extract().path("nextLink");
        assertTrue(viaForwarded.startsWith("https://front.example" + list + query + "&%24skiptoken="), viaForwarded);
        // following it replaces the token and nothing else
        String third = given().urlEncodingEnabled(false).auth().oauth2(Tokens.alice())
                .header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "gallery.example:8443")
                .get(next.substring("https://gallery.example:8443".length())).then().statusCode(200)
                .body("value.size()", is(2)).extract().path("nextLink");
        assertTrue(third.startsWith("https://gallery.example:8443" + list + query + "&%24skiptoken="), third);
        assertEquals(1, third.split("skiptoken=", -1).length - 1, third);
        // without a front door, the host the client called
        String direct = given().urlEncodingEnabled(false).auth().oauth2(Tokens.alice()).get(list + query).then()
                .statusCode(200).extract().path("nextLink");
        assertTrue(direct.startsWith("http://localhost:"), direct);
        // a token is one list's: the galleries' token on the managed images' list is refused
        String token = next.substring(next.indexOf("%24skiptoken=") + "%24skiptoken=".length());
        given().auth().oauth2(Tokens.alice())
                .get(RG + "/providers/Microsoft.Compute/images" + MI_API + "&$skiptoken=" + token).then()
                .statusCode(400).body("error.code", is("InvalidParameter")).body("error.target", is("$skiptoken"));
    }
}

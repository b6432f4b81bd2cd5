package dev.imagegallery.catalog;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static dev.imagegallery.catalog.CatalogTestSupport.*;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The version rules of issue 3: each test fails when its rule is removed. */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "catalog"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class VersionRulesTest {
    static final String MI = RG + "/providers/Microsoft.Compute/images/rules-src";

    @BeforeEach
    void setUp() {
        seedGrants();
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(managedImageBody("rules.raw"))
                .put(MI + MI_API).then().statusCode(org.hamcrest.Matchers.anyOf(is(200), is(201)));
    }

    /** A fresh gallery and definition (recommended 2..16 vCPUs), optionally with soft delete. */
    static String definition(boolean softDelete) {
        String g = "g" + UUID.randomUUID().toString().substring(0, 8);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"properties\":{\"softDeletePolicy\":{\"isSoftDeleteEnabled\":"
                        + softDelete + "}}}")
                .put(gallery(g) + API).then().statusCode(201);
        String def = gallery(g) + "/images/app";
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(imageBody("sku-" + g))
                .put(def + API).then().statusCode(201);
        return def;
    }

    /**
     * A definition's publisher, offer and sku hold letters, digits, hyphens, periods and underscores, as Azure's: a
     * {@code /}, a letter outside ASCII and a trailing space were taken (a hostile probe).
     */
    @Test
    void anIdentifierHoldsWhatAzureTakes() {
        String g = "g" + UUID.randomUUID().toString().substring(0, 8);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body("{\"location\":\"westeurope\"}")
                .put(gallery(g) + API).then().statusCode(201);
        String[][] bad = {{"a/b", "o", "s", "publisher"}, {"pé", "o", "s", "publisher"}, {"p", "o o", "s", "offer"},
                {"p", "o", "s ", "sku"}, {"p", "o", "s.", "sku"}, {"p", "o", "", "sku"}};
        for (String[] b : bad) {
            given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                    .body("{\"location\":\"westeurope\",\"properties\":{\"osType\":\"Linux\",\"osState\":"
                            + "\"Generalized\",\"identifier\":{\"publisher\":\"" + b[0] + "\",\"offer\":\"" + b[1]
                            + "\",\"sku\":\"" + b[2] + "\"}}}")
                    .put(gallery(g) + "/images/id" + API).then().statusCode(400)
                    .body("error.target", is("properties.identifier." + b[3]));
        }
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"properties\":{\"osType\":\"Linux\",\"osState\":"
                        + "\"Generalized\",\"identifier\":{\"publisher\":\"Corp.Linux_Team-1\",\"offer\":\"nginx\","
                        + "\"sku\":\"ubuntu-16.04\"}}}")
                .put(gallery(g) + "/images/id" + API).then().statusCode(201);
    }

    static ValidatableResponse putVersion(String def, String name, String body) {
        return given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(body)
                .put(def + "/versions/" + name + API).then();
    }

    static void complete(String versionId, String region) {
        TestEvents.publish(EventTypes.REPLICATION_TOPIC, CloudEvent.of("/tests", EventTypes.REPLICA_COMPLETED,
                versionId, new Payloads.ReplicaCompleted(versionId, SUB, region, 1, "Standard_LRS",
                        digestOf(region), 1024, 2048, Instant.now())));
    }

    /** A digest of the region's name (tells apart which region a resolution picked). */
    static String digestOf(String region) {
        return "sha256:" + String.format("%064x", new java.math.BigInteger(1, region.getBytes()));
    }

    static void awaitCompleted(String versionId, String region) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth().oauth2(Tokens.alice())
                .get(versionId + API + "&$expand=ReplicationStatus").then().statusCode(200)
                .body("properties.replicationStatus.summary.find { it.region == '" + region + "' }.state",
                        is("Completed")));
    }

    static ValidatableResponse resolve(String reference, String location, String vmSize) {
        return given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body("{\"imageReference\":{\"id\":\"" + reference + "\"}" + (vmSize == null ? "" : ",\"vmSize\":"
                        + vmSize) + "}")
                .post("/subscriptions/" + SUB + "/providers/Microsoft.Compute/locations/" + location
                        + "/resolveImageReference" + API).then();
    }

    @Test
    void latestIsResolvedPerLocationAndAVersionStillReplicatingIsNotLatestThere() {
        String def = definition(false);
        putVersion(def, "1.0.0", versionBody(MI, "westeurope", "northeurope")).statusCode(201);
        complete(def + "/versions/1.0.0", "westeurope");
        complete(def + "/versions/1.0.0", "northeurope");
        awaitCompleted(def + "/versions/1.0.0", "northeurope");
        putVersion(def, "1.1.0", versionBody(MI, "westeurope", "northeurope")).statusCode(201);
        complete(def + "/versions/1.1.0", "westeurope");
        awaitCompleted(def + "/versions/1.1.0", "westeurope");

        resolve(def, "westeurope", null).statusCode(200).body("exactVersion", is("1.1.0"))
                .body("digest", is(digestOf("westeurope")))
                .body("downloadUrl", is("http://localhost:8082/download/westeurope" + def + "/versions/1.1.0"));
        // through a proxy (the front door), the download URL is on the host the client called
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "gallery.example:8443")
                .body("{\"imageReference\":{\"id\":\"" + def + "\"}}")
                .post("/subscriptions/" + SUB + "/providers/Microsoft.Compute/locations/westeurope"
                        + "/resolveImageReference" + API).then().statusCode(200)
                .body("downloadUrl", is("https://gallery.example:8443/download/westeurope" + def + "/versions/1.1.0"));
        // 1.1.0 is still replicating to northeurope: latest there stays 1.0.0
        resolve(def + "/versions/latest", "northeurope", null).statusCode(200).body("exactVersion", is("1.0.0"));
        resolve(def + "/versions/1.1.0", "northeurope", null).statusCode(404)
                .body("error.code", is("ImageVersionNotReadyInLocation"));
        resolve(def, "eastus", null).statusCode(404).body("error.code", is("NoImageVersionReadyInLocation"));
    }

    /** Ordering is numeric, Major then Minor then Patch: each row publishes versions and names the latest. */
    @Test
    void versionOrderingIsNumericPerPart() {
        String[][] table = {
                {"1.9.9", "1.10.0", "1.10.0"},
                {"1.99.99", "2.0.0", "2.0.0"},
                {"0.0.9", "0.0.10", "0.0.10"},
                {"10.0.0", "9.9.9", "10.0.0"},
                {"2147483647.0.0", "2147483646.9.9", "2147483647.0.0"},
        };
        for (String[] row : table) {
            String def = definition(false);
            for (int i = 0; i < row.length - 1; i++) {
                putVersion(def, row[i], versionBody(MI, "westeurope")).statusCode(201);
                complete(def + "/versions/" + row[i], "westeurope");
                awaitCompleted(def + "/versions/" + row[i], "westeurope");
            }
            resolve(def, "westeurope", null).statusCode(200).body("exactVersion", is(row[row.length - 1]));
        }
    }

    @Test
    void excludedDeprecatedAndDisabledVersionsAreNeverLatest() {
        String def = definition(false);
        for (String v : List.of("1.0.0", "1.0.1", "1.0.2", "2.0.0")) {
            putVersion(def, v, versionBody(MI, "westeurope")).statusCode(201);
            complete(def + "/versions/" + v, "westeurope");
            awaitCompleted(def + "/versions/" + v, "westeurope");
        }
        resolve(def, "westeurope", null).body("exactVersion", is("2.0.0"));
        patch(def + "/versions/2.0.0", "{\"properties\":{\"publishingProfile\":{\"excludeFromLatest\":true}}}")
                .statusCode(200);
        resolve(def, "westeurope", null).body("exactVersion", is("1.0.2"));
        patch(def + "/versions/1.0.2", "{\"properties\":{\"lifecycleProfile\":{\"state\":\"Deprecated\","
                + "\"replacementVersion\":\"1.0.1\"}}}").statusCode(200)
                .body("properties.lifecycleProfile.state", is("Deprecated"));
        resolve(def, "westeurope", null).body("exactVersion", is("1.0.1"));
        resolve(def + "/versions/1.0.2", "westeurope", null).statusCode(200)
                .body("warnings", hasItem(containsString("deprecated; use 1.0.1")));
        patch(def + "/versions/1.0.1", "{\"properties\":{\"lifecycleProfile\":{\"state\":\"Disabled\"}}}")
                .statusCode(200);
        resolve(def, "westeurope", null).body("exactVersion", is("1.0.0"));
        resolve(def + "/versions/1.0.1", "westeurope", null).statusCode(409)
                .body("error.code", is("GalleryImageVersionDisabled"));
        // reversible
        patch(def + "/versions/1.0.1", "{\"properties\":{\"lifecycleProfile\":{\"state\":\"Active\"}}}")
                .statusCode(200);
        resolve(def, "westeurope", null).body("exactVersion", is("1.0.1"));
        // excluded from latest for one region only
        patch(def + "/versions/1.0.1", "{\"properties\":{\"publishingProfile\":{\"targetRegions\":["
                + "{\"name\":\"westeurope\",\"excludeFromLatest\":true}]}}}").statusCode(200);
        resolve(def, "westeurope", null).body("exactVersion", is("1.0.0"));
        List<CloudEvent> events = TestEvents.read(EventTypes.CATALOG_TOPIC, Duration.ofSeconds(20), seen -> seen
                .stream().anyMatch(e -> e.type().equals(EventTypes.VERSION_LIFECYCLE_CHANGED)
                        && e.subject().equals(def + "/versions/1.0.1")));
        assertEquals(List.of("Disabled", "Active"), events.stream()
                .filter(e -> e.type().equals(EventTypes.VERSION_LIFECYCLE_CHANGED)
                        && e.subject().equals(def + "/versions/1.0.1"))
                .map(e -> e.dataAs(Payloads.VersionLifecycleChanged.class).state()).toList());
    }

    @Test
    void resolutionWarnsWhenTheSizeIsOutsideTheRecommendations() {
        String def = definition(false);
        putVersion(def, "1.0.0", versionBody(MI, "westeurope")).statusCode(201);
        complete(def + "/versions/1.0.0", "westeurope");
        awaitCompleted(def + "/versions/1.0.0", "westeurope");
        resolve(def, "westeurope", "{\"vCPUs\":32,\"memoryGB\":64}").statusCode(200)
                .body("warnings", hasItem(containsString("above the recommended maximum of 16")));
        resolve(def, "westeurope", "{\"vCPUs\":4}").statusCode(200).body("warnings", empty());
        resolve(def, "westeurope", "{\"vCPUs\":-1}").statusCode(400).body("error.target", is("vmSize.vCPUs"));
        resolve("/not/an/id", "westeurope", null).statusCode(400).body("error.target", is("imageReference.id"));
        // a version name that is not one names the reference's field, not a "name" the request has not (a probe)
        resolve(def + "/versions/1.0.0?x=1", "westeurope", null).statusCode(400)
                .body("error.code", is("InvalidGalleryImageVersionName")).body("error.target", is("imageReference.id"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body("{\"imageReference\":{\"sharedGalleryImageId\":\"/SharedGalleries/nosuch/Images/app/Versions/"
                        + "01.0.0\"}}")
                .post("/subscriptions/" + SUB + "/providers/Microsoft.Compute/locations/westeurope"
                        + "/resolveImageReference" + API).then().statusCode(400)
                .body("error.target", is("imageReference.sharedGalleryImageId"));
        given().auth().oauth2(Tokens.carol()).contentType(ContentType.JSON)
                .body("{\"imageReference\":{\"id\":\"" + def + "\"}}")
                .post("/subscriptions/" + SUB + "/providers/Microsoft.Compute/locations/westeurope"
                        + "/resolveImageReference" + API).then().statusCode(404);
    }

    @Test
    void patchAddsARegionAndEmitsTargetRegionsChangedRemovalNeedsTheSafetyProfile() {
        String def = definition(false);
        String v = def + "/versions/1.0.0";
        putVersion(def, "1.0.0", versionBody(MI, "westeurope")).statusCode(201);
        complete(v, "westeurope");
        awaitCompleted(v, "westeurope");
        patch(v, "{\"properties\":{\"publishingProfile\":{\"targetRegions\":[{\"name\":\"westeurope\"},"
                + "{\"name\":\"eastus\",\"regionalReplicaCount\":3}]}}}").statusCode(200)
                .body("properties.provisioningState", is("Updating"))
                .body("properties.replicationStatus.summary.region", containsInAnyOrder("westeurope", "eastus"));
        List<CloudEvent> events = TestEvents.read(EventTypes.CATALOG_TOPIC, Duration.ofSeconds(20), seen -> seen
                .stream().anyMatch(e -> e.type().equals(EventTypes.VERSION_TARGET_REGIONS_CHANGED)
                        && e.subject().equals(v)));
        var changed = events.stream().filter(e -> e.type().equals(EventTypes.VERSION_TARGET_REGIONS_CHANGED)
                && e.subject().equals(v)).findFirst().orElseThrow().dataAs(Payloads.VersionTargetRegionsChanged.class);
        assertEquals(2, changed.targetRegions().size());
        assertEquals(3, changed.targetRegions().stream().filter(t -> t.name().equals("eastus")).findFirst()
                .orElseThrow().regionalReplicaCount());
        // removing eastus is refused until the safety profile allows it
        String onlyWest = "{\"properties\":{\"publishingProfile\":{\"targetRegions\":[{\"name\":\"westeurope\"}]}}}";
        patch(v, onlyWest).statusCode(409).body("error.code", is("DeletionOfReplicatedLocationsNotAllowed"));
        patch(v, "{\"properties\":{\"safetyProfile\":{\"allowDeletionOfReplicatedLocations\":true},"
                + "\"publishingProfile\":{\"targetRegions\":[{\"name\":\"westeurope\"}]}}}").statusCode(200)
                .body("properties.publishingProfile.targetRegions", hasSize(1));
        // the source cannot change, nor may the version leave its own location
        patch(v, "{\"properties\":{\"storageProfile\":{\"source\":{\"id\":\"" + RG
                + "/providers/Microsoft.Compute/images/other\"}}}}").statusCode(409);
        patch(v, "{\"properties\":{\"publishingProfile\":{\"targetRegions\":[{\"name\":\"eastus\"}]}}}")
                .statusCode(400);
    }

    @Test
    void deletionIsBlockedBeforeEndOfLifeWhenTheSafetyProfileSaysSo() {
        String def = definition(false);
        String body = "{\"location\":\"westeurope\",\"properties\":{\"publishingProfile\":{\"targetRegions\":"
                + "[{\"name\":\"westeurope\"}],\"endOfLifeDate\":\"2099-01-01T00:00:00Z\"},\"safetyProfile\":"
                + "{\"blockDeletionBeforeEndOfLife\":true},\"storageProfile\":{\"source\":{\"id\":\"" + MI + "\"}}}}";
        putVersion(def, "1.0.0", body).statusCode(201);
        given().auth().oauth2(Tokens.alice()).delete(def + "/versions/1.0.0" + API).then().statusCode(409)
                .body("error.code", is("DeletionBlockedBeforeEndOfLife"));
        patch(def + "/versions/1.0.0", "{\"properties\":{\"safetyProfile\":{\"blockDeletionBeforeEndOfLife\":false}}}")
                .statusCode(200);
        given().auth().oauth2(Tokens.alice()).delete(def + "/versions/1.0.0" + API).then().statusCode(202);
        given().auth().oauth2(Tokens.alice()).get(def + "/versions/1.0.0" + API).then().statusCode(404);
    }

    @Test
    void softDeletedVersionsAreListedRestorableAndNotLatest() {
        String def = definition(true);
        String v = def + "/versions/1.0.0";
        putVersion(def, "1.0.0", versionBody(MI, "westeurope")).statusCode(201);
        complete(v, "westeurope");
        awaitCompleted(v, "westeurope");
        given().auth().oauth2(Tokens.alice()).delete(v + API).then().statusCode(200);
        given().auth().oauth2(Tokens.alice()).get(v + API).then().statusCode(404);
        resolve(def, "westeurope", null).statusCode(404);
        String softDeleted = def.replace("/images/app", "/softDeletedArtifactTypes/Images/artifacts/app/versions");
        given().auth().oauth2(Tokens.alice()).get(softDeleted + API).then().statusCode(200)
                .body("value.name", is(List.of("1.0.0")))
                .body("value[0].properties.softDeletedTime", org.hamcrest.Matchers.notNullValue());
        putVersion(def, "1.0.0", versionBody(MI, "westeurope")).statusCode(409)
                .body("error.code", is("GalleryImageVersionSoftDeleted"));
        given().auth().oauth2(Tokens.alice()).post(softDeleted + "/1.0.0/restore" + API).then().statusCode(200);
        resolve(def, "westeurope", null).statusCode(200).body("exactVersion", is("1.0.0"));
        // replication-service is told both, so it serves the content to nobody meanwhile (it kept serving downloads)
        var told = dev.imagegallery.devstack.TestEvents.read(dev.imagegallery.events.EventTypes.CATALOG_TOPIC,
                java.time.Duration.ofSeconds(20), seen -> seen.stream().filter(e -> e.type().equals(
                        dev.imagegallery.events.EventTypes.VERSION_SOFT_DELETED) && e.subject().equals(v)).count() == 2);
        assertEquals(List.of(true, false), told.stream().filter(e -> e.type().equals(
                        dev.imagegallery.events.EventTypes.VERSION_SOFT_DELETED) && e.subject().equals(v))
                .map(e -> e.dataAs(dev.imagegallery.events.Payloads.VersionSoftDeleted.class).deleted()).toList());
        given().auth().oauth2(Tokens.alice()).delete(def + API).then().statusCode(409)
                .body("error.code", is("GalleryImageNotEmpty"));
    }

    @Test
    void immutableDefinitionPropertiesCannotChange() {
        String def = definition(false);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body("{\"properties\":{\"osType\":\"Windows\"}}").patch(def + API).then().statusCode(409)
                .body("error.target", is("properties.osType"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body("{\"properties\":{\"description\":\"updated\",\"releaseNoteUri\":\"https://x.example/notes\","
                        + "\"features\":[{\"name\":\"SecurityType\",\"value\":\"TrustedLaunch\"}]}}")
                .patch(def + API).then().statusCode(200).body("properties.description", is("updated"))
                .body("properties.features[0].value", is("TrustedLaunch"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body("{\"properties\":{\"recommended\":{\"vCPUs\":{\"min\":8,\"max\":2}}}}")
                .patch(def + API).then().statusCode(400).body("error.target", is("properties.recommended.vCPUs"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body("{\"properties\":{\"endOfLifeDate\":\"2001-01-01T00:00:00Z\"}}")
                .patch(def + API).then().statusCode(400).body("error.target", is("properties.endOfLifeDate"));
    }

    /**
     * An end-of-life date is read as ARM reads one: a date alone is its midnight UTC, a time without an offset is UTC
     * (both were 400 with a message naming {@code java.time.Instant}); one that is no date names the field and an
     * example.
     */
    @Test
    void anEndOfLifeDateMayBeADateAloneOrATimeWithoutOffset() {
        String def = definition(false);
        for (String[] sent : new String[][]{{"2099-06-30", "2099-06-30T00:00:00Z"},
                {"2099-07-01T12:30:00", "2099-07-01T12:30:00Z"},
                {"2099-07-02T01:00:00+02:00", "2099-07-01T23:00:00Z"}}) {
            given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                    .body("{\"properties\":{\"endOfLifeDate\":\"" + sent[0] + "\"}}")
                    .patch(def + API).then().log().ifValidationFails().statusCode(200)
                    .body("properties.endOfLifeDate", is(sent[1]));
        }
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body("{\"properties\":{\"endOfLifeDate\":\"30/06/2099\"}}")
                .patch(def + API).then().statusCode(400).body("error.code", is("InvalidRequestContent"))
                .body("error.target", is("properties.endOfLifeDate"))
                .body("error.message", containsString("ISO 8601"))
                .body("error.message", not(containsString("java.")));
        // past year 9999: a 500 from PostgreSQL (year 294277 on), or stored wrapped round to 169 million years BC
        for (String far : new String[]{"+294277-01-01T00:00:00Z", "+300000-01-01T00:00:00Z", "+10000-01-01"}) {
            given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                    .body("{\"properties\":{\"endOfLifeDate\":\"" + far + "\"}}")
                    .patch(def + API).then().statusCode(400).body("error.code", is("InvalidRequestContent"))
                    .body("error.target", is("properties.endOfLifeDate"));
        }
        given().auth().oauth2(Tokens.alice()).get(def + API).then().statusCode(200)
                .body("properties.endOfLifeDate", is("2099-07-01T23:00:00Z"));
    }

    /**
     * Versions are listed in version order (numerically: 1.0.10 after 1.0.2) and paged by key: a version published
     * while a client pages through neither repeats nor hides one it has not seen yet (offset paging would repeat one).
     */
    @Test
    void versionsArePagedInVersionOrderByKey() {
        String def = definition(false);
        for (String v : List.of("1.0.10", "2.0.0", "1.0.2", "1.10.0", "1.0.0")) {
            putVersion(def, v, versionBody(MI, "westeurope")).statusCode(201);
        }
        List<String> seen = new java.util.ArrayList<>();
        String next = def + "/versions" + API + "&$top=2";
        boolean inserted = false;
        while (next != null) {
            // the nextLink is already encoded: follow it as it is
            var page = given().urlEncodingEnabled(false).auth().oauth2(Tokens.alice()).get(next).then()
                    .statusCode(200).extract();
            seen.addAll(page.path("value.name"));
            next = page.path("nextLink");
            if (!inserted) {
                putVersion(def, "0.0.1", versionBody(MI, "westeurope")).statusCode(201); // before the next page
                inserted = true;
            }
        }
        assertEquals(List.of("1.0.0", "1.0.2", "1.0.10", "1.10.0", "2.0.0"), seen);
        given().auth().oauth2(Tokens.alice()).get(def + "/versions" + API + "&$skiptoken="
                        + java.util.Base64.getUrlEncoder().encodeToString("k:1.x.0".getBytes()))
                .then().statusCode(400).body("error.target", is("$skiptoken"));
    }

    static ValidatableResponse patch(String id, String body) {
        return given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(body)
                .patch(id + API + "&$expand=ReplicationStatus").then();
    }
}

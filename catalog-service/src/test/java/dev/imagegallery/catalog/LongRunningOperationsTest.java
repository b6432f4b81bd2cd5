package dev.imagegallery.catalog;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import dev.imagegallery.catalog.service.OperationPurger;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.inject.Inject;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static dev.imagegallery.catalog.CatalogTestSupport.*;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ARM's long-running operation protocol for version writes: what azure-core's management poller reads
 * (Azure-AsyncOperation, Location, Retry-After, the status resource's {@code status}).
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "catalog"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class LongRunningOperationsTest {
    static final String MI = RG + "/providers/Microsoft.Compute/images/lro-src";
    static final String OPERATIONS = "/subscriptions/" + SUB + "/providers/Microsoft.Compute/locations/westeurope/";

    @Inject
    OperationPurger purger;

    @BeforeEach
    void setUp() {
        seedGrants();
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(managedImageBody("lro.raw"))
                .put(MI + MI_API).then().statusCode(org.hamcrest.Matchers.anyOf(is(200), is(201)));
    }

    static String definition() {
        String g = "lro" + UUID.randomUUID().toString().substring(0, 8);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody())
                .put(gallery(g) + API).then().statusCode(201);
        String def = gallery(g) + "/images/app";
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(imageBody("sku-" + g))
                .put(def + API).then().statusCode(201);
        return def;
    }

    static void replicated(String version, String region) {
        TestEvents.publish(EventTypes.REPLICATION_TOPIC, CloudEvent.of("/tests", EventTypes.REPLICA_COMPLETED, version,
                new Payloads.ReplicaCompleted(version, SUB, region, 1, "Standard_LRS", "sha256:" + "cd".repeat(32),
                        1024, 2048, Instant.now())));
    }

    /** The path and query of an absolute operation URL, checked to be on the host the client called. */
    static String local(String url, String scheme, String authority) {
        assertNotNull(url, "the operation's URL");
        URI u = URI.create(url);
        assertEquals(scheme, u.getScheme(), url);
        assertEquals(authority, u.getRawAuthority(), url);
        return u.getRawPath() + "?" + u.getRawQuery();
    }

    static Response operation(String path) {
        return given().urlEncodingEnabled(false).auth().oauth2(Tokens.alice()).get(path);
    }

    @Test
    void aVersionPutNamesItsOperationWhichSucceedsOnceEveryRegionReplicated() {
        String version = definition() + "/versions/1.0.0";
        Response put = given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "gallery.example:8443")
                .body(versionBody(MI, "westeurope", "northeurope")).put(version + "?api-version=2025-12-03");
        put.then().statusCode(201).body("properties.provisioningState", is("Creating"))
                .header("Retry-After", "1");
        String op = local(put.header("Azure-AsyncOperation"), "https", "gallery.example:8443");
        assertTrue(op.startsWith(OPERATIONS + "operations/"), op);
        assertTrue(op.endsWith("?api-version=2025-12-03"), op);

        operation(op).then().statusCode(200).header("Retry-After", "1")
                .body("status", is("InProgress")).body("name", notNullValue())
                .body("startTime", notNullValue()).body("endTime", nullValue()).body("error", nullValue());
        replicated(version, "westeurope");
        replicated(version, "northeurope");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> operation(op).then().statusCode(200)
                .body("status", is("Succeeded")).body("endTime", notNullValue()));
        assertNull(operation(op).header("Retry-After"), "no Retry-After once it ended");
        // the PUT's answer said the publishing time as it is stored (its nanoseconds, before: every GET differed)
        given().auth().oauth2(Tokens.alice()).get(version + API).then().body("properties.provisioningState",
                is("Succeeded")).body("properties.publishingProfile.publishedDate",
                is(put.path("properties.publishingProfile.publishedDate").toString()));
    }

    /**
     * An ended operation's status resource is kept for the retention (7 days by default) and then purged: before,
     * every version write left a row for ever. A running operation stays, whatever its age.
     */
    @Test
    void endedOperationsArePurgedAfterTheirRetentionAndRunningOnesStay() throws Throwable {
        String done = definition() + "/versions/1.0.0";
        Response put = given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(versionBody(MI, "westeurope")).put(done + API);
        String ended = URI.create(put.header("Azure-AsyncOperation")).getRawPath() + API;
        replicated(done, "westeurope");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> operation(ended).then().statusCode(200)
                .body("status", is("Succeeded")));
        String pending = definition() + "/versions/1.0.0";
        Response put2 = given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(versionBody(MI, "westeurope")).put(pending + API);
        String running = URI.create(put2.header("Azure-AsyncOperation")).getRawPath() + API;
        operation(running).then().statusCode(200).body("status", is("InProgress"));

        // within the retention (it ended less than an hour ago), nothing goes
        VertxContextSupport.subscribeAndAwait(() -> purger.purgeEndedBefore(Instant.now().minus(Duration.ofHours(1))));
        operation(ended).then().statusCode(200).body("status", is("Succeeded"));
        // past it, the ended operation goes; the running one stays
        long purged = VertxContextSupport.subscribeAndAwait(() -> purger.purgeEndedBefore(Instant.now().plusSeconds(1)));
        assertTrue(purged >= 1, "purged " + purged);
        operation(ended).then().statusCode(404).body("error.code", is("OperationNotFound"));
        operation(running).then().statusCode(200).body("status", is("InProgress"));
    }

    @Test
    void aPatchThatAddsARegionIsUpdatingUntilTheRegionReplicated() {
        String version = definition() + "/versions/1.0.0";
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(versionBody(MI, "westeurope"))
                .put(version + API).then().statusCode(201);
        replicated(version, "westeurope");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth().oauth2(Tokens.alice())
                .get(version + API).then().body("properties.provisioningState", is("Succeeded")));
        // a PATCH that changes nothing that replicates has finished when it answers: no operation
        Response tags = given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body("{\"tags\":{\"k\":\"v\"}}").patch(version + API);
        tags.then().statusCode(200).body("properties.provisioningState", is("Succeeded"));
        assertNull(tags.header("Azure-AsyncOperation"));

        Response patch = given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body("{\"properties\":{\"publishingProfile\":{\"targetRegions\":[{\"name\":\"westeurope\"},"
                        + "{\"name\":\"northeurope\",\"excludeFromLatest\":true}]}}}").patch(version + API);
        patch.then().statusCode(200).body("properties.provisioningState", is("Updating")).header("Retry-After", "1");
        String op = local(patch.header("Azure-AsyncOperation"), "http", URI.create(patch.header(
                "Azure-AsyncOperation")).getRawAuthority());
        operation(op).then().statusCode(200).body("status", is("InProgress"));
        replicated(version, "northeurope");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> operation(op).then().statusCode(200)
                .body("status", is("Succeeded")));
    }

    @Test
    void aFailedReplicationFailsTheOperationWithAnError() {
        String version = definition() + "/versions/1.0.0";
        Response put = given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(versionBody(MI, "westeurope", "northeurope")).put(version + API);
        String op = URI.create(put.header("Azure-AsyncOperation")).getRawPath() + "?api-version=2024-03-03";
        replicated(version, "westeurope");
        TestEvents.publish(EventTypes.REPLICATION_TOPIC, CloudEvent.of("/tests", EventTypes.REPLICA_FAILED, version,
                new Payloads.ReplicaFailed(version, SUB, "northeurope", "store unreachable")));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> operation(op).then().statusCode(200)
                .body("status", is("Failed")).body("endTime", notNullValue())
                .body("error.code", is("ReplicationFailed"))
                .body("error.message", containsString("northeurope (store unreachable)")));
    }

    @Test
    void aDeleteIs202AndItsOperationEndsWhenEveryRegionsReplicasAreGone() {
        String version = definition() + "/versions/1.0.0";
        Response put = given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(versionBody(MI, "westeurope", "northeurope")).put(version + API);
        put.then().statusCode(201);
        String putAuthority = URI.create(put.header("Azure-AsyncOperation")).getRawAuthority();
        String created = local(put.header("Azure-AsyncOperation"), "http", putAuthority);
        Response delete = given().auth().oauth2(Tokens.alice()).delete(version + API);
        delete.then().statusCode(202).header("Retry-After", "1");
        String authority = URI.create(delete.header("Azure-AsyncOperation")).getRawAuthority();
        String op = local(delete.header("Azure-AsyncOperation"), "http", authority);
        String result = local(delete.header("Location"), "http", authority);
        assertTrue(result.startsWith(OPERATIONS + "operationResults/"), result);
        given().auth().oauth2(Tokens.alice()).get(version + API).then().statusCode(404);
        // the PUT still replicating ends with the deletion (it stayed InProgress for good: a hostile probe)
        operation(created).then().statusCode(200).body("status", is("Canceled"))
                .body("error.code", is("GalleryImageVersionDeleted")).body("endTime", notNullValue());

        operation(op).then().statusCode(200).body("status", is("InProgress"));
        operation(result).then().statusCode(202).header("Retry-After", "1");
        for (String region : List.of("westeurope", "northeurope")) {
            TestEvents.publish(EventTypes.REPLICATION_TOPIC, CloudEvent.of("/tests", EventTypes.REPLICA_DELETED,
                    version, new Payloads.ReplicaDeleted(version, SUB, region, 1, Instant.now())));
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> operation(op).then().statusCode(200)
                .body("status", is("Succeeded")));
        operation(result).then().statusCode(204);
    }

    @Test
    void anUnknownForeignOrHostileOperationIdIsAnArm404() {
        String version = definition() + "/versions/1.0.0";
        Response put = given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(versionBody(MI, "westeurope")).put(version + API);
        String op = URI.create(put.header("Azure-AsyncOperation")).getRawPath();
        String id = op.substring(op.lastIndexOf('/') + 1);

        operation(OPERATIONS + "operations/" + UUID.randomUUID() + API).then().statusCode(404)
                .body("error.code", is("OperationNotFound"));
        // another tenant learns nothing: its own subscription does not hold the operation, alice's is not its
        given().auth().oauth2(Tokens.bob()).get(op + API).then().statusCode(404)
                .body("error.code", is("SubscriptionNotFound"));
        given().auth().oauth2(Tokens.bob()).get("/subscriptions/" + Realms.FABRIKAM_SUBSCRIPTION
                + "/providers/Microsoft.Compute/locations/westeurope/operations/" + id + API).then().statusCode(404)
                .body("error.code", is("OperationNotFound"));
        // nor does a caller of the tenant without a role in the subscription
        given().auth().oauth2(Tokens.carol()).get(op + API).then().statusCode(404)
                .body("error.code", is("SubscriptionNotFound"));
        // a caller with a role in the subscription who may not read the version learns nothing of it either: the
        // 403 named the version (its resource group, gallery, definition and name)
        String dave = UUID.randomUUID().toString();
        TestEvents.grant(UUID.randomUUID().toString(), Realms.CONTOSO, "/subscriptions/" + Realms.CONTOSO_SUBSCRIPTION
                + "/resourceGroups/rg-elsewhere", dave, "acdd72a7-3385-48ef-bd42-f606fba81ae7");
        String daveToken = Tokens.of(Realms.CONTOSO, dave).sign();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() ->
                given().auth().oauth2(daveToken).get(op + API).then().statusCode(404)
                        .body("error.code", is("OperationNotFound"))
                        .body("error.message", org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString(
                                "versions"))));
        // the operation lives in its version's location only
        operation(op.replace("/westeurope/", "/northeurope/") + API).then().statusCode(404);
        for (String hostile : List.of("x", "..%2F..%2Fx", "%27%20or%201%3D1--", "a".repeat(3000), id.toUpperCase()
                + "0", "%E2%80%AE" + id)) {
            int status = operation(OPERATIONS + "operations/" + hostile + API).statusCode();
            assertTrue(status == 400 || status == 404, hostile + " -> " + status);
            status = operation(OPERATIONS + "operationResults/" + hostile + API).statusCode();
            assertTrue(status == 400 || status == 404, hostile + " -> " + status);
        }
        operation(op + "?api-version=2019-01-01").then().statusCode(400).body("error.target", is("api-version"));
        given().get(op + API).then().statusCode(401);
    }
}

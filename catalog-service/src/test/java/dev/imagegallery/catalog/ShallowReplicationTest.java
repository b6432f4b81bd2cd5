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
import java.util.List;

import static dev.imagegallery.catalog.CatalogTestSupport.*;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code publishingProfile.replicationMode: Shallow} (issue 17), as Azure defines it: accepted, stored and returned; the
 * version's location as its single target region with one replica; the mode and the regions not updatable; the long
 * running operation and provisioningState as for Full. Each refusal is 400 {@code InvalidParameter} naming the property,
 * but a change of the mode: 409 {@code PropertyChangeNotAllowed}, as for the location.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "catalog"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class ShallowReplicationTest {
    static final String MI = RG + "/providers/Microsoft.Compute/images/shallow-src";
    static final String PP = "properties.publishingProfile";

    @BeforeEach
    void setUp() {
        seedGrants();
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(managedImageBody("shallow.raw"))
                .put(MI + MI_API).then().statusCode(org.hamcrest.Matchers.anyOf(is(200), is(201)));
    }

    /** A version body in {@code location} with the given publishing profile (JSON object content). */
    static String body(String location, String publishing) {
        return "{\"location\":\"" + location + "\",\"properties\":{\"publishingProfile\":{" + publishing + "},"
                + "\"storageProfile\":{\"source\":{\"id\":\"" + MI + "\"}}}}";
    }

    static ValidatableResponse put(String id, String body) {
        return given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(body).put(id + API).then();
    }

    static ValidatableResponse patch(String id, String body) {
        return given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(body).patch(id + API).then();
    }

    static void refused(ValidatableResponse r, String target) {
        r.statusCode(400).body("error.code", is("InvalidParameter")).body("error.target", is(target));
    }

    static final String SHALLOW = "\"replicationMode\":\"Shallow\"";

    @Test
    void aShallowVersionIsStoredReturnedAndCompletesAsAFullOneDoes() {
        String def = VersionRulesTest.definition(false);
        String v = def + "/versions/1.0.0";
        // Azure's example: its location as the one target region, one replica
        put(v, body("westeurope", "\"targetRegions\":[{\"name\":\"westeurope\",\"regionalReplicaCount\":1,"
                + "\"excludeFromLatest\":false}]," + SHALLOW)).statusCode(201)
                .header("Azure-AsyncOperation", org.hamcrest.Matchers.notNullValue())
                .body("properties.provisioningState", is("Creating"))
                .body(PP + ".replicationMode", is("Shallow"))
                .body(PP + ".replicaCount", is(1));
        List<CloudEvent> events = TestEvents.read(EventTypes.CATALOG_TOPIC, Duration.ofSeconds(20),
                seen -> seen.stream().anyMatch(e -> e.subject().equals(v)));
        var published = events.stream().filter(e -> e.subject().equals(v)).findFirst().orElseThrow()
                .dataAs(Payloads.VersionPublished.class);
        assertEquals("Shallow", published.replicationMode(), "replication-service is told the mode");
        assertEquals(List.of(new Payloads.TargetRegion("westeurope", 1, "Standard_LRS")), published.targetRegions());

        given().auth().oauth2(Tokens.alice()).get(v + API).then().statusCode(200)
                .body(PP + ".replicationMode", is("Shallow"));
        VersionRulesTest.complete(v, "westeurope");
        VersionRulesTest.awaitCompleted(v, "westeurope");
        given().auth().oauth2(Tokens.alice()).get(v + API + "&$expand=ReplicationStatus").then().statusCode(200)
                .body("properties.provisioningState", is("Succeeded"))
                .body("properties.replicationStatus.aggregatedState", is("Completed"))
                .body(PP + ".replicationMode", is("Shallow"));
        // no regions named: the location alone, as for Full
        put(def + "/versions/1.0.1", body("westeurope", SHALLOW)).statusCode(201)
                .body(PP + ".targetRegions.name", is(List.of("westeurope")))
                .body(PP + ".replicationMode", is("Shallow"));
        // the same PUT again (a retry) is an update that changes nothing
        put(def + "/versions/1.0.1", body("westeurope", SHALLOW)).statusCode(200)
                .body(PP + ".replicationMode", is("Shallow"));
        // what may change on a Shallow version still does
        patch(v, "{\"properties\":{\"publishingProfile\":{\"excludeFromLatest\":true," + SHALLOW + "}}}")
                .statusCode(200).body(PP + ".excludeFromLatest", is(true)).body(PP + ".replicationMode", is("Shallow"));
    }

    @Test
    void fullStaysTheDefaultAndIsReturned() {
        String def = VersionRulesTest.definition(false);
        put(def + "/versions/1.0.0", versionBody(MI, "westeurope", "northeurope")).statusCode(201)
                .body(PP + ".replicationMode", is("Full"));
        given().auth().oauth2(Tokens.alice()).get(def + "/versions/1.0.0" + API).then().statusCode(200)
                .body(PP + ".replicationMode", is("Full"));
        put(def + "/versions/1.0.1", body("westeurope", "\"replicationMode\":\"full\"")).statusCode(201)
                .body(PP + ".replicationMode", is("Full"));
        refused(put(def + "/versions/1.0.2", body("westeurope", "\"replicationMode\":\"Deep\"")), PP + ".replicationMode");
    }

    @Test
    void aShallowVersionHasItsLocationAsItsOneTargetRegionWithOneReplica() {
        String def = VersionRulesTest.definition(false);
        String v = def + "/versions/2.0.0";
        refused(put(v, body("westeurope", "\"targetRegions\":[{\"name\":\"westeurope\"},{\"name\":\"northeurope\"}],"
                + SHALLOW)), PP + ".targetRegions[1].name");
        refused(put(v, body("westeurope", "\"targetRegions\":[{\"name\":\"northeurope\"},{\"name\":\"westeurope\"}],"
                + SHALLOW)), PP + ".targetRegions[0].name");
        refused(put(v, body("westeurope", "\"targetRegions\":[{\"name\":\"westeurope\",\"regionalReplicaCount\":2}],"
                + SHALLOW)), PP + ".targetRegions[0].regionalReplicaCount");
        refused(put(v, body("westeurope", "\"replicaCount\":3," + SHALLOW)), PP + ".replicaCount");
        // the source's content must be where the version is: a shallow version does not copy it there
        refused(put(v, body("northeurope", "\"targetRegions\":[{\"name\":\"northeurope\"}]," + SHALLOW)),
                "properties.storageProfile.source.id");
        given().auth().oauth2(Tokens.alice()).get(v + API).then().statusCode(404);
    }

    @Test
    void theModeAndTheRegionsOfAShallowVersionAreNotUpdatable() {
        String def = VersionRulesTest.definition(false);
        String shallow = def + "/versions/3.0.0";
        put(shallow, body("westeurope", SHALLOW)).statusCode(201);
        // a fixed property, as location and source are: 409 PropertyChangeNotAllowed
        patch(shallow, "{\"properties\":{\"publishingProfile\":{\"replicationMode\":\"Full\"}}}").statusCode(409)
                .body("error.code", is("PropertyChangeNotAllowed")).body("error.target", is(PP + ".replicationMode"));
        put(shallow, body("westeurope", "\"replicationMode\":\"Full\"")).statusCode(409)
                .body("error.code", is("PropertyChangeNotAllowed")).body("error.target", is(PP + ".replicationMode"));
        refused(patch(shallow, "{\"properties\":{\"publishingProfile\":{\"targetRegions\":[{\"name\":\"westeurope\"},"
                + "{\"name\":\"eastus\"}]}}}"), PP + ".targetRegions[1].name");
        refused(patch(shallow, "{\"properties\":{\"publishingProfile\":{\"targetRegions\":[{\"name\":\"westeurope\","
                + "\"regionalReplicaCount\":2}]}}}"), PP + ".targetRegions[0].regionalReplicaCount");
        refused(patch(shallow, "{\"properties\":{\"publishingProfile\":{\"replicaCount\":2}}}"), PP + ".replicaCount");
        given().auth().oauth2(Tokens.alice()).get(shallow + API).then().statusCode(200)
                .body(PP + ".replicationMode", is("Shallow"))
                .body(PP + ".targetRegions.name", is(List.of("westeurope")))
                .body(PP + ".targetRegions[0].regionalReplicaCount", is(1))
                .body("properties.provisioningState", is("Creating"));

        String full = def + "/versions/3.0.1";
        put(full, body("westeurope", "")).statusCode(201);
        patch(full, "{\"properties\":{\"publishingProfile\":{" + SHALLOW + "}}}").statusCode(409)
                .body("error.code", is("PropertyChangeNotAllowed")).body("error.target", is(PP + ".replicationMode"));
        given().auth().oauth2(Tokens.alice()).get(full + API).then().statusCode(200)
                .body(PP + ".replicationMode", is("Full"))
                .body("properties.publishingProfile.targetExtendedLocations", nullValue());
    }
}

package dev.imagegallery.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.imagegallery.catalog.CatalogTestSupport.*;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every field of every request body, one at a time, set to what a hostile or careless client sends: a NUL, a string
 * too long to be anything, a value of the wrong JSON type, a number out of range. Each is a 400 with an ARM body that
 * names that field in {@code target}, and nothing is created.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "catalog"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class EveryFieldTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String LONG = "x".repeat(70_000);

    enum Kind { STRING, INT, BOOL, DATE, STRINGS, COUNT, DOUBLE }

    record Field(String path, Kind kind) {
    }

    record Body(String method, String path, String json, List<Field> fields) {
    }

    @BeforeEach
    void grants() {
        seedGrants();
    }

    static List<Body> bodies() {
        String mi = RG + "/providers/Microsoft.Compute/images/every-src";
        String def = gallery("everyfield") + "/images/img";
        return List.of(
                new Body("PUT", gallery("everyfield-g"), "{\"location\":\"westeurope\",\"tags\":{\"k\":\"v\"},"
                        + "\"properties\":{\"description\":\"d\",\"softDeletePolicy\":{\"isSoftDeleteEnabled\":false},"
                        + "\"sharingProfile\":{\"permissions\":\"Community\",\"communityGalleryInfo\":{\"publisherUri\":"
                        + "\"https://example.com\",\"publisherContact\":\"a@example.com\",\"eula\":\"e\","
                        + "\"publicNamePrefix\":\"prefix1\"}}},\"identity\":{\"type\":\"None\"}}",
                        List.of(new Field("location", Kind.STRING), new Field("tags.k", Kind.STRING),
                                new Field("properties.description", Kind.STRING),
                                new Field("properties.softDeletePolicy.isSoftDeleteEnabled", Kind.BOOL),
                                new Field("properties.sharingProfile.permissions", Kind.STRING),
                                new Field("properties.sharingProfile.communityGalleryInfo.publisherUri", Kind.STRING),
                                new Field("properties.sharingProfile.communityGalleryInfo.publisherContact",
                                        Kind.STRING),
                                new Field("properties.sharingProfile.communityGalleryInfo.eula", Kind.STRING),
                                new Field("properties.sharingProfile.communityGalleryInfo.publicNamePrefix",
                                        Kind.STRING),
                                new Field("identity", Kind.STRING))),
                new Body("PUT", gallery("everyfield") + "/images/every-def", "{\"location\":\"westeurope\","
                        + "\"properties\":{\"osType\":\"Linux\",\"osState\":\"Generalized\",\"hyperVGeneration\":\"V2\","
                        + "\"architecture\":\"x64\",\"identifier\":{\"publisher\":\"p\",\"offer\":\"o\",\"sku\":\"s\"},"
                        + "\"description\":\"d\",\"eula\":\"e\",\"privacyStatementUri\":\"https://example.com/p\","
                        + "\"releaseNoteUri\":\"https://example.com/r\",\"recommended\":{\"vCPUs\":{\"min\":1,\"max\":4},"
                        + "\"memory\":{\"min\":1,\"max\":8}},\"disallowed\":{\"diskTypes\":[\"Standard_LRS\"]},"
                        + "\"features\":[{\"name\":\"SecurityType\",\"value\":\"TrustedLaunch\","
                        + "\"startsAtVersion\":\"1.0.0\"}],\"purchasePlan\":{\"name\":\"n\",\"publisher\":\"p\","
                        + "\"product\":\"r\"},\"allowUpdateImage\":true,"
                        + "\"endOfLifeDate\":\"2099-01-01T00:00:00Z\"}}",
                        List.of(new Field("location", Kind.STRING), new Field("properties.osType", Kind.STRING),
                                new Field("properties.osState", Kind.STRING),
                                new Field("properties.hyperVGeneration", Kind.STRING),
                                new Field("properties.architecture", Kind.STRING),
                                new Field("properties.identifier.publisher", Kind.STRING),
                                new Field("properties.identifier.offer", Kind.STRING),
                                new Field("properties.identifier.sku", Kind.STRING),
                                new Field("properties.description", Kind.STRING),
                                new Field("properties.eula", Kind.STRING),
                                new Field("properties.privacyStatementUri", Kind.STRING),
                                new Field("properties.releaseNoteUri", Kind.STRING),
                                new Field("properties.recommended.vCPUs.min", Kind.COUNT),
                                new Field("properties.recommended.vCPUs.max", Kind.COUNT),
                                new Field("properties.recommended.memory.min", Kind.COUNT),
                                new Field("properties.recommended.memory.max", Kind.COUNT),
                                new Field("properties.disallowed.diskTypes[0]", Kind.STRING),
                                new Field("properties.features[0].name", Kind.STRING),
                                new Field("properties.features[0].value", Kind.STRING),
                                new Field("properties.features[0].startsAtVersion", Kind.STRING),
                                new Field("properties.purchasePlan.name", Kind.STRING),
                                new Field("properties.purchasePlan.publisher", Kind.STRING),
                                new Field("properties.purchasePlan.product", Kind.STRING),
                                new Field("properties.allowUpdateImage", Kind.BOOL),
                                new Field("properties.endOfLifeDate", Kind.DATE))),
                new Body("PUT", def + "/versions/1.2.3", "{\"location\":\"westeurope\",\"tags\":{\"k\":\"v\"},"
                        + "\"properties\":{\"publishingProfile\":{\"targetRegions\":[{\"name\":\"westeurope\","
                        + "\"regionalReplicaCount\":1,\"storageAccountType\":\"Standard_LRS\","
                        + "\"excludeFromLatest\":false}],\"replicaCount\":1,\"excludeFromLatest\":false,"
                        + "\"endOfLifeDate\":\"2099-01-01T00:00:00Z\",\"storageAccountType\":\"Standard_LRS\","
                        + "\"replicationMode\":\"Full\"},\"storageProfile\":{\"source\":{\"id\":\"" + mi + "\"},"
                        + "\"osDiskImage\":{\"hostCaching\":\"ReadOnly\"}},\"safetyProfile\":"
                        + "{\"allowDeletionOfReplicatedLocations\":true,\"blockDeletionBeforeEndOfLife\":false},"
                        + "\"lifecycleProfile\":{\"state\":\"Active\",\"replacementVersion\":\"1.0.0\"}}}",
                        List.of(new Field("location", Kind.STRING), new Field("tags.k", Kind.STRING),
                                new Field("properties.publishingProfile.targetRegions[0].name", Kind.STRING),
                                new Field("properties.publishingProfile.targetRegions[0].regionalReplicaCount",
                                        Kind.COUNT),
                                new Field("properties.publishingProfile.targetRegions[0].storageAccountType",
                                        Kind.STRING),
                                new Field("properties.publishingProfile.targetRegions[0].excludeFromLatest",
                                        Kind.BOOL),
                                new Field("properties.publishingProfile.replicaCount", Kind.COUNT),
                                new Field("properties.publishingProfile.excludeFromLatest", Kind.BOOL),
                                new Field("properties.publishingProfile.endOfLifeDate", Kind.DATE),
                                new Field("properties.publishingProfile.storageAccountType", Kind.STRING),
                                new Field("properties.storageProfile.source.id", Kind.STRING),
                                new Field("properties.publishingProfile.replicationMode", Kind.STRING),
                                new Field("properties.storageProfile.osDiskImage.hostCaching", Kind.STRING),
                                new Field("properties.safetyProfile.allowDeletionOfReplicatedLocations", Kind.BOOL),
                                new Field("properties.safetyProfile.blockDeletionBeforeEndOfLife", Kind.BOOL),
                                new Field("properties.lifecycleProfile.state", Kind.STRING),
                                new Field("properties.lifecycleProfile.replacementVersion", Kind.STRING))),
                new Body("PUT", RG + "/providers/Microsoft.Compute/images/every-mi", "{\"location\":\"westeurope\","
                        + "\"properties\":{\"storageProfile\":{\"osDisk\":{\"osType\":\"Linux\",\"osState\":"
                        + "\"Generalized\",\"blobUri\":\"http://localhost:8082/blobs/westeurope/" + SUB
                        + "/every.raw\"}}}}",
                        List.of(new Field("location", Kind.STRING),
                                new Field("properties.storageProfile.osDisk.osType", Kind.STRING),
                                new Field("properties.storageProfile.osDisk.osState", Kind.STRING),
                                new Field("properties.storageProfile.osDisk.blobUri", Kind.STRING))),
                new Body("POST", "/subscriptions/" + SUB + "/providers/Microsoft.Compute/locations/westeurope/"
                        + "resolveImageReference", "{\"imageReference\":{\"id\":\"" + def + "\"},\"vmSize\":"
                        + "{\"vCPUs\":2,\"memoryGB\":4.0}}",
                        List.of(new Field("imageReference.id", Kind.STRING),
                                new Field("vmSize.vCPUs", Kind.COUNT), new Field("vmSize.memoryGB", Kind.DOUBLE))),
                new Body("POST", "/subscriptions/" + SUB + "/providers/Microsoft.Compute/locations/westeurope/"
                        + "resolveImageReference", "{\"imageReference\":{\"sharedGalleryImageId\":\"/SharedGalleries/"
                        + "x/Images/y\"}}", List.of(new Field("imageReference.sharedGalleryImageId", Kind.STRING))),
                new Body("POST", "/subscriptions/" + SUB + "/providers/Microsoft.Compute/locations/westeurope/"
                        + "resolveImageReference", "{\"imageReference\":{\"communityGalleryImageId\":"
                        + "\"/CommunityGalleries/x/Images/y\"}}",
                        List.of(new Field("imageReference.communityGalleryImageId", Kind.STRING))));
    }

    static List<JsonNode> badValues(Kind kind) {
        var n = JSON.getNodeFactory();
        List<JsonNode> common = List.of(n.objectNode(), n.arrayNode());
        List<JsonNode> own = switch (kind) {
            case STRING -> List.of(n.textNode("a\u0000b"), n.textNode(LONG), n.numberNode(5), n.booleanNode(true),
                    n.textNode("\u0007"));
            case STRINGS -> List.of(n.textNode("a\u0000b"));
            case INT, COUNT -> List.of(n.numberNode(1.5), n.textNode("2"), n.numberNode(2147483648L),
                    n.numberNode(-1), n.booleanNode(true));
            case DOUBLE -> List.of(n.textNode("2"), n.numberNode(-1.0), n.booleanNode(true));
            case BOOL -> List.of(n.textNode("true"), n.numberNode(1), n.textNode("yes"));
            case DATE -> List.of(n.textNode("not-a-date"), n.textNode("2026-99-99T00:00:00Z"), n.numberNode(5),
                    n.textNode("2000-01-01T00:00:00Z"), n.textNode("a\u0000"));
        };
        List<JsonNode> all = new ArrayList<>(own);
        all.addAll(common);
        return all;
    }

    /** Sets {@code path} (dots and [i]) of a copy of {@code json} to {@code value}. */
    static String with(String json, String path, JsonNode value) throws Exception {
        JsonNode root = JSON.readTree(json);
        String[] parts = path.split("\\.");
        JsonNode node = root;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            Integer index = null;
            if (part.endsWith("]")) {
                index = Integer.parseInt(part.substring(part.indexOf('[') + 1, part.length() - 1));
                part = part.substring(0, part.indexOf('['));
            }
            boolean last = i == parts.length - 1;
            if (index == null) {
                if (last) {
                    ((ObjectNode) node).set(part, value);
                } else {
                    node = node.get(part);
                }
            } else {
                ArrayNode array = (ArrayNode) node.get(part);
                if (last) {
                    array.set(index, value);
                } else {
                    node = array.get(index);
                }
            }
        }
        return JSON.writeValueAsString(root);
    }

    @Test
    void everyFieldOfEveryBodyRefusesHostileValuesNamingTheField() throws Exception {
        String token = Tokens.alice();
        given().auth().oauth2(token).contentType(ContentType.JSON).body(managedImageBody("every-src.raw"))
                .put(RG + "/providers/Microsoft.Compute/images/every-src" + MI_API)
                .then().statusCode(anyOf(is(200), is(201)));
        given().auth().oauth2(token).contentType(ContentType.JSON).body(galleryBody())
                .put(gallery("everyfield") + API).then().statusCode(anyOf(is(200), is(201)));
        given().auth().oauth2(token).contentType(ContentType.JSON).body(imageBody("every"))
                .put(gallery("everyfield") + "/images/img" + API).then().statusCode(anyOf(is(200), is(201)));
        // the replacement version the version body names
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(versionBody(RG + "/providers/Microsoft.Compute/images/every-src", "westeurope"))
                .put(gallery("everyfield") + "/images/img/versions/1.0.0" + API)
                .then().statusCode(anyOf(is(200), is(201)));
        List<String> wrong = new ArrayList<>();
        int sent = 0;
        for (Body b : bodies()) {
            for (Field f : b.fields()) {
                for (JsonNode bad : badValues(f.kind())) {
                    String body = with(b.json(), f.path(), bad);
                    Response r = given().auth().oauth2(token).contentType(ContentType.JSON).body(body)
                            .request(b.method(), b.path() + api(b.path()));
                    sent++;
                    String target = r.statusCode() == 400 ? r.jsonPath().getString("error.target") : null;
                    // the target names the field (a tag's target is 'tags', a list item's its list or itself)
                    String expected = f.path();
                    boolean named = target != null && (target.equals(expected) || target.equals("tags")
                            && expected.startsWith("tags.")
                            || expected.startsWith(target + "[") || target.startsWith(expected + "[")
                            || expected.startsWith(target + ".") && target.contains("."));
                    // and its message speaks of JSON, not of the Java types the body is read into
                    String message = r.statusCode() == 400 ? r.jsonPath().getString("error.message") : "";
                    boolean javaWords = message != null && (message.contains("java.") || message.contains("`")
                            || message.contains("dev.imagegallery") || message.contains("JsonToken"));
                    if (r.statusCode() != 400 || !named || javaWords) {
                        String shown = bad.toString();
                        wrong.add(b.method() + " " + b.path().substring(b.path().lastIndexOf('/')) + " "
                                + f.path() + " = " + (shown.length() > 40 ? shown.substring(0, 40) + "..." : shown)
                                + " -> " + r.statusCode() + " target=" + target + (javaWords ? " " + message : ""));
                    }
                }
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + sent + " hostile values were not a 400 naming the "
                + "field in JSON's words:\n" + String.join("\n", wrong));
        for (Body b : bodies()) {
            if (b.method().equals("PUT")) {
                given().auth().oauth2(token).get(b.path() + api(b.path())).then().statusCode(404);
            }
        }
    }
}

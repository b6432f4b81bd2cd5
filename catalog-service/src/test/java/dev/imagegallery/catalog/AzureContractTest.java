package dev.imagegallery.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
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
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.imagegallery.catalog.CatalogTestSupport.*;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Conformance with Azure's published Compute Gallery REST contract, api-version <b>2024-03-03</b>
 * (azure-rest-api-specs, {@code specification/compute/resource-manager/Microsoft.Compute/GalleryRP/stable/2024-03-03}:
 * GalleryRP.json, sharedGallery.json, communityGallery.json and their x-ms-examples), as this project reads it. The
 * expectations are this project's own test resources under {@code azure-contract/} (no copy of the specification):
 * {@code operations.json} (per operation, the status codes the specification documents and the schema of its body),
 * {@code response-schemas.json} (JSON Schemas with Azure's property names, types, enums and required properties, every
 * object closed, this system's extensions declared with {@code x-extension}) and {@code request-properties.json}
 * (every writable property of Azure's request schemas of galleries, definitions and versions, and whether it
 * round-trips through a GET or is refused with 400 naming it). The share action ({@code SharingUpdate}) is
 * access-service's and is checked there; here its effect, the sharing profile and the consumer views, is.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "catalog"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class AzureContractTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String DIGEST = "sha256:" + "c3".repeat(32);
    static final String MI = RG + "/providers/Microsoft.Compute/images/contract-src";
    static final String BOB_LOC = "/subscriptions/" + Realms.FABRIKAM_SUBSCRIPTION
            + "/providers/Microsoft.Compute/locations/westeurope";
    static final JsonNode OPERATIONS = resource("operations.json");
    static final JsonNode SCHEMAS = resource("response-schemas.json");
    static final JsonNode REQUESTS = resource("request-properties.json");
    /** Draft 2020-12 with {@code x-extension} known as an annotation (it marks this system's extensions). */
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.builder(
                    JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012))
            .metaSchema(JsonMetaSchema.builder(JsonMetaSchema.getV202012())
                    .keyword(new NonValidationKeyword("x-extension")).build()).build();
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
            .formatAssertionsEnabled(true).build();
    private static final Map<String, JsonSchema> COMPILED = new ConcurrentHashMap<>();
    private static final AtomicInteger PATCH = new AtomicInteger();

    @BeforeEach
    void setUp() {
        seedGrants();
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(managedImageBody("contract.raw"))
                .put(MI + MI_API).then().statusCode(org.hamcrest.Matchers.anyOf(
                        org.hamcrest.Matchers.is(200), org.hamcrest.Matchers.is(201)));
    }

    static JsonNode resource(String name) {
        try (InputStream in = AzureContractTest.class.getResourceAsStream("/azure-contract/" + name)) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonSchema schema(String definition) {
        return COMPILED.computeIfAbsent(definition, d -> {
            assertTrue(SCHEMAS.get("$defs").has(d), "no schema " + d);
            ObjectNode root = JSON.createObjectNode();
            root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
            root.set("$defs", SCHEMAS.get("$defs"));
            root.put("$ref", "#/$defs/" + d);
            return FACTORY.getSchema(root, CONFIG);
        });
    }

    static void valid(String definition, JsonNode body, String what) {
        Set<ValidationMessage> errors = schema(definition).validate(body);
        assertTrue(errors.isEmpty(), () -> what + " breaks Azure's " + definition + " schema: " + errors + "\n"
                + body.toPrettyString());
    }

    /** The answer of {@code operation}: a documented status and a body valid against its schema; the body. */
    static JsonNode conforms(String operation, Response r) {
        JsonNode op = OPERATIONS.get(operation);
        assertTrue(op != null, "no expectations for " + operation);
        List<Integer> statuses = new ArrayList<>();
        op.get("statuses").forEach(s -> statuses.add(s.asInt()));
        assertTrue(statuses.contains(r.statusCode()), () -> operation + " answered " + r.statusCode()
                + ", Azure documents " + statuses + ": " + r.asString());
        if (!op.has("schema")) {
            return null;
        }
        JsonNode body = read(r);
        valid(op.get("schema").asText(), body, operation);
        if (op.has("items")) {
            for (JsonNode item : body.get("value")) {
                valid(op.get("items").asText(), item, operation + " item");
            }
        }
        return body;
    }

    /** An error: a 4xx of the given status with a CloudError body naming {@code target}. */
    static void refused(Response r, int status, String target, String what) {
        assertEquals(status, r.statusCode(), () -> what + ": " + r.asString());
        JsonNode body = read(r);
        valid("CloudError", body, what);
        if (target != null) {
            assertEquals(target, body.path("error").path("target").asText(), () -> what + ": " + r.asString());
        }
    }

    static JsonNode read(Response r) {
        try {
            return JSON.readTree(r.asString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Response put(String path, Object body) {
        return given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(body.toString())
                .put(path + API);
    }

    static Response patch(String path, Object body) {
        return given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(body.toString())
                .patch(path + API);
    }

    static Response get(String token, String pathAndQuery) {
        return given().auth().oauth2(token).get(pathAndQuery + (pathAndQuery.contains("?") ? "&" : "?")
                + API.substring(1));
    }

    static String unique(String prefix) {
        return prefix + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void everyOperationAnswersWithTheStatusAndBodyAzureDocuments() {
        String g = unique("ct");
        String gallery = gallery(g);
        JsonNode created = conforms("Galleries_CreateOrUpdate", put(gallery, galleryBody()));
        String uniqueName = created.at("/properties/identifier/uniqueName").asText();
        conforms("Galleries_CreateOrUpdate", put(gallery, galleryBody()));
        conforms("Galleries_Update", patch(gallery, "{\"properties\":{\"description\":\"patched\"}}"));
        conforms("Galleries_Get", get(Tokens.alice(), gallery));
        JsonNode permissions = conforms("Galleries_Get", get(Tokens.alice(), gallery + "?$select=Permissions"));
        assertEquals("Private", permissions.at("/properties/sharingProfile/permissions").asText());
        conforms("Galleries_ListByResourceGroup", get(Tokens.alice(), RG + "/providers/Microsoft.Compute/galleries"));
        conforms("Galleries_List", get(Tokens.alice(), "/subscriptions/" + SUB
                + "/providers/Microsoft.Compute/galleries"));

        String def = gallery + "/images/app";
        conforms("GalleryImages_CreateOrUpdate", put(def, imageBody("sku-" + g)));
        conforms("GalleryImages_CreateOrUpdate", put(def, imageBody("sku-" + g)));
        conforms("GalleryImages_Update", patch(def, "{\"properties\":{\"description\":\"patched\"}}"));
        conforms("GalleryImages_Get", get(Tokens.alice(), def));
        conforms("GalleryImages_ListByGallery", get(Tokens.alice(), gallery + "/images"));

        String v = def + "/versions/1.0.0";
        JsonNode version = conforms("GalleryImageVersions_CreateOrUpdate", put(v, versionBody(MI, "westeurope")));
        assertEquals("Creating", version.at("/properties/provisioningState").asText());
        JsonNode queued = conforms("GalleryImageVersions_Get", get(Tokens.alice(), v + "?$expand=ReplicationStatus"));
        assertEquals("InProgress", queued.at("/properties/replicationStatus/aggregatedState").asText());
        TestEvents.publish(EventTypes.REPLICATION_TOPIC, CloudEvent.of("/tests", EventTypes.REPLICA_COMPLETED, v,
                new Payloads.ReplicaCompleted(v, SUB, "westeurope", 1, "Standard_LRS", DIGEST, 3L << 30,
                        3L << 30, Instant.now())));
        await().atMost(Duration.ofSeconds(20)).until(() -> "Succeeded".equals(read(get(Tokens.alice(), v))
                .at("/properties/provisioningState").asText()));
        conforms("GalleryImageVersions_Update", patch(v, "{\"tags\":{\"k\":\"v\"}}"));
        JsonNode plain = conforms("GalleryImageVersions_Get", get(Tokens.alice(), v));
        assertTrue(plain.at("/properties/replicationStatus").isMissingNode());
        assertTrue(plain.at("/properties/validationsProfile").isMissingNode());
        JsonNode both = conforms("GalleryImageVersions_Get", get(Tokens.alice(),
                v + "?$expand=ValidationProfile,ReplicationStatus"));
        assertEquals("Completed", both.at("/properties/replicationStatus/aggregatedState").asText());
        assertEquals("Succeeded", both.at("/properties/validationsProfile/executedValidations/0/status").asText());
        assertEquals(DIGEST, both.at("/properties/validationsProfile/platformAttributes/0/value").asText());
        assertEquals(3, both.at("/properties/storageProfile/osDiskImage/sizeInGB").asInt());
        JsonNode validationOnly = conforms("GalleryImageVersions_Get", get(Tokens.alice(),
                v + "?$expand=validationprofile"));
        assertTrue(validationOnly.at("/properties/replicationStatus").isMissingNode());
        refused(get(Tokens.alice(), v + "?$expand=Everything"), 400, "$expand", "an unknown $expand");
        conforms("GalleryImageVersions_ListByGalleryImage", get(Tokens.alice(), def + "/versions"
                + "?$expand=ReplicationStatus"));

        // shared with fabrikam's subscription (accepted) and published to the community, as access-service says
        String publicName = unique("ctpub");
        TestEvents.publish(EventTypes.ACCESS_TOPIC, CloudEvent.of("/tests", EventTypes.GALLERY_SHARING_CHANGED,
                gallery, new Payloads.GallerySharingChanged(gallery, uniqueName, "contoso", SUB, "westeurope",
                        List.of(new Payloads.ShareEntry("Subscriptions", Realms.FABRIKAM_SUBSCRIPTION, "fabrikam",
                                "Accepted")), new Payloads.CommunityInfo(true, publicName, "ctpub",
                        "https://contoso.example", "images@contoso.example", "Use freely."), null)));
        String shared = BOB_LOC + "/sharedGalleries";
        await().atMost(Duration.ofSeconds(20)).until(() -> get(Tokens.bob(), shared + "/" + uniqueName)
                .statusCode() == 200 && get(Tokens.bob(), BOB_LOC + "/communityGalleries/" + publicName)
                .statusCode() == 200);
        List<JsonNode> consumer = new ArrayList<>();
        consumer.add(conforms("SharedGalleries_List", get(Tokens.bob(), shared)));
        consumer.add(conforms("SharedGalleries_Get", get(Tokens.bob(), shared + "/" + uniqueName)));
        consumer.add(conforms("SharedGalleryImages_List", get(Tokens.bob(), shared + "/" + uniqueName + "/images")));
        consumer.add(conforms("SharedGalleryImages_Get", get(Tokens.bob(), shared + "/" + uniqueName
                + "/images/app")));
        consumer.add(conforms("SharedGalleryImageVersions_List", get(Tokens.bob(), shared + "/" + uniqueName
                + "/images/app/versions")));
        JsonNode sharedVersion = conforms("SharedGalleryImageVersions_Get", get(Tokens.bob(), shared + "/"
                + uniqueName + "/images/app/versions/1.0.0"));
        consumer.add(sharedVersion);
        String community = BOB_LOC + "/communityGalleries/" + publicName;
        consumer.add(conforms("CommunityGalleries_Get", get(Tokens.bob(), community)));
        consumer.add(conforms("CommunityGalleryImages_List", get(Tokens.bob(), community + "/images")));
        JsonNode communityImage = conforms("CommunityGalleryImages_Get", get(Tokens.bob(), community
                + "/images/app"));
        consumer.add(communityImage);
        consumer.add(conforms("CommunityGalleryImageVersions_List", get(Tokens.bob(), community
                + "/images/app/versions")));
        JsonNode communityVersion = conforms("CommunityGalleryImageVersions_Get", get(Tokens.bob(), community
                + "/images/app/versions/1.0.0"));
        consumer.add(communityVersion);
        assertEquals("/CommunityGalleries/" + publicName + "/Images/app/Versions/1.0.0",
                communityVersion.at("/identifier/uniqueId").asText());
        for (JsonNode version1 : List.of(sharedVersion, communityVersion)) {
            assertEquals(3, version1.at("/properties/storageProfile/osDiskImage/diskSizeGB").asInt());
            assertEquals("ReadOnly", version1.at("/properties/storageProfile/osDiskImage/hostCaching").asText());
        }
        assertEquals("Linux", communityImage.at("/properties/osType").asText());
        for (JsonNode body : consumer) {
            String text = body.toString();
            for (String ownerSide : List.of("ownerTenantId", "permissions", "provisioningState", "releaseNoteUri")) {
                assertFalse(text.contains("\"" + ownerSide + "\""), () -> "a consumer view carries the owner's "
                        + ownerSide + ": " + text);
            }
        }
        refused(get(Tokens.bob(), community + "/images/nope"), 404, null, "a community image that is not there");
        refused(get(Tokens.bob(), community + "/images/app/versions/9.9.9"), 404, null,
                "a community version that is not there");

        refused(get(Tokens.alice(), gallery + "/images/nope"), 404, null, "a missing definition");
        conforms("GalleryImageVersions_Delete", given().auth().oauth2(Tokens.alice()).delete(v + API));
        conforms("GalleryImageVersions_Delete", given().auth().oauth2(Tokens.alice()).delete(v + API));
        conforms("GalleryImages_Delete", given().auth().oauth2(Tokens.alice()).delete(def + API));
        conforms("Galleries_Delete", given().auth().oauth2(Tokens.alice()).delete(gallery + API));
        conforms("Galleries_Delete", given().auth().oauth2(Tokens.alice()).delete(gallery + API));
    }

    /**
     * Every writable property of Azure's request schemas, sent alone on a minimal valid body: a 2xx and the same
     * value at the same path in a later GET, or 400 naming the path and nothing created. Never accepted and dropped.
     */
    @Test
    void everyRequestPropertyRoundTripsOrIsRefusedByName() {
        String g = unique("rp");
        put(gallery(g), "{\"location\":\"westeurope\"}").then().statusCode(201);
        String def = gallery(g) + "/images/versions-def";
        put(def, imageBody("sku-" + g)).then().statusCode(201);
        List<String> failures = new ArrayList<>();
        AtomicInteger n = new AtomicInteger();
        for (String kind : List.of("gallery", "image", "version")) {
            JsonNode spec = REQUESTS.get(kind);
            for (JsonNode property : spec.get("properties")) {
                int i = n.incrementAndGet();
                String path = switch (kind) {
                    case "gallery" -> gallery(g + "-" + i);
                    case "image" -> gallery(g) + "/images/p" + i;
                    default -> def + "/versions/1.0." + i;
                };
                String base = spec.get("base").toString().replace("{sku}", "sku-" + i).replace("{source}", MI);
                ObjectNode body = (ObjectNode) parse(base);
                String at = property.get("path").asText();
                set(body, at, property.get("value"));
                String expect = property.get("expect").asText();
                Response r = put(path, body);
                String what = kind + " " + at + " = " + property.get("value") + " (" + expect + ")";
                if ("refused".equals(expect)) {
                    JsonNode answer = read(r);
                    if (r.statusCode() != 400 || !at.equals(answer.at("/error/target").asText())) {
                        failures.add(what + ": answered " + r.statusCode() + " " + r.asString());
                    } else if (get(Tokens.alice(), path).statusCode() != 404) {
                        failures.add(what + ": refused, yet created");
                    }
                    continue;
                }
                if (r.statusCode() / 100 != 2) {
                    failures.add(what + ": answered " + r.statusCode() + " " + r.asString());
                    continue;
                }
                JsonNode read = read(get(Tokens.alice(), path));
                JsonNode found = at(read, at);
                if ("roundTrip".equals(expect) && !contains(found, property.get("value"))) {
                    failures.add(what + ": a GET shows " + found);
                } else if ("absentMeansSame".equals(expect) && found != null && !found.isMissingNode()) {
                    failures.add(what + ": a GET shows " + found);
                }
            }
        }
        assertTrue(failures.isEmpty(), () -> failures.size() + " request properties break the contract:\n"
                + String.join("\n", failures));
    }

    /** Azure's restore: {@code PATCH} of a soft-deleted version with {@code properties.restore: true}. */
    @Test
    void aPatchWithRestoreTrueRestoresASoftDeletedVersion() {
        String g = unique("rs");
        put(gallery(g), "{\"location\":\"westeurope\",\"properties\":{\"softDeletePolicy\":"
                + "{\"isSoftDeleteEnabled\":true}}}").then().statusCode(201);
        String def = gallery(g) + "/images/app";
        put(def, imageBody("sku-" + g)).then().statusCode(201);
        String v = def + "/versions/1.0." + PATCH.incrementAndGet();
        put(v, versionBody(MI, "westeurope")).then().statusCode(201);
        given().auth().oauth2(Tokens.alice()).delete(v + API).then().statusCode(200);
        get(Tokens.alice(), v).then().statusCode(404);
        String restore = "{\"properties\":{\"restore\":true,\"storageProfile\":{}}}";
        JsonNode restored = conforms("GalleryImageVersions_Update", patch(v, restore));
        assertEquals(v.substring(v.lastIndexOf('/') + 1), restored.get("name").asText());
        conforms("GalleryImageVersions_Get", get(Tokens.alice(), v));
        given().auth().oauth2(Tokens.alice()).get(gallery(g) + "/softDeletedArtifactTypes/Images/artifacts/app/versions"
                + API).then().statusCode(200).body("value", org.hamcrest.Matchers.empty());
        // a retried restore answers as the first did; restore of a version that never existed is 404
        conforms("GalleryImageVersions_Update", patch(v, restore));
        refused(patch(def + "/versions/9.9.9", restore), 404, null, "restore of no version");
        // restore: false leaves a soft-deleted version deleted
        given().auth().oauth2(Tokens.alice()).delete(v + API).then().statusCode(200);
        patch(v, "{\"properties\":{\"restore\":false}}").then().statusCode(404);
    }

    /** allowUpdateImage is acted on: the features a definition has change only with it. */
    @Test
    void changingADefinitionsFeaturesNeedsAllowUpdateImage() {
        String g = unique("fu");
        put(gallery(g), "{\"location\":\"westeurope\"}").then().statusCode(201);
        String def = gallery(g) + "/images/app";
        put(def, "{\"location\":\"westeurope\",\"properties\":{\"osType\":\"Linux\",\"osState\":\"Generalized\","
                + "\"identifier\":{\"publisher\":\"p\",\"offer\":\"o\",\"sku\":\"s\"},\"features\":[{\"name\":"
                + "\"SecurityType\",\"value\":\"TrustedLaunch\"}]}}").then().statusCode(201);
        String change = "{\"properties\":{\"features\":[{\"name\":\"SecurityType\",\"value\":"
                + "\"TrustedLaunchSupported\",\"startsAtVersion\":\"2.0.0\"}]%s}}";
        refused(patch(def, String.format(change, "")), 409, "properties.features", "features without allowUpdateImage");
        JsonNode updated = conforms("GalleryImages_Update", patch(def, String.format(change,
                ",\"allowUpdateImage\":true")));
        assertEquals("2.0.0", updated.at("/properties/features/0/startsAtVersion").asText());
        assertTrue(updated.at("/properties/allowUpdateImage").asBoolean());
        refused(patch(def, "{\"properties\":{\"features\":[{\"name\":\"x\",\"value\":\"y\",\"startsAtVersion\":"
                + "\"one\"}],\"allowUpdateImage\":true}}"), 400, "properties.features[0].startsAtVersion",
                "a startsAtVersion that is no version");
    }

    /** Every property the schemas declare as this system's extension is listed in the README's API section. */
    @Test
    void everyExtensionIsListedInTheReadme() throws IOException {
        Set<String> extensions = new TreeSet<>();
        collectExtensions(SCHEMAS.get("$defs"), extensions);
        assertFalse(extensions.isEmpty());
        String readme = Files.readString(Path.of("..", "README.md"));
        int section = readme.indexOf("### Azure's contract");
        assertTrue(section >= 0, "the README has no section \"### Azure's contract\"");
        String text = readme.substring(section);
        for (String name : extensions) {
            assertTrue(text.contains("`" + name + "`"), () -> "the extension " + name + " is not listed in the "
                    + "README's \"Azure's contract\" section");
        }
    }

    private static void collectExtensions(JsonNode node, Set<String> into) {
        if (node.isObject()) {
            JsonNode props = node.get("properties");
            if (props != null && props.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
                    var e = it.next();
                    if (e.getValue().path("x-extension").asBoolean(false)) {
                        into.add(e.getKey());
                    }
                }
            }
            node.elements().forEachRemaining(child -> collectExtensions(child, into));
        } else if (node.isArray()) {
            node.elements().forEachRemaining(child -> collectExtensions(child, into));
        }
    }

    /**
     * Whether {@code found} holds {@code sent}: the same scalar, the same array element by element, or an object with
     * each field sent (the answer may add read-only ones, such as a sharingProfile's groups).
     */
    static boolean contains(JsonNode found, JsonNode sent) {
        if (found == null) {
            return false;
        }
        if (sent.isObject()) {
            if (!found.isObject()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = sent.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!contains(found.get(e.getKey()), e.getValue())) {
                    return false;
                }
            }
            return true;
        }
        if (sent.isArray()) {
            if (!found.isArray() || found.size() != sent.size()) {
                return false;
            }
            for (int i = 0; i < sent.size(); i++) {
                if (!contains(found.get(i), sent.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return sent.equals(found);
    }

    /**
     * Community sharing the Azure way, catalog's part: the gallery's PUT with sharingProfile Community and its
     * communityGalleryInfo is kept and shown (not yet enabled), passed on to access-service in GalleryChanged for a
     * later {@code EnableCommunity} without information; {@code $expand=SharingProfile/Groups} shows the groups.
     */
    @Test
    void aCommunityGalleryIsAskedForByItsPutAndShownUntilPublished() {
        String g = unique("cg");
        String gallery = gallery(g);
        String body = "{\"location\":\"westeurope\",\"properties\":{\"description\":\"d\",\"sharingProfile\":{"
                + "\"permissions\":\"Community\",\"communityGalleryInfo\":{\"eula\":\"eula\",\"publicNamePrefix\":"
                + "\"PirPublic\",\"publisherContact\":\"pir@example.com\",\"publisherUri\":\"https://example.com\"}}}}";
        JsonNode created = conforms("Galleries_CreateOrUpdate", put(gallery, body));
        assertEquals("Community", created.at("/properties/sharingProfile/permissions").asText());
        assertFalse(created.at("/properties/sharingProfile/communityGalleryInfo/communityGalleryEnabled").asBoolean());
        String uniqueName = created.at("/properties/identifier/uniqueName").asText();
        List<CloudEvent> events = TestEvents.read(EventTypes.CATALOG_TOPIC, Duration.ofSeconds(60), seen -> seen
                .stream().anyMatch(e -> gallery.equals(e.subject())));
        Payloads.GalleryChanged changed = events.stream().filter(e -> gallery.equals(e.subject())).findFirst()
                .orElseThrow().dataAs(Payloads.GalleryChanged.class);
        assertEquals("PirPublic", changed.communityGalleryInfo().publicNamePrefix());
        assertEquals("pir@example.com", changed.communityGalleryInfo().publisherContact());
        refused(put(gallery, body.replace("PirPublic", "x")), 400,
                "properties.sharingProfile.communityGalleryInfo.publicNamePrefix", "a prefix too short");
        refused(put(gallery, "{\"location\":\"westeurope\",\"properties\":{\"sharingProfile\":{\"permissions\":"
                + "\"Community\"}}}"), 400, "properties.sharingProfile.communityGalleryInfo", "Community without info");
        // access-service enables it (EnableCommunity) and shares it: what it published wins
        TestEvents.publish(EventTypes.ACCESS_TOPIC, CloudEvent.of("/tests", EventTypes.GALLERY_SHARING_CHANGED,
                gallery, new Payloads.GallerySharingChanged(gallery, uniqueName, "contoso", SUB, "westeurope",
                        List.of(new Payloads.ShareEntry("Subscriptions", Realms.FABRIKAM_SUBSCRIPTION, "fabrikam",
                                "Accepted")), new Payloads.CommunityInfo(true, "PirPublic-abc123", "PirPublic",
                        "https://example.com", "pir@example.com", "eula"), null)));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode got = conforms("Galleries_Get", get(Tokens.alice(), gallery + "?$expand=SharingProfile/Groups"));
            assertTrue(got.at("/properties/sharingProfile/communityGalleryInfo/communityGalleryEnabled").asBoolean());
            assertEquals("PirPublic-abc123", got.at("/properties/sharingProfile/communityGalleryInfo/publicNames/0")
                    .asText());
            assertEquals(Realms.FABRIKAM_SUBSCRIPTION, got.at("/properties/sharingProfile/groups/0/ids/0").asText());
        });
        refused(get(Tokens.alice(), gallery + "?$expand=Everything"), 400, "$expand", "an unknown gallery $expand");
    }

    private static final Pattern INDEXED = Pattern.compile("^(\\w+)\\[(\\d+)]$");

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sets {@code value} at a dotted path ({@code a.b[0].c}), making the objects on the way. */
    static void set(ObjectNode root, String path, JsonNode value) {
        String[] parts = path.split("\\.");
        ObjectNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            Matcher m = INDEXED.matcher(parts[i]);
            if (m.matches()) {
                ArrayNode array = (ArrayNode) node.get(m.group(1));
                node = (ObjectNode) array.get(Integer.parseInt(m.group(2)));
            } else {
                node = node.has(parts[i]) ? (ObjectNode) node.get(parts[i]) : node.putObject(parts[i]);
            }
        }
        node.set(parts[parts.length - 1], value);
    }

    /** The node at a dotted path, or null. */
    static JsonNode at(JsonNode root, String path) {
        JsonNode node = root;
        for (String part : path.split("\\.")) {
            Matcher m = INDEXED.matcher(part);
            node = m.matches() ? node.path(m.group(1)).path(Integer.parseInt(m.group(2))) : node.path(part);
        }
        return node.isMissingNode() ? null : node;
    }
}

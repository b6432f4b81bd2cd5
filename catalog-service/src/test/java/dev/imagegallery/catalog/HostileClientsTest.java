package dev.imagegallery.catalog;

import dev.imagegallery.devstack.Hostile;
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

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import static dev.imagegallery.catalog.CatalogTestSupport.*;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hostile client: races, 8 requests at a time on one resource. Nothing answers 5xx, nothing hangs, and no
 * transaction is left open in PostgreSQL afterwards.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "catalog"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class HostileClientsTest {
    static final Duration DEADLINE = Duration.ofSeconds(20);

    @BeforeEach
    void grants() {
        seedGrants();
    }

    static Callable<Hostile.Outcome> call(int i, Supplier<Response> request) {
        return () -> {
            Response r = request.get();
            return new Hostile.Outcome(i, r.statusCode(), r.asString());
        };
    }

    static void noFailuresAndNoOpenTransaction(List<Hostile.Outcome> outcomes) {
        var failed = Hostile.failures(outcomes);
        assertTrue(failed.isEmpty(), "failed or hung: " + failed);
        // a transaction that outlived its request would show here (idle in transaction, or older than 5 s)
        assertEquals(List.of(), Hostile.openTransactions("catalog", Duration.ofSeconds(5)));
    }

    static void publishBase(String galleryName, String managedImage) {
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(managedImageBody(managedImage + ".raw"))
                .put(RG + "/providers/Microsoft.Compute/images/" + managedImage + MI_API)
                .then().statusCode(anyOf(is(200), is(201)));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody())
                .put(gallery(galleryName) + API).then().statusCode(anyOf(is(200), is(201)));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(imageBody("race"))
                .put(gallery(galleryName) + "/images/img" + API).then().statusCode(anyOf(is(200), is(201)));
    }

    /**
     * A token of an issuer that accepts connections and answers nothing (an identity provider overloaded or paused) is
     * 503 {@code ServiceUnavailable} with {@code Retry-After} within {@code gallery.oidc.idp-timeout} (3 s): it cannot
     * be verified now. quarkus-oidc bounded only the connection, and the request waited for the issuer's discovery
     * document until the 25 s deadline; anyone could make that happen with a made-up key id of a known issuer, whose
     * keys are fetched again for it.
     */
    @Test
    void aTokenOfAnIssuerThatDoesNotAnswerIs503WithinSeconds() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            String token = tokenOfSilentIssuer(silent);
            long t0 = System.nanoTime();
            Response r = given().header("Authorization", "Bearer " + token)
                    .get("/subscriptions/" + SUB + "/providers/Microsoft.Compute/galleries" + API);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(503, r.statusCode(), r.asString());
            assertEquals("ServiceUnavailable", r.jsonPath().getString("error.code"));
            assertNotNull(r.header("Retry-After"));
            assertTrue(ms < 10_000, "answered after " + ms + " ms");
        }
    }

    @Test
    void concurrentDeletionsOfVersionsAllAnswerAndLeaveNoTransactionOpen() {
        publishBase("racedelete", "race-src");
        String mi = RG + "/providers/Microsoft.Compute/images/race-src";
        String versions = gallery("racedelete") + "/images/img/versions/";
        String token = Tokens.alice();
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 8; i++) {
                given().auth().oauth2(token).contentType(ContentType.JSON).body(versionBody(mi, "westeurope"))
                        .put(versions + round + ".0." + i + API).then().statusCode(201);
            }
            List<Callable<Hostile.Outcome>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String path = versions + round + ".0." + i + API;
                calls.add(call(i, () -> given().auth().oauth2(token).delete(path)));
            }
            var outcomes = Hostile.parallel(calls, DEADLINE);
            noFailuresAndNoOpenTransaction(outcomes);
            // a version with replicas is deleted at once; its replicas' removal is the operation the 202 names
            outcomes.forEach(o -> assertEquals(202, o.status(), "a deletion of an existing version: " + o));
            for (int i = 0; i < 8; i++) {
                given().auth().oauth2(token).get(versions + round + ".0." + i + API).then().statusCode(404);
            }
        }
    }

    @Test
    void parallelPutsPatchesAndDeletesOnEveryResourceTypeNeverFailNorHang() {
        String token = Tokens.alice();
        String mi = RG + "/providers/Microsoft.Compute/images/race-mi";
        publishBase("raceall", "race-mi2");
        String src = RG + "/providers/Microsoft.Compute/images/race-mi2";
        String def = gallery("raceall") + "/images/img";
        record Target(String path, String put, String patch) {
        }
        List<Target> targets = List.of(
                new Target(gallery("race-g"), galleryBody(), "{\"tags\":{\"k\":\"v\"}}"),
                new Target(gallery("raceall") + "/images/race-def", imageBody("racedef"), "{\"tags\":{\"k\":\"v\"}}"),
                new Target(def + "/versions/9.9.9", versionBody(src, "westeurope"), "{\"tags\":{\"k\":\"v\"}}"),
                new Target(mi, managedImageBody("race-mi.raw"), "{\"tags\":{\"k\":\"v\"}}"));
        for (int round = 0; round < 3; round++) {
            for (Target t : targets) {
                List<Callable<Hostile.Outcome>> calls = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    int kind = (i + round) % 4;
                    calls.add(call(i, () -> switch (kind) {
                        case 0, 1 -> given().auth().oauth2(token).contentType(ContentType.JSON).body(t.put())
                                .put(t.path() + api(t.path()));
                        case 2 -> given().auth().oauth2(token).contentType(ContentType.JSON).body(t.patch())
                                .patch(t.path() + api(t.path()));
                        default -> given().auth().oauth2(token).delete(t.path() + api(t.path()));
                    }));
                }
                var outcomes = Hostile.parallel(calls, DEADLINE);
                noFailuresAndNoOpenTransaction(outcomes);
                outcomes.stream().filter(o -> o.status() >= 400).forEach(o -> assertTrue(
                        o.body().contains("\"error\"") && (o.status() == 404 || o.status() == 409),
                        t.path() + ": a refused racing write is a 404 or 409 with an ARM body: " + o));
            }
        }
    }

    @Test
    void malformedBearerTokensAre401WithAnArmBodyOnEveryRoute() {
        String openApi = given().get("/q/openapi?format=json").then().statusCode(200).extract().asString();
        // every fixed word of these routes is one that common's ArmPathCase knows (it routes them in any case)
        for (Object template : io.restassured.path.json.JsonPath.from(openApi).getMap("paths").keySet()) {
            org.junit.jupiter.api.Assertions.assertEquals(List.of(),
                    dev.imagegallery.common.arm.ArmPathCase.unknownWords((String) template), (String) template);
        }
        List<String[]> routes = Hostile.routes(openApi, SUB, List.of("/ping"));
        assertTrue(routes.size() >= 30, "the OpenAPI document lists every route: " + routes.size());
        List<String> wrong = new ArrayList<>();
        for (String[] route : routes) {
            for (String token : Hostile.MALFORMED_TOKENS) {
                for (String scheme : List.of("Bearer ", "bearer ", "Bearer  ")) {
                    Response r = given().header("Authorization", scheme + token).contentType(ContentType.JSON)
                            .body("{}").request(route[0], route[1] + api(route[1]));
                    if (r.statusCode() != 401 || r.jsonPath().getString("error.code") == null) {
                        wrong.add(route[0] + " " + route[1] + " with '" + scheme + abbreviate(token) + "' -> "
                                + r.statusCode() + " " + abbreviate(r.asString()));
                    }
                }
            }
            Response bare = given().header("Authorization", "Bearer").contentType(ContentType.JSON).body("{}")
                    .request(route[0], route[1] + api(route[1]));
            if (bare.statusCode() != 401) {
                wrong.add(route[0] + " " + route[1] + " with a bare 'Bearer' -> " + bare.statusCode());
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " malformed tokens were not a plain 401:\n"
                + String.join("\n", wrong));
    }

    static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    @Test
    void aMemberNamedTwiceOrHalfASurrogatePairIs400AndNothingIsStored() {
        String token = Tokens.alice();
        // both were stored: the first as the last "location" (another reader may take the first), the second as "?"
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"location\":\"northeurope\"}")
                .put(gallery("twice1") + api(gallery("twice1"))).then().statusCode(400)
                .body("error.code", is("InvalidRequestContent"))
                .body("error.message", org.hamcrest.Matchers.containsString("location"));
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"properties\":{\"description\":\"a\",\"description\":\"b\"}}")
                .put(gallery("twice2") + api(gallery("twice2"))).then().statusCode(400)
                .body("error.code", is("InvalidRequestContent"));
        for (String half : List.of("\\ud800", "a\\udc00b", "\\ud83d")) {
            given().auth().oauth2(token).contentType(ContentType.JSON)
                    .body("{\"location\":\"westeurope\",\"properties\":{\"description\":\"" + half + "\"}}")
                    .put(gallery("half") + api(gallery("half"))).then().statusCode(400)
                    .body("error.code", is("InvalidRequestContent"))
                    .body("error.target", is("properties.description"));
        }
        for (String name : List.of("twice1", "twice2", "half")) {
            given().auth().oauth2(token).get(gallery(name) + api(gallery(name))).then().statusCode(404);
        }
        // a whole pair is one character, kept as sent
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"properties\":{\"description\":\"\\ud83d\\ude80 images\"}}")
                .put(gallery("pair") + api(gallery("pair"))).then().statusCode(anyOf(is(200), is(201)));
        given().auth().oauth2(token).get(gallery("pair") + api(gallery("pair"))).then().statusCode(200)
                .body("properties.description", is("\uD83D\uDE80 images"));
    }

    @Test
    void nulCharactersInAnyStringOfABodyAre400NamingTheFieldAndNothingIsStored() {
        String token = Tokens.alice();
        publishBase("nulgallery", "nul-src");
        String src = RG + "/providers/Microsoft.Compute/images/nul-src";
        String nul = "\\u0000";
        record Case(String path, String body, String target) {
        }
        List<Case> cases = List.of(
                new Case(gallery("nul1"), "{\"location\":\"westeurope\",\"properties\":{\"description\":\"a" + nul
                        + "b\"}}", "properties.description"),
                new Case(gallery("nul2"), "{\"location\":\"westeurope\",\"tags\":{\"team\":\"x" + nul + "\"}}",
                        "tags"),
                new Case(gallery("nul3"), "{\"location\":\"westeurope\",\"tags\":{\"te" + nul + "am\":\"x\"}}",
                        "tags"),
                new Case(gallery("nul4"), "{\"location\":\"west" + nul + "europe\"}", "location"),
                new Case(RG + "/providers/Microsoft.Compute/images/nul-mi", "{\"location\":\"westeurope\","
                        + "\"properties\":{\"storageProfile\":{\"osDisk\":{\"osType\":\"Linux\",\"osState\":"
                        + "\"Generalized\",\"blobUri\":\"http://localhost:8082/blobs/westeurope/" + SUB + "/a" + nul
                        + "\"}}}}", "properties.storageProfile.osDisk.blobUri"),
                new Case(gallery("nulgallery") + "/images/nul-def", "{\"location\":\"westeurope\",\"properties\":"
                        + "{\"osType\":\"Linux\",\"osState\":\"Generalized\",\"identifier\":{\"publisher\":\"p" + nul
                        + "\",\"offer\":\"o\",\"sku\":\"s\"}}}", "properties.identifier.publisher"),
                new Case(gallery("nulgallery") + "/images/img/versions/7.0.0", "{\"location\":\"westeurope\","
                        + "\"properties\":{\"storageProfile\":{\"source\":{\"id\":\"" + src + nul + "\"}}}}",
                        "properties.storageProfile.source.id"),
                new Case(gallery("nulgallery") + "/images/img/versions/7.0.1", "{\"location\":\"westeurope\","
                        + "\"properties\":{\"storageProfile\":{\"source\":{\"id\":\"" + src + "\"}},"
                        + "\"lifecycleProfile\":{\"replacementVersion\":\"1.0." + nul + "\"}}}",
                        "properties.lifecycleProfile.replacementVersion"),
                new Case(gallery("nulgallery") + "/images/img/versions/7.0.2", "{\"location\":\"westeurope\","
                        + "\"tags\":{\"k\":\"" + nul + "\"},\"properties\":{\"storageProfile\":{\"source\":{\"id\":\""
                        + src + "\"}}}}", "tags"));
        for (Case c : cases) {
            given().auth().oauth2(token).contentType(ContentType.JSON).body(c.body()).put(c.path() + api(c.path()))
                    .then().statusCode(400)
                    .body("error.code", is("InvalidRequestContent"))
                    .body("error.target", org.hamcrest.Matchers.startsWith(c.target()));
            given().auth().oauth2(token).get(c.path() + api(c.path())).then().statusCode(404);
        }
    }

    @Test
    void tagsBeyondArmsLimitsAre400OnEveryResourceTypeAndNothingIsStored() {
        // 100 tags, a 600-character name, a '/' in a name were all stored: ARM allows 50 tags a resource, names of 1
        // to 512 characters without < > % & \\ ? / or control characters, values of at most 256, never null
        String token = Tokens.alice();
        publishBase("taggallery", "tag-src");
        String src = RG + "/providers/Microsoft.Compute/images/tag-src";
        StringBuilder many = new StringBuilder("{");
        for (int i = 0; i < 51; i++) {
            many.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
        }
        String tooMany = many.append("}").toString();
        record Case(String path, String body, String code) {
        }
        List<Case> cases = List.of(
                new Case(gallery("tag1"), "{\"location\":\"westeurope\",\"tags\":" + tooMany + "}",
                        "InvalidParameter"),
                new Case(gallery("tag2"), "{\"location\":\"westeurope\",\"tags\":{\"" + "n".repeat(513)
                        + "\":\"v\"}}", "InvalidParameter"),
                new Case(gallery("tag3"), "{\"location\":\"westeurope\",\"tags\":{\"\":\"v\"}}", "InvalidParameter"),
                new Case(RG + "/providers/Microsoft.Compute/images/tag-mi", managedImageBody("tag-src.raw")
                        .replaceFirst("\\{", "{\"tags\":{\"a/b\":\"v\"},"), "InvalidTagNameCharacters"),
                new Case(gallery("taggallery") + "/images/tag-def", "{\"location\":\"westeurope\",\"tags\":"
                        + "{\"team\":null},\"properties\":{\"osType\":\"Linux\",\"osState\":\"Generalized\","
                        + "\"identifier\":{\"publisher\":\"p\",\"offer\":\"o\",\"sku\":\"tag\"}}}", "InvalidParameter"),
                new Case(gallery("taggallery") + "/images/img/versions/9.0.0", "{\"location\":\"westeurope\","
                        + "\"tags\":{\"k\":\"" + "v".repeat(257) + "\"},\"properties\":{\"storageProfile\":"
                        + "{\"source\":{\"id\":\"" + src + "\"}}}}", "InvalidParameter"));
        for (Case c : cases) {
            given().auth().oauth2(token).contentType(ContentType.JSON).body(c.body()).put(c.path() + api(c.path()))
                    .then().statusCode(400)
                    .body("error.code", is(c.code()))
                    .body("error.target", is("tags"));
            given().auth().oauth2(token).get(c.path() + api(c.path())).then().statusCode(404);
        }
        // at the limits: 50 tags, a 512-character name, a 256-character value, an empty value
        StringBuilder fifty = new StringBuilder("{\"" + "n".repeat(512) + "\":\"" + "v".repeat(256) + "\",\"e\":\"\"");
        for (int i = 0; i < 48; i++) {
            fifty.append(",\"k").append(i).append("\":\"v\"");
        }
        String g = gallery("taggallery");
        given().auth().oauth2(token).contentType(ContentType.JSON).body("{\"tags\":" + fifty + "}}")
                .patch(g + api(g)).then().statusCode(200).body("tags.e", is(""));
        // and a PATCH beyond them changes nothing
        given().auth().oauth2(token).contentType(ContentType.JSON).body("{\"tags\":{\"a?b\":\"v\"}}")
                .patch(g + api(g)).then().statusCode(400).body("error.code", is("InvalidTagNameCharacters"));
        given().auth().oauth2(token).get(g + api(g)).then().statusCode(200).body("tags.e", is(""));
        String d = g + "/images/img";
        given().auth().oauth2(token).contentType(ContentType.JSON).body("{\"tags\":" + tooMany + "}")
                .patch(d + api(d)).then().statusCode(400).body("error.target", is("tags"));
    }

    @Test
    void armsFixedPathWordsInAnyCaseReachTheirRoutes() {
        // ARM reads resourcegroups, microsoft.compute, GALLERIES as their routes spell them (Azure hands out ids with
        // resourcegroups in lower case); every such path was a 404 "Unable to find matching target resource method"
        String token = Tokens.alice();
        publishBase("casegallery", "case-src");
        String lower = "/SUBSCRIPTIONS/" + SUB + "/resourcegroups/rg-images/PROVIDERS/microsoft.compute/GALLERIES/";
        given().auth().oauth2(token).contentType(ContentType.JSON).body(galleryBody()).put(lower + "CaseG" + API)
                .then().statusCode(201)
                .body("id", is(gallery("CaseG")))
                .body("name", is("CaseG"));
        given().auth().oauth2(token).get(gallery("caseg") + API).then().statusCode(200).body("name", is("CaseG"));
        given().auth().oauth2(token).get(lower + "casegallery/IMAGES/img" + API).then().statusCode(200)
                .body("id", is(gallery("casegallery") + "/images/img"));
        given().auth().oauth2(token).get(lower + "casegallery/images/img/Versions" + API).then().statusCode(200)
                .body("value", org.hamcrest.Matchers.notNullValue());
        given().auth().oauth2(token).get("/subscriptions/" + SUB + "/resourceGroups/rg-images/providers/"
                + "MICROSOFT.COMPUTE/images/case-src" + MI_API).then().statusCode(200).body("name", is("case-src"));
        // the early Vert.x route as well: resolve in any case
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body("{\"imageReference\":{\"id\":\"" + gallery("casegallery") + "/images/img\"}}")
                .post("/subscriptions/" + SUB + "/providers/microsoft.compute/LOCATIONS/westeurope/"
                        + "resolveimagereference" + API)
                .then().statusCode(404).body("error.code", is("NoImageVersionReadyInLocation"));
        given().auth().oauth2(token).delete(lower + "CaseG" + API).then().statusCode(anyOf(is(200), is(202),
                is(204)));
    }

    @Test
    void scalarsOfTheWrongTypeAre400NamingTheField() {
        String token = Tokens.alice();
        publishBase("typegallery", "type-src");
        String src = RG + "/providers/Microsoft.Compute/images/type-src";
        record Case(String path, String body, String target) {
        }
        List<Case> cases = List.of(
                new Case(gallery("typegallery") + "/images/img/versions/8.0.0", "{\"location\":\"westeurope\","
                        + "\"properties\":{\"publishingProfile\":{\"targetRegions\":[{\"name\":\"westeurope\","
                        + "\"regionalReplicaCount\":1.5}]},\"storageProfile\":{\"source\":{\"id\":\"" + src + "\"}}}}",
                        "properties.publishingProfile.targetRegions[0].regionalReplicaCount"),
                new Case(gallery("typegallery") + "/images/img/versions/8.0.1", "{\"location\":\"westeurope\","
                        + "\"properties\":{\"publishingProfile\":{\"replicaCount\":\"2\"},\"storageProfile\":"
                        + "{\"source\":{\"id\":\"" + src + "\"}}}}", "properties.publishingProfile.replicaCount"),
                new Case(gallery("typegallery") + "/images/vcpu", "{\"location\":\"westeurope\",\"properties\":"
                        + "{\"osType\":\"Linux\",\"osState\":\"Generalized\",\"identifier\":{\"publisher\":\"p\","
                        + "\"offer\":\"o\",\"sku\":\"vcpu\"},\"recommended\":{\"vCPUs\":{\"min\":1.5}}}}",
                        "properties.recommended.vCPUs.min"),
                new Case(gallery("typed1"), "{\"location\":\"westeurope\",\"properties\":{\"description\":1e309}}",
                        "properties.description"),
                new Case(gallery("typed2"), "{\"location\":\"westeurope\",\"properties\":{\"description\":true}}",
                        "properties.description"),
                new Case(gallery("typed3"), "{\"location\":\"westeurope\",\"properties\":{\"description\":\""
                        + "d".repeat(70_000) + "\"}}", "properties.description"));
        for (Case c : cases) {
            given().auth().oauth2(token).contentType(ContentType.JSON).body(c.body()).put(c.path() + api(c.path()))
                    .then().statusCode(400)
                    .body("error.target", is(c.target()));
            given().auth().oauth2(token).get(c.path() + api(c.path())).then().statusCode(404);
        }
    }

    @Test
    void aPathWithASemicolonIsRefusedAndActsOnNothing() {
        String token = Tokens.alice();
        given().urlEncodingEnabled(false).auth().oauth2(token).contentType(ContentType.JSON).body(galleryBody())
                .put(gallery("rel-fz;x") + API).then().statusCode(400).body("error.code", is("InvalidRequestUri"));
        given().auth().oauth2(token).get(gallery("rel-fz") + API).then().statusCode(404);
        given().urlEncodingEnabled(false).auth().oauth2(token).contentType(ContentType.JSON).body(galleryBody())
                .put(gallery("rel-fz") + ";x=y" + API).then().statusCode(400);
        // percent-encoded, the character is part of the name, which the name rule refuses
        given().auth().oauth2(token).contentType(ContentType.JSON).body(galleryBody())
                .put(gallery("rel-fz;x") + API).then().statusCode(400).body("error.code", is("InvalidGalleryName"));
        given().auth().oauth2(token).get(gallery("rel-fz") + API).then().statusCode(404);
    }

    @Test
    void aQueryParameterWithAControlCharacterIs400NamingIt() {
        given().urlEncodingEnabled(false).auth().oauth2(Tokens.alice())
                .get("/subscriptions/" + SUB + "/providers/Microsoft.Compute/galleries?api-version=2024-03-03"
                        + "&$skiptoken=a%00b")
                .then().statusCode(400).body("error.target", is("$skiptoken"));
        // a malformed escape, sent over a socket as is (no client library would build it)
        assertRawMalformedQueryIs400();
    }

    static void assertRawMalformedQueryIs400() {
        try (var socket = new java.net.Socket("localhost", io.restassured.RestAssured.port)) {
            socket.getOutputStream().write(("GET /subscriptions/" + SUB + "/providers/Microsoft.Compute/galleries"
                    + "?api-version=2024-03-03&$top=%zz HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + Tokens.alice() + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            // Vert.x refuses a malformed escape itself, before any route runs (so without an ARM body)
            assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void versionsNamedWithLeadingZerosAreRefusedAndPagingNeverLosesOrRepeatsOne() {
        String token = Tokens.alice();
        publishBase("zeros", "zeros-src");
        String src = RG + "/providers/Microsoft.Compute/images/zeros-src";
        String versions = gallery("zeros") + "/images/img/versions/";
        for (String name : List.of("1.0.0", "1.0.1", "1.1.0", "2.0.0", "10.0.0")) {
            given().auth().oauth2(token).contentType(ContentType.JSON).body(versionBody(src, "westeurope"))
                    .put(versions + name + API).then().statusCode(201);
        }
        for (String name : List.of("01.0.0", "1.00.0", "1.0.01", "00.0.0", "010.0.0")) {
            given().auth().oauth2(token).contentType(ContentType.JSON).body(versionBody(src, "westeurope"))
                    .put(versions + name + API).then().statusCode(400)
                    .body("error.code", is("InvalidGalleryImageVersionName"));
        }
        List<String> seen = new ArrayList<>();
        String next = gallery("zeros") + "/images/img/versions" + API + "&$top=2";
        for (int page = 0; page < 10 && next != null; page++) {
            var r = given().urlEncodingEnabled(false).auth().oauth2(token).get(next).then().statusCode(200)
                    .extract().jsonPath();
            seen.addAll(r.getList("value.name"));
            String link = r.getString("nextLink");
            next = link == null ? null : link.substring(link.indexOf("/subscriptions/"));
        }
        assertEquals(List.of("1.0.0", "1.0.1", "1.1.0", "2.0.0", "10.0.0"), seen);
    }

    @Test
    void aManagedImageRefusesBlobsOutsideItsSubscriptionAndDataPlane() {
        String token = Tokens.alice();
        String other = "fab00000-0000-4000-8000-00000000fab1";
        String base = "http://localhost:8082/blobs/westeurope/";
        List<String> uris = List.of(
                base + SUB + "/..%2F" + other + "%2Fsecret.raw",
                base + SUB + "/%2e%2e",
                base + SUB + "/../" + other + "/secret.raw",
                base + other + "/secret.raw",
                "http://localhost:9999/blobs/westeurope/" + SUB + "/disk.raw",
                "http://evil.example/blobs/westeurope/" + SUB + "/disk.raw",
                base + SUB + "/disk.raw?sv=1",
                base + SUB + "/disk.raw#x",
                base + SUB + "/" + "d".repeat(100_000),
                "file:///etc/passwd",
                "d".repeat(100_000));
        for (String uri : uris) {
            given().auth().oauth2(token).contentType(ContentType.JSON)
                    .body("{\"location\":\"westeurope\",\"properties\":{\"storageProfile\":{\"osDisk\":{\"osType\":"
                            + "\"Linux\",\"osState\":\"Generalized\",\"blobUri\":\"" + uri + "\"}}}}")
                    .put(RG + "/providers/Microsoft.Compute/images/badblob" + MI_API)
                    .then().statusCode(400).body("error.target", is("properties.storageProfile.osDisk.blobUri"));
        }
        given().auth().oauth2(token).get(RG + "/providers/Microsoft.Compute/images/badblob" + MI_API)
                .then().statusCode(404);
        // behind the front door the refusal names the origin the client called, not the service's own address
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "gallery.example:8443")
                .body("{\"location\":\"westeurope\",\"properties\":{\"storageProfile\":{\"osDisk\":{\"osType\":"
                        + "\"Linux\",\"osState\":\"Generalized\",\"blobUri\":\"http://evil.example/blobs/westeurope/"
                        + SUB + "/disk.raw\"}}}}")
                .put(RG + "/providers/Microsoft.Compute/images/badblob" + MI_API)
                .then().statusCode(400)
                .body("error.message", org.hamcrest.Matchers.containsString("https://gallery.example:8443"))
                .body("error.message", org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("8082")));
    }

    @Test
    void aManagedImageNeedsABlobThatExistsAndForgetsOneThatWasDeleted() {
        String token = Tokens.alice();
        String mi = RG + "/providers/Microsoft.Compute/images/";
        long t0 = System.nanoTime();
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(managedImageBody("never-uploaded.raw").replace("never-uploaded.raw", "not-there.raw"))
                .put(mi + "ghost" + MI_API).then().statusCode(400)
                .body("error.target", is("properties.storageProfile.osDisk.blobUri"))
                .body("error.message", org.hamcrest.Matchers.containsString("does not exist"));
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 15_000, "the refusal waits for the blob a bounded time");
        given().auth().oauth2(token).get(mi + "ghost" + MI_API).then().statusCode(404);
        // uploaded: the image is created (even when its BlobCommitted arrives just after the PUT)
        given().auth().oauth2(token).contentType(ContentType.JSON).body(managedImageBody("late.raw"))
                .put(mi + "from-late" + MI_API).then().statusCode(201);
        // deleted: a new image from it is refused
        dev.imagegallery.devstack.TestEvents.publish(dev.imagegallery.events.EventTypes.REPLICATION_TOPIC,
                dev.imagegallery.events.CloudEvent.of("/tests", dev.imagegallery.events.EventTypes.BLOB_DELETED,
                        "/blobs/westeurope/" + SUB + "/late.raw", new dev.imagegallery.events.Payloads.BlobDeleted(
                                "westeurope", SUB, "late.raw", java.time.Instant.now())));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth()
                .oauth2(token).contentType(ContentType.JSON).body(managedImageBody("late.raw"))
                .put(mi + "from-late-2" + MI_API).then().statusCode(400));
        // a version of the image made before is accepted: the image keeps its content (replication-service was
        // told to, ManagedImageChanged), whatever happens to its blob
        given().auth().oauth2(token).contentType(ContentType.JSON).body(galleryBody())
                .put(gallery("lateblob") + API).then().statusCode(anyOf(is(200), is(201)));
        given().auth().oauth2(token).contentType(ContentType.JSON).body(imageBody("late"))
                .put(gallery("lateblob") + "/images/img" + API).then().statusCode(anyOf(is(200), is(201)));
        given().auth().oauth2(token).contentType(ContentType.JSON).body(versionBody(mi + "from-late", "westeurope"))
                .put(gallery("lateblob") + "/images/img/versions/1.0.0" + API).then().statusCode(201);
    }

    /**
     * A managed image is its blob's content when it was created, as Azure's keeps its own copy: catalog-service tells
     * replication-service which content to keep (ManagedImageChanged, on create and delete), and a version of the
     * image names that content (VersionPublished.sourceDigest) and its size, whatever the blob holds by then. A blob
     * uploaded again gave the image's versions its new bytes.
     */
    @Test
    void anImageKeepsItsContentWhateverItsBlobHoldsLater() throws Exception {
        String token = Tokens.alice();
        String mi = RG + "/providers/Microsoft.Compute/images/";
        String image = RG + "/providers/Microsoft.Compute/images/from-again";
        given().auth().oauth2(token).contentType(ContentType.JSON).body(managedImageBody("again.raw"))
                .put(mi + "from-again" + MI_API).then().statusCode(201);
        var created = imageEvents(image, 1).get(0);
        assertEquals("0".repeat(64), created.digest());
        assertEquals("again.raw", created.sourceBlob().name());
        assertFalse(created.deleted());
        given().auth().oauth2(token).contentType(ContentType.JSON).body(galleryBody())
                .put(gallery("againblob") + API).then().statusCode(anyOf(is(200), is(201)));
        given().auth().oauth2(token).contentType(ContentType.JSON).body(imageBody("again"))
                .put(gallery("againblob") + "/images/img" + API).then().statusCode(anyOf(is(200), is(201)));
        // uploaded again (replication-service announces the new content as it does every commit)
        dev.imagegallery.devstack.TestEvents.publish(dev.imagegallery.events.EventTypes.REPLICATION_TOPIC,
                dev.imagegallery.events.CloudEvent.of("/tests", dev.imagegallery.events.EventTypes.BLOB_COMMITTED,
                        "/blobs/westeurope/" + SUB + "/again.raw", new dev.imagegallery.events.Payloads.BlobCommitted(
                                "westeurope", SUB, "again.raw", "1".repeat(64), 8192, java.time.Instant.now())));
        // a new image from the blob is its new content (once catalog-service heard of it)
        String versions = gallery("againblob") + "/images/img/versions/";
        dev.imagegallery.events.Payloads.VersionPublished fresh = null;
        for (int i = 0; i < 30 && fresh == null; i++) {
            given().auth().oauth2(token).contentType(ContentType.JSON).body(managedImageBody("again.raw"))
                    .put(mi + "from-again-" + i + MI_API).then().statusCode(201);
            given().auth().oauth2(token).contentType(ContentType.JSON)
                    .body(versionBody(mi + "from-again-" + i, "westeurope"))
                    .put(versions + "2.0." + i + API).then().statusCode(201);
            var published = versionPublished(versions + "2.0." + i);
            if (published.sourceDigest().equals("1".repeat(64))) {
                fresh = published;
            } else {
                Thread.sleep(1_000);
            }
        }
        assertNotNull(fresh, "an image made after the upload has its content");
        assertEquals(8192, fresh.sizeBytes());
        // the first image still is its first content: a version of it says so
        given().auth().oauth2(token).contentType(ContentType.JSON).body(versionBody(mi + "from-again", "westeurope"))
                .put(versions + "1.0.0" + API).then().statusCode(201);
        var first = versionPublished(versions + "1.0.0");
        assertEquals("0".repeat(64), first.sourceDigest());
        assertEquals(4096, first.sizeBytes(), "the image's size, not the blob's now");
        // deleted, even after its blob: a version of the image is still accepted (the image keeps its content)
        dev.imagegallery.devstack.TestEvents.publish(dev.imagegallery.events.EventTypes.REPLICATION_TOPIC,
                dev.imagegallery.events.CloudEvent.of("/tests", dev.imagegallery.events.EventTypes.BLOB_DELETED,
                        "/blobs/westeurope/" + SUB + "/again.raw", new dev.imagegallery.events.Payloads.BlobDeleted(
                                "westeurope", SUB, "again.raw", java.time.Instant.now())));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth()
                .oauth2(token).contentType(ContentType.JSON).body(managedImageBody("again.raw"))
                .put(mi + "from-again-gone" + MI_API).then().statusCode(400));
        given().auth().oauth2(token).contentType(ContentType.JSON).body(versionBody(mi + "from-again", "westeurope"))
                .put(versions + "1.0.1" + API).then().statusCode(201);
        assertEquals("0".repeat(64), versionPublished(versions + "1.0.1").sourceDigest());
        // an image's deletion lets its content go: replication-service is told
        given().auth().oauth2(token).contentType(ContentType.JSON).body(managedImageBody("spare.raw"))
                .put(mi + "spare" + MI_API).then().statusCode(201);
        given().auth().oauth2(token).delete(mi + "spare" + MI_API).then().statusCode(200);
        var spare = imageEvents(RG + "/providers/Microsoft.Compute/images/spare", 2);
        assertFalse(spare.get(0).deleted());
        assertTrue(spare.get(1).deleted());
        assertEquals("0".repeat(64), spare.get(1).digest());
        assertEquals("spare.raw", spare.get(1).sourceBlob().name());
    }

    private static List<dev.imagegallery.events.Payloads.ManagedImageChanged> imageEvents(String image, int n) {
        return dev.imagegallery.devstack.TestEvents.read(dev.imagegallery.events.EventTypes.CATALOG_TOPIC,
                        Duration.ofSeconds(20), seen -> seen.stream().filter(e -> e.subject().equalsIgnoreCase(image)
                                && e.type().equals(dev.imagegallery.events.EventTypes.MANAGED_IMAGE_CHANGED))
                                .count() >= n).stream()
                .filter(e -> e.subject().equalsIgnoreCase(image)
                        && e.type().equals(dev.imagegallery.events.EventTypes.MANAGED_IMAGE_CHANGED))
                .map(e -> e.dataAs(dev.imagegallery.events.Payloads.ManagedImageChanged.class)).toList();
    }

    private static dev.imagegallery.events.Payloads.VersionPublished versionPublished(String path) {
        String id = path.substring(path.indexOf("/subscriptions/"));
        return dev.imagegallery.devstack.TestEvents.read(dev.imagegallery.events.EventTypes.CATALOG_TOPIC,
                        Duration.ofSeconds(20), seen -> seen.stream().anyMatch(e -> e.subject().equalsIgnoreCase(id)
                                && e.type().equals(dev.imagegallery.events.EventTypes.VERSION_PUBLISHED))).stream()
                .filter(e -> e.subject().equalsIgnoreCase(id)
                        && e.type().equals(dev.imagegallery.events.EventTypes.VERSION_PUBLISHED))
                .map(e -> e.dataAs(dev.imagegallery.events.Payloads.VersionPublished.class)).findFirst()
                .orElseThrow();
    }

    @io.quarkus.test.common.http.TestHTTPResource(value = "/metrics", management = true)
    java.net.URL metrics;

    @Test
    void metricsAreServedOnlyOnTheManagementInterfaceAndNameNoRequestPaths() {
        String token = Tokens.alice();
        String secret = gallery("secretgallery42");
        given().auth().oauth2(token).contentType(ContentType.JSON).body("{\"location\":\"westeurope\",\"properties\":"
                + "{\"description\":\"" + "d".repeat(1_100_000) + "\"}}").put(secret + API).then().statusCode(413);
        given().auth().oauth2(token).post(secret + API).then().statusCode(405);
        given().auth().oauth2(token).contentType("text/plain").body("x").put(secret + API).then().statusCode(415);
        given().get(secret + API).then().statusCode(401);
        given().get("/q/metrics").then().statusCode(404);
        given().get("/q/health").then().statusCode(404);
        System.out.println("MGMT " + metrics + " sys=" + System.getProperty("test.management.url") + " cfg="
                + org.eclipse.microprofile.config.ConfigProvider.getConfig().getOptionalValue("test.management.url",
                String.class) + " port=" + org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("quarkus.management.test-port", String.class));
        String text = given().get(metrics).then().statusCode(200).extract().asString();
        assertTrue(!text.contains("secretgallery42") && !text.contains(SUB),
                "the metrics name a request's own path: " + text.lines().filter(l -> l.contains("secretgallery42")
                        || l.contains(SUB)).toList());
    }

    @Test
    void anIdenticalRepeatedGalleryPutAnswers200AndPublishesNothing() {
        String token = Tokens.alice();
        String g = gallery("quietrepeat");
        given().auth().oauth2(token).contentType(ContentType.JSON).body(galleryBody()).put(g + API)
                .then().statusCode(201);
        given().auth().oauth2(token).contentType(ContentType.JSON).body(galleryBody()).put(g + API)
                .then().statusCode(200);
        given().auth().oauth2(token).contentType(ContentType.JSON).body(galleryBody()).put(g + API)
                .then().statusCode(200);
        String marker = gallery("quietrepeat-marker");
        given().auth().oauth2(token).contentType(ContentType.JSON).body(galleryBody()).put(marker + API)
                .then().statusCode(201);
        var events = dev.imagegallery.devstack.TestEvents.read(dev.imagegallery.events.EventTypes.CATALOG_TOPIC,
                Duration.ofSeconds(20), seen -> seen.stream().anyMatch(e -> e.subject().equals(marker)));
        assertEquals(1, events.stream().filter(e -> e.subject().equals(g)).count(),
                "GalleryChanged events of one gallery PUT three times with the same body");
    }
}

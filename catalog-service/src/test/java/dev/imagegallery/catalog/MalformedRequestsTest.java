package dev.imagegallery.catalog;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.imagegallery.catalog.CatalogTestSupport.*;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fuzz-style: hundreds of malformed requests, none of which may answer 5xx; every 4xx is an ARM error body. */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "catalog"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class MalformedRequestsTest {
    static final String[] VALUES = {"null", "true", "-1", "0", "2147483648", "1e309", "\"\"", "\"x\"", "[]", "{}",
            "[null]", "{\"a\":{\"b\":{\"c\":[1,2,{}]}}}", "\"" + "y".repeat(5000) + "\"", "\"\\u0000\"",
            "\"Linux\"", "\"V9\"", "\"2001-01-01T00:00:00Z\"", "\"not-a-date\"", "\"westeurope\"", "\"mars\"", "-0.5"};
    static final String[] FIELDS = {"location", "tags", "properties", "properties.osType", "properties.osState",
            "properties.hyperVGeneration", "properties.architecture", "properties.identifier",
            "properties.identifier.publisher", "properties.recommended", "properties.recommended.vCPUs.min",
            "properties.publishingProfile", "properties.publishingProfile.targetRegions",
            "properties.publishingProfile.replicaCount", "properties.publishingProfile.endOfLifeDate",
            "properties.publishingProfile.storageAccountType", "properties.storageProfile.source.id",
            "properties.safetyProfile", "properties.lifecycleProfile.state", "properties.softDeletePolicy",
            "properties.description", "properties.storageProfile.osDisk.blobUri", "imageReference", "vmSize.vCPUs"};
    static final String[] NAMES = {"ok", "_x", "a-", "a.", "%20", "a%2Fb", "x".repeat(81), "1.0.0",
            "1.0.-1", "99999999999.0.0", "latest", "%00", "..", "a%20b", "%C3%BC%C3%BC"};

    @BeforeEach
    void grants() {
        seedGrants();
    }

    /** Sets a dotted field of a JSON object to a raw JSON value (builds the nesting). */
    static String withField(String field, String value) {
        String[] parts = field.split("\\.");
        StringBuilder sb = new StringBuilder();
        for (String p : parts) {
            sb.append("{\"").append(p).append("\":");
        }
        sb.append(value);
        sb.append("}".repeat(parts.length));
        return sb.toString();
    }

    @Test
    void fiveHundredMalformedRequestsNeverAnswer5xx() {
        Random rnd = new Random(20261125);
        String def = gallery("fuzz") + "/images/img";
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody())
                .put(gallery("fuzz") + API).then().statusCode(org.hamcrest.Matchers.anyOf(is(200), is(201)));
        List<String> bases = List.of(RG + "/providers/Microsoft.Compute/galleries/", def.replace("/img", "/"),
                def + "/versions/", RG + "/providers/Microsoft.Compute/images/",
                "/subscriptions/" + SUB + "/providers/Microsoft.Compute/locations/westeurope/");
        String token = Tokens.alice();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < 520; i++) {
            String base = bases.get(rnd.nextInt(bases.size()));
            String path = base.endsWith("locations/westeurope/") ? base + "resolveImageReference"
                    : base + NAMES[rnd.nextInt(NAMES.length)];
            String api = switch (rnd.nextInt(6)) {
                case 0 -> "";
                case 1 -> "?api-version=";
                case 2 -> "?api-version=2024-13-45";
                default -> api(path);
            };
            String body = switch (rnd.nextInt(5)) {
                case 0 -> withField(FIELDS[rnd.nextInt(FIELDS.length)], VALUES[rnd.nextInt(VALUES.length)]);
                case 1 -> "{\"location\":\"westeurope\"," + withField(FIELDS[rnd.nextInt(FIELDS.length)],
                        VALUES[rnd.nextInt(VALUES.length)]).substring(1);
                case 2 -> randomText(rnd);
                case 3 -> VALUES[rnd.nextInt(VALUES.length)];
                default -> "";
            };
            String method = List.of("PUT", "PATCH", "POST", "GET", "DELETE").get(rnd.nextInt(5));
            var req = given().urlEncodingEnabled(false).auth().oauth2(token);
            if (!body.isEmpty()) {
                req = req.contentType(rnd.nextInt(10) == 0 ? "text/plain" : "application/json").body(body);
            }
            Response r = req.request(method, path + api);
            int status = r.statusCode();
            boolean armBody = status < 400 || r.getContentType() == null || !r.getContentType().contains("json")
                    || r.jsonPath().get("error.code") != null;
            if (status >= 500 || !armBody) {
                failures.add(method + " " + path + api + " body=" + abbreviate(body) + " -> " + status + " "
                        + abbreviate(r.asString()));
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " requests failed:\n" + String.join("\n", failures));
    }

    /** A bad resource group is ARM's InvalidResourceGroup in every service (this one answered InvalidResourceGroupName). */
    @Test
    void aBadResourceGroupIsArmsInvalidResourceGroup() {
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody())
                .put("/subscriptions/" + SUB + "/resourceGroups/rg./providers/Microsoft.Compute/galleries/g" + API)
                .then().statusCode(400).body("error.code", is("InvalidResourceGroup"))
                .body("error.target", is("resourceGroupName"));
    }

    @Test
    void aBodyOverOneMebibyteIs413WithAnArmBody() {
        String huge = "{\"location\":\"westeurope\",\"properties\":{\"description\":\"" + "d".repeat(1_100_000)
                + "\"}}";
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(huge)
                .put(gallery("huge") + API).then().statusCode(413).body("error.code", notNullValue());
        // past the hard limit behind it (quarkus.http.limits.max-body-size, 2 MiB): Quarkus answered an empty 413
        String larger = huge.replace("d".repeat(1_100_000), "d".repeat(3_000_000));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(larger)
                .put(gallery("huger") + API).then().statusCode(413)
                .header("Connection", "close")
                .body("error.code", is("RequestEntityTooLarge"));
    }

    /**
     * A client that writes the whole of a body too large before it reads gets the 413, and the connection ends in
     * order: the service closed it at once with the body's bytes unread, and the kernel answered them with a reset
     * (the client's read failed with "Connection reset").
     */
    @Test
    void aClientStillSendingABodyTooLargeReadsThe413NotAReset() throws Exception {
        byte[] body = ("{\"location\":\"westeurope\",\"tags\":{\"t\":\"" + "w".repeat(3_000_000) + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket("localhost", RestAssured.port)) {
            s.setSoTimeout(15_000);
            String head = "PUT " + gallery("lingered") + API + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + Tokens.alice() + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n";
            var sent = CompletableFuture.runAsync(() -> {
                try {
                    s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().write(body, 0, 64 * 1024);
                    Thread.sleep(300); // the answer has gone out: the rest arrives after it, as from a slower client
                    s.getOutputStream().write(body, 64 * 1024, body.length - 64 * 1024);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 413 "), answer);
            assertTrue(answer.contains("RequestEntityTooLarge"), answer);
            sent.get(15, TimeUnit.SECONDS); // the whole body was taken
        }
    }

    static String randomText(Random rnd) {
        String alphabet = "{}[]\":,\\ntrufalse0123456789.-eE abc\u00fc";
        int n = rnd.nextInt(60);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}

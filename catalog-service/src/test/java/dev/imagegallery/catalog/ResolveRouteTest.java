package dev.imagegallery.catalog;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static dev.imagegallery.catalog.CatalogTestSupport.*;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * resolveImageReference is a hand-written Vert.x route (see ResolveRoute), not a JAX-RS method: what a JAX-RS method
 * gets from RESTEasy and its filters, each checked here at the HTTP level.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "catalog"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class ResolveRouteTest {
    static final String RESOLVE = "/subscriptions/" + SUB + "/providers/Microsoft.Compute/locations/westeurope"
            + "/resolveImageReference";
    static final String MI = RG + "/providers/Microsoft.Compute/images/route-src";

    @TestHTTPResource("/")
    URL base;

    @BeforeEach
    void setUp() {
        seedGrants();
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(managedImageBody("route.raw"))
                .put(MI + MI_API).then().statusCode(org.hamcrest.Matchers.anyOf(is(200), is(201)));
    }

    private static String body(String reference) {
        return "{\"imageReference\":{\"id\":\"" + reference + "\"}}";
    }

    @Test
    void whoIsAskingIsCheckedBeforeWhatIsAsked() {
        given().contentType(ContentType.JSON).body("{not json").post(RESOLVE + API).then().statusCode(401)
                .header("WWW-Authenticate", "Bearer").body("error.code", is("AuthenticationFailed"));
        given().auth().oauth2(Tokens.alice() + "x").contentType(ContentType.JSON).body(body("/x"))
                .post(RESOLVE + API).then().statusCode(401).body("error.code", is("AuthenticationFailed"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body("{not json")
                .post(RESOLVE + API).then().statusCode(400).body("error.code", is("InvalidRequestContent"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body("{\"imageReference\":{\"id\":\"/x\"},\"vmSize\":{\"vCPUs\":\"many\"}}")
                .post(RESOLVE + API).then().statusCode(400).body("error.code", is("InvalidRequestContent"))
                .body("error.target", is("vmSize.vCPUs"));
    }

    @Test
    void theApiVersionFilterRulesApply() {
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(body("/x")).post(RESOLVE)
                .then().statusCode(400).body("error.code", is("MissingApiVersionParameter"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(body("/x"))
                .post(RESOLVE + "?api-version=2019-01-01").then().statusCode(400)
                .body("error.code", is("InvalidApiVersionParameter")).body("error.target", is("api-version"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(body("/x"))
                .post(RESOLVE + "?api-version=2024-03-03&api-version=2025-03-03").then().statusCode(400)
                .body("error.code", is("InvalidApiVersionParameter")).body("error.target", is("api-version"));
    }

    @Test
    void onlyPostWithAJsonBodyOfAtMostOneMebibyteIsAccepted() {
        given().auth().oauth2(Tokens.alice()).get(RESOLVE + API).then().statusCode(405)
                .header("Allow", "POST").body("error.code", is("MethodNotAllowed"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.TEXT).body("hello").post(RESOLVE + API)
                .then().statusCode(415).body("error.code", is("UnsupportedMediaType"));
        String big = "{\"imageReference\":{\"id\":\"" + "a".repeat(1024 * 1024) + "\"}}";
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(big).post(RESOLVE + API)
                .then().statusCode(413).body("error.code", is("RequestEntityTooLarge"));
        // streamed without a length: refused rather than read without a bound
        String chunked = raw("POST /" + RESOLVE.substring(1) + API + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer " + Tokens.alice() + "\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\n{}  \r\n0\r\n\r\n");
        assertTrue(chunked.startsWith("HTTP/1.1 411"), chunked);
        assertTrue(chunked.contains("\"LengthRequired\""), chunked);
    }

    /** One request written as given on a socket (clients refuse to send some of what servers must refuse). */
    private String raw(String request) {
        try (var socket = new java.net.Socket(base.getHost(), base.getPort())) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The path's subscription is where the caller acts: resolving under another tenant's subscription, one that does
     * not exist, or one the caller holds no role in is 404 SubscriptionNotFound, as on every route under
     * /subscriptions/{id} (it was ignored, and alice resolved her image under fabrikam's subscription).
     */
    @Test
    void theSubscriptionInThePathIsOneTheCallerActsIn() {
        String reference = body(RG + "/providers/Microsoft.Compute/galleries/none/images/none");
        for (String sub : new String[]{dev.imagegallery.devstack.Realms.FABRIKAM_SUBSCRIPTION,
                "00000000-0000-4000-8000-000000000000"}) {
            given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(reference)
                    .post("/subscriptions/" + sub + "/providers/Microsoft.Compute/locations/westeurope"
                            + "/resolveImageReference" + API)
                    .then().statusCode(404).body("error.code", is("SubscriptionNotFound"));
        }
        given().auth().oauth2(Tokens.carol()).contentType(ContentType.JSON).body(reference).post(RESOLVE + API)
                .then().statusCode(404).body("error.code", is("SubscriptionNotFound"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(reference).post(RESOLVE + API)
                .then().statusCode(404).body("error.code", is("GalleryImageNotFound"));
    }

    @Test
    void aBadSubscriptionOrPercentEncodingIsRefused() {
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(body("/x"))
                .post("/subscriptions/not-a-guid/providers/Microsoft.Compute/locations/westeurope"
                        + "/resolveImageReference" + API)
                .then().statusCode(400).body("error.target", is("subscriptionId"));
        // a malformed escape (%zz) never reaches a route: Vert.x answers 400 while decoding the request line
        String badEscape = raw("POST /subscriptions/%zz/providers/Microsoft.Compute/locations/westeurope"
                + "/resolveImageReference" + API + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                + Tokens.alice() + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                + "Connection: close\r\n\r\n{}");
        assertTrue(badEscape.startsWith("HTTP/1.1 400"), badEscape);
        // and so does one in the query string
        String badQuery = raw("POST /" + RESOLVE.substring(1) + "?api-version=%zz HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer " + Tokens.alice() + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: 2\r\nConnection: close\r\n\r\n{}");
        assertTrue(badQuery.startsWith("HTTP/1.1 400"), badQuery);
    }

    @Test
    void aPathWithDotSegmentsReachesTheSameEndpoint() throws Exception {
        String def = VersionRulesTest.definition(false);
        VersionRulesTest.putVersion(def, "1.0.0", versionBody(MI, "westeurope")).statusCode(201);
        VersionRulesTest.complete(def + "/versions/1.0.0", "westeurope");
        VersionRulesTest.awaitCompleted(def + "/versions/1.0.0", "westeurope");
        VersionRulesTest.resolve(def, "westeurope", null).statusCode(200).body("exactVersion", is("1.0.0"));

        // java.net.http sends the path as given; the early route leaves it to the router, which normalises it
        String dotted = "subscriptions/" + SUB + "/providers/Microsoft.Compute/locations/westeurope/./"
                + "resolveImageReference" + API;
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + dotted))
                .header("Authorization", "Bearer " + Tokens.alice()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(def))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"exactVersion\":\"1.0.0\""), r.body());
    }

    @io.quarkus.test.common.http.TestHTTPResource(value = "/metrics", management = true)
    java.net.URL metrics;

    @Test
    void theHttpMetricsNameTheTemplateNotThePath() {
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(body("/x")).post(RESOLVE + API)
                .then().statusCode(400);
        given().get(metrics).then().statusCode(200)
                .body(containsString("uri=\"/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/"
                        + "{location}/resolveImageReference\""))
                .body(not(containsString("uri=\"" + RESOLVE + "\"")));
    }

    @Test
    void theOpenApiDocumentDescribesIt() {
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body(containsString("/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}"
                        + "/resolveImageReference"))
                .body(containsString("ResolveRequest"));
    }
}

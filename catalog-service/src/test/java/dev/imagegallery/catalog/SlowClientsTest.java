package dev.imagegallery.catalog;

import dev.imagegallery.devstack.Hostile;
import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.TestInfra;
import dev.imagegallery.devstack.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.imagegallery.catalog.CatalogTestSupport.*;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients that stop half-way (a body that stops short is 408 {@code RequestTimeout} at the request deadline), and
 * requests that cannot finish (504 {@code GatewayTimeout}): each is cut at its bound (here shortened to 3 s of
 * silence and a 2 s request deadline; 30 s and 25 s by default) and leaves nothing open behind it.
 */
@QuarkusTest
@TestProfile(SlowClientsTest.ShortBounds.class)
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "catalog"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class SlowClientsTest {
    public static class ShortBounds implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.idle-timeout", "3s", "gallery.http.request-timeout", "2s");
        }
    }

    static final Duration GIVE_UP = Duration.ofSeconds(20);

    @BeforeEach
    void grants() {
        seedGrants();
    }

    String path() {
        return "/subscriptions/" + SUB + "/providers/Microsoft.Compute/galleries" + API;
    }

    @Test
    void incompleteRequestHeadersAreCutAtTheIdleBound() throws Exception {
        var stall = Hostile.stall("localhost", RestAssured.port, "GET " + path() + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer " + Tokens.alice() + "\r\n", GIVE_UP);
        assertTrue(stall.answer() != null, "the connection was still open after " + GIVE_UP);
        assertTrue(stall.heldFor().toMillis() >= 2500 && stall.heldFor().toMillis() < 7000,
                "held for " + stall.heldFor());
    }

    @Test
    void aBodyShorterThanItsContentLengthIsCutAtTheIdleBound() throws Exception {
        String body = "{\"location\":\"westeurope\"";
        var stall = Hostile.stall("localhost", RestAssured.port, "PUT " + gallery("stalled") + API + " HTTP/1.1\r\n"
                + "Host: localhost\r\nAuthorization: Bearer " + Tokens.alice() + "\r\nContent-Type: application/json"
                + "\r\nContent-Length: 200\r\n\r\n" + body, GIVE_UP);
        assertTrue(stall.answer() != null, "the connection was still open after " + GIVE_UP);
        assertTrue(stall.heldFor().toMillis() < 7000, "held for " + stall.heldFor());
        // the client's doing: a 4xx that says so (it was 504 GatewayTimeout, as if the service had failed)
        assertTrue(stall.answer().startsWith("HTTP/1.1 408 "), stall.answer());
        assertTrue(stall.answer().contains("\"code\":\"RequestTimeout\""), stall.answer());
        given().auth().oauth2(Tokens.alice()).get(gallery("stalled") + API).then().statusCode(404);
    }

    /**
     * A request without a body, held up before its end was read (its token's verification waiting on an identity
     * provider that accepts connections and answers nothing), is the service's 504 at its deadline: it was 408
     * {@code RequestTimeout}, "the request body did not arrive in full", blaming a client that had sent everything.
     */
    @Test
    void aRequestWithoutABodyHeldUpBeforeItsEndIsRead504Not408() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            String token = tokenOfSilentIssuer(silent);
            long t0 = System.nanoTime();
            Response r = given().header("Authorization", "Bearer " + token).get(path());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(504, r.statusCode(), r.asString());
            assertEquals("GatewayTimeout", r.jsonPath().getString("error.code"));
            assertTrue(ms >= 1800 && ms < 6000, "answered after " + ms + " ms");
        }
    }

    @Test
    void aRequestThatCannotFinishIsAnswered504AtItsDeadlineAndLeavesNoTransactionOpen() throws Exception {
        String g = gallery("blocked");
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody()).put(g + API)
                .then().statusCode(org.hamcrest.Matchers.anyOf(org.hamcrest.Matchers.is(200),
                        org.hamcrest.Matchers.is(201)));
        TestInfra infra = TestInfra.shared();
        try (Connection c = DriverManager.getConnection(infra.jdbcUrl("catalog"), infra.pgUser(),
                infra.pgPassword())) {
            c.setAutoCommit(false);
            // another writer holds the gallery's row: the PUT below waits on it for longer than its deadline
            c.createStatement().executeQuery("SELECT key FROM gallery WHERE name = 'blocked' FOR UPDATE").close();
            long t0 = System.nanoTime();
            Response r = given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                    .body("{\"location\":\"westeurope\",\"properties\":{\"description\":\"changed\"}}").put(g + API);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(504, r.statusCode(), r.asString());
            assertEquals("GatewayTimeout", r.jsonPath().getString("error.code"));
            assertTrue(ms >= 1800 && ms < 6000, "answered after " + ms + " ms");
            c.rollback();
        }
        // the abandoned request's transaction ends once the row is free; nothing stays open
        assertEquals(List.of(), Hostile.openTransactions("catalog", Duration.ofSeconds(5)));
    }
}

package dev.imagegallery.catalog;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import static dev.imagegallery.catalog.CatalogTestSupport.API;
import static dev.imagegallery.catalog.CatalogTestSupport.SUB;
import static dev.imagegallery.catalog.CatalogTestSupport.seedGrants;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The cache of verified bearer tokens (common's {@code VerifiedTokens}) saves the signature check on a token seen
 * before, and nothing else: a token that differs in one character from a cached one, a token from another issuer and
 * a cached token past its expiry all take (and fail) the full verification.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "catalog"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class VerifiedTokenCacheTest {
    static final String LIST = "/subscriptions/" + SUB + "/providers/Microsoft.Compute/galleries" + API;

    @BeforeEach
    void grants() {
        seedGrants();
    }

    static int status(String token) {
        return given().auth().oauth2(token).get(LIST).statusCode();
    }

    @Test
    void aCachedTokenIsServedAgainButNoAlteredCopyOfIt() {
        String token = Tokens.alice();
        assertEquals(200, status(token));
        assertEquals(200, status(token));

        String[] parts = token.split("\\.");
        // the same header and payload with a broken signature
        String sig = parts[2];
        char last = sig.charAt(sig.length() - 2);
        String badSignature = parts[0] + "." + parts[1] + "."
                + sig.substring(0, sig.length() - 2) + (last == 'A' ? 'B' : 'A') + sig.charAt(sig.length() - 1);
        assertEquals(401, status(badSignature));
        // another subject in the payload under the cached token's signature
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"sub\":\"" + Realms.ALICE + "\"", "\"sub\":\"" + Realms.CAROL + "\"");
        String swapped = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        assertEquals(401, status(swapped));
        // a forged token (another key) for the same principal, and the cached token itself still works
        assertEquals(401, status(Tokens.of(Realms.CONTOSO, Realms.ALICE).forged().sign()));
        assertEquals(200, status(token));
    }

    @Test
    void aCachedTokenIsRefusedOnceItHasExpired() {
        String token = Tokens.of(Realms.CONTOSO, Realms.ALICE).lifetime(3).sign();
        assertEquals(200, status(token));
        assertEquals(200, status(token));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
                .until(() -> status(token) == 401);
        // and it stays refused
        assertEquals(401, status(token));
    }
}

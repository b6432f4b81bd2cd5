package dev.imagegallery.catalog;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.Payloads;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static dev.imagegallery.catalog.CatalogTestSupport.*;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * Who a direct share with a subscription serves, as Azure states it: the principals who can act in that subscription
 * (a role assignment at its scope or above). A role only below it, on one gallery of the subscription, gives nothing
 * that is shared with the subscription.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "catalog"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class SubscriptionShareReachTest {
    static final String FABRIKAM = "/subscriptions/" + Realms.FABRIKAM_SUBSCRIPTION;
    static final String FABRIKAM_LOC = FABRIKAM + "/providers/Microsoft.Compute/locations/westeurope";
    static final String READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

    @BeforeEach
    void setUp() {
        seedGrants();
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(managedImageBody("shared.raw"))
                .put(SharedViewsTest.MI + MI_API).then().statusCode(org.hamcrest.Matchers.anyOf(is(200), is(201)));
    }

    static int resolves(String token, String sharedId) {
        return given().auth().oauth2(token).contentType(ContentType.JSON)
                .body("{\"imageReference\":{\"sharedGalleryImageId\":\"" + sharedId + "\"}}")
                .post(FABRIKAM_LOC + "/resolveImageReference" + API).statusCode();
    }

    @Test
    void aShareWithASubscriptionServesWhoCanActInItNotAReaderOfOneGalleryBelowIt() {
        var p = SharedViewsTest.published();
        String sharedId = "/SharedGalleries/" + p.uniqueName() + "/Images/app/Versions/latest";
        SharedViewsTest.sharing(p, List.of(new Payloads.ShareEntry("Subscriptions", Realms.FABRIKAM_SUBSCRIPTION,
                Realms.FABRIKAM, "Accepted")), null);
        // frank, of fabrikam, is Reader of one gallery of fabrikam's subscription, and of nothing else
        String frank = UUID.randomUUID().toString();
        String frankToken = Tokens.of(Realms.FABRIKAM, frank).sign();
        String frankGallery = FABRIKAM + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/frankgallery";
        TestEvents.grant(UUID.randomUUID().toString(), Realms.FABRIKAM, frankGallery, frank, READER);
        // his grant has arrived once he may read there (the gallery does not exist: 404 rather than 403)
        await().atMost(Duration.ofSeconds(20)).until(() -> given().auth().oauth2(frankToken).get(frankGallery + API)
                .statusCode() == 404);
        // bob, Owner of the subscription, is served
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth().oauth2(Tokens.bob())
                .get(FABRIKAM_LOC + "/sharedGalleries" + API).then().statusCode(200)
                .body("value.name", hasItem(p.uniqueName())));
        await().atMost(Duration.ofSeconds(10)).until(() -> resolves(Tokens.bob(), sharedId) == 200);
        // shared with the subscription, not with the tenant: not in sharedTo=tenant
        given().auth().oauth2(Tokens.bob()).get(FABRIKAM_LOC + "/sharedGalleries" + API + "&sharedTo=tenant").then()
                .statusCode(200).body("value.name", not(hasItem(p.uniqueName())));
        // frank is not (a grant below the subscription used to count)
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            given().auth().oauth2(frankToken).get(FABRIKAM_LOC + "/sharedGalleries" + API).then().statusCode(200)
                    .body("value.name", not(hasItem(p.uniqueName())));
            given().auth().oauth2(frankToken).get(FABRIKAM_LOC + "/sharedGalleries/" + p.uniqueName() + API).then()
                    .statusCode(404);
            org.junit.jupiter.api.Assertions.assertEquals(404, resolves(frankToken, sharedId));
        });
        // a Reader at the subscription is served
        TestEvents.grant(UUID.randomUUID().toString(), Realms.FABRIKAM, FABRIKAM, frank, READER);
        await().atMost(Duration.ofSeconds(20)).until(() -> resolves(frankToken, sharedId) == 200);
        given().auth().oauth2(frankToken).get(FABRIKAM_LOC + "/sharedGalleries" + API).then().statusCode(200)
                .body("value.name", hasItem(p.uniqueName()));
    }
}

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
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
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

/** The consumer views and resolution through a share: only accepted shares and the community reach other tenants. */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "catalog"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class SharedViewsTest {
    static final String DIGEST = "sha256:" + "5a".repeat(32);
    static final String MI = RG + "/providers/Microsoft.Compute/images/shared-src";
    static final String BOB_LOC = "/subscriptions/" + Realms.FABRIKAM_SUBSCRIPTION
            + "/providers/Microsoft.Compute/locations/westeurope";
    static final String CAROL_LOC = "/subscriptions/" + SUB + "/providers/Microsoft.Compute/locations/westeurope";

    @BeforeEach
    void setUp() {
        seedGrants();
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(managedImageBody("shared.raw"))
                .put(MI + MI_API).then().statusCode(org.hamcrest.Matchers.anyOf(is(200), is(201)));
    }

    record Published(String galleryId, String uniqueName, String definition) {
    }

    /** A gallery with one image and version 1.0.0 Completed in westeurope. */
    static Published published() {
        String g = "sh" + UUID.randomUUID().toString().substring(0, 8);
        String unique = given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody())
                .put(gallery(g) + API).then().statusCode(201).extract().path("properties.identifier.uniqueName");
        String def = gallery(g) + "/images/app";
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(imageBody("sku-" + g))
                .put(def + API).then().statusCode(201);
        String v = def + "/versions/1.0.0";
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(versionBody(MI, "westeurope"))
                .put(v + API).then().statusCode(201);
        TestEvents.publish(EventTypes.REPLICATION_TOPIC, CloudEvent.of("/tests", EventTypes.REPLICA_COMPLETED, v,
                new Payloads.ReplicaCompleted(v, SUB, "westeurope", 1, "Standard_LRS", DIGEST, 10, 20,
                        java.time.Instant.now())));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth().oauth2(Tokens.alice())
                .get(v + API).then().body("properties.provisioningState", is("Succeeded")));
        return new Published(gallery(g), unique, def);
    }

    static void sharing(Published p, List<Payloads.ShareEntry> shares, Payloads.CommunityInfo community) {
        TestEvents.publish(EventTypes.ACCESS_TOPIC, CloudEvent.of("/tests", EventTypes.GALLERY_SHARING_CHANGED,
                p.galleryId(), new Payloads.GallerySharingChanged(p.galleryId(), p.uniqueName(), "contoso", SUB,
                        "westeurope", shares, community, null)));
    }

    static ValidatableResponse resolveShared(String token, String loc, String field, String id) {
        return given().auth().oauth2(token).contentType(ContentType.JSON)
                .body("{\"imageReference\":{\"" + field + "\":\"" + id + "\"}}")
                .post(loc + "/resolveImageReference" + API).then();
    }

    @Test
    void aGalleryGetWithSelectPermissionsShowsTheSharingProfileAccessServicePublished() {
        String g = "sp" + UUID.randomUUID().toString().substring(0, 8);
        String unique = given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody())
                .put(gallery(g) + API).then().statusCode(201).extract().path("properties.identifier.uniqueName");
        Published p = new Published(gallery(g), unique, null);
        String select = gallery(g) + "?api-version=2025-03-03&$select=Permissions";
        given().auth().oauth2(Tokens.alice()).get(select).then().statusCode(200)
                .body("properties.sharingProfile.permissions", is("Private"))
                .body("properties.sharingProfile.groups", is(List.of()));
        sharing(p, List.of(new Payloads.ShareEntry("Subscriptions", Realms.FABRIKAM_SUBSCRIPTION, "fabrikam",
                "Pending"), new Payloads.ShareEntry("AADTenants", "fabrikam", "fabrikam", "Accepted")), null);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().auth().oauth2(Tokens.alice()).get(select)
                .then().statusCode(200)
                .body("properties.sharingProfile.permissions", is("Groups"))
                .body("properties.sharingProfile.groups.type", is(List.of("Subscriptions", "AADTenants")))
                .body("properties.sharingProfile.groups[0].ids", is(List.of(Realms.FABRIKAM_SUBSCRIPTION)))
                .body("properties.sharingProfile.groups[1].ids", is(List.of("fabrikam"))));
        sharing(p, List.of(), new Payloads.CommunityInfo(true, "contosoPublic-x1", "contosoPublic",
                "https://contoso.example", "images@contoso.example", "Use freely."));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().auth().oauth2(Tokens.alice()).get(select)
                .then().statusCode(200)
                .body("properties.sharingProfile.permissions", is("Community"))
                .body("properties.sharingProfile.communityGalleryInfo.publicNames", is(List.of("contosoPublic-x1")))
                .body("properties.sharingProfile.communityGalleryInfo.communityGalleryEnabled", is(true)));
        // without $select, as in Azure, no profile; another $select is refused; the profile is no secret of RBAC's
        given().auth().oauth2(Tokens.alice()).get(gallery(g) + API).then().statusCode(200)
                .body("properties.sharingProfile", org.hamcrest.Matchers.nullValue());
        given().auth().oauth2(Tokens.alice()).get(gallery(g) + API + "&$select=Everything").then().statusCode(400)
                .body("error.target", is("$select"));
        given().auth().oauth2(Tokens.bob()).get(select).then().statusCode(404);
    }

    @Test
    void anAcceptedShareShowsTheGalleryToTheRecipientTenantOnlyAndARevocationHidesIt() {
        Published p = published();
        String sharedId = "/SharedGalleries/" + p.uniqueName() + "/Images/app/Versions/latest";
        sharing(p, List.of(new Payloads.ShareEntry("AADTenants", "fabrikam", "fabrikam", "Pending")), null);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                given().auth().oauth2(Tokens.bob()).get(BOB_LOC + "/sharedGalleries" + API).then().statusCode(200)
                        .body("value.name", not(hasItem(p.uniqueName()))));
        sharing(p, List.of(new Payloads.ShareEntry("AADTenants", "fabrikam", "fabrikam", "Accepted")), null);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                given().auth().oauth2(Tokens.bob()).get(BOB_LOC + "/sharedGalleries" + API).then().statusCode(200)
                        .body("value.name", hasItem(p.uniqueName())));
        // Azure's sharedTo=tenant (any case) lists it too; another value was ignored, and is now refused
        given().auth().oauth2(Tokens.bob()).get(BOB_LOC + "/sharedGalleries" + API + "&sharedTo=TENANT").then()
                .statusCode(200).body("value.name", hasItem(p.uniqueName()));
        given().auth().oauth2(Tokens.bob()).get(BOB_LOC + "/sharedGalleries" + API + "&sharedTo=subscription")
                .then().statusCode(400).body("error.target", is("sharedTo"));
        // $top and $skiptoken as on every other list: they were ignored ($top=0 and a garbage token answered 200)
        given().auth().oauth2(Tokens.bob()).get(BOB_LOC + "/sharedGalleries" + API + "&$top=0").then()
                .statusCode(400).body("error.target", is("$top"));
        given().auth().oauth2(Tokens.bob()).get(BOB_LOC + "/sharedGalleries" + API + "&$skiptoken=garbage").then()
                .statusCode(400).body("error.target", is("$skiptoken"));
        List<String> whole = given().auth().oauth2(Tokens.bob()).get(BOB_LOC + "/sharedGalleries" + API)
                .then().statusCode(200).extract().path("value.name");
        List<String> paged = new java.util.ArrayList<>();
        String next = BOB_LOC + "/sharedGalleries" + API + "&%24top=1";
        for (int i = 0; next != null && i < 1000; i++) {
            var page = given().urlEncodingEnabled(false).auth().oauth2(Tokens.bob()).get(next).then()
                    .statusCode(200).extract();
            paged.addAll(page.path("value.name"));
            next = page.path("nextLink");
        }
        org.junit.jupiter.api.Assertions.assertEquals(whole, paged);
        given().auth().oauth2(Tokens.bob()).get(BOB_LOC + "/sharedGalleries/" + p.uniqueName() + "/images" + API)
                .then().statusCode(200).body("value.name", is(List.of("app")))
                .body("value[0].identifier.uniqueId", is("/SharedGalleries/" + p.uniqueName() + "/Images/app"));
        given().auth().oauth2(Tokens.bob()).get(BOB_LOC + "/sharedGalleries/" + p.uniqueName()
                + "/images/app/versions" + API).then().statusCode(200).body("value.name", is(List.of("1.0.0")));
        resolveShared(Tokens.bob(), BOB_LOC, "sharedGalleryImageId", sharedId).statusCode(200)
                .body("exactVersion", is("1.0.0")).body("digest", is(DIGEST));
        // the owner's own ARM paths stay closed to the recipient: sharing is not RBAC
        given().auth().oauth2(Tokens.bob()).get(p.galleryId() + API).then().statusCode(404);
        // carol is in the owner's tenant without a role, and the share names fabrikam
        resolveShared(Tokens.carol(), CAROL_LOC, "sharedGalleryImageId", sharedId).statusCode(404);
        // revocation
        sharing(p, List.of(), null);
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
                resolveShared(Tokens.bob(), BOB_LOC, "sharedGalleryImageId", sharedId).statusCode(404)
                        .body("error.code", is("SharedGalleryNotFound")));
    }

    @Test
    void communityGalleriesAreVisibleToEveryAuthenticatedTenant() {
        Published p = published();
        String publicName = "contoso-" + UUID.randomUUID().toString().substring(0, 6);
        sharing(p, List.of(), new Payloads.CommunityInfo(true, publicName, "contoso", "https://contoso.example",
                "images@contoso.example", "Use freely."));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                given().auth().oauth2(Tokens.bob()).get(BOB_LOC + "/communityGalleries/" + publicName + API).then()
                        .statusCode(200).body("properties.communityMetadata.publisherContact",
                                is("images@contoso.example")));
        given().auth().oauth2(Tokens.carol()).get(CAROL_LOC + "/communityGalleries/" + publicName + "/images/app/versions"
                + API).then().statusCode(200).body("value.name", is(List.of("1.0.0")));
        resolveShared(Tokens.bob(), BOB_LOC, "communityGalleryImageId", "/CommunityGalleries/" + publicName
                + "/Images/app/Versions/1.0.0").statusCode(200).body("exactVersion", is("1.0.0"));
        given().get(BOB_LOC + "/communityGalleries/" + publicName + API).then().statusCode(401);
    }
}

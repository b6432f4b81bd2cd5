package dev.imagegallery.access;

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
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The share action, the recipients' acceptance, the limits, community publication and the audit log. */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "access"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class SharingTest {
    static final String API = "?api-version=2024-03-03";

    /** A gallery catalog-service reported (GalleryChanged on its topic), ready for sharing. */
    static String gallery() {
        String name = "g" + UUID.randomUUID().toString().substring(0, 8);
        String id = "/subscriptions/" + Realms.CONTOSO_SUBSCRIPTION + "/resourceGroups/rg/providers/Microsoft.Compute/"
                + "galleries/" + name;
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.GALLERY_CHANGED, id,
                new Payloads.GalleryChanged(id, Realms.CONTOSO_SUBSCRIPTION, "contoso",
                        Realms.CONTOSO_SUBSCRIPTION + "-" + name.toUpperCase(), "westeurope", false)));
        await().atMost(Duration.ofSeconds(20)).until(() -> given().auth().oauth2(Tokens.alice())
                .get(id + "/sharingProfile" + API).statusCode() == 200);
        return id;
    }

    static io.restassured.response.ValidatableResponse share(String token, String gallery, String body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body).post(gallery + "/share" + API)
                .then();
    }

    static String tenants(String op, String... ids) {
        return "{\"operationType\":\"" + op + "\",\"groups\":[{\"type\":\"AADTenants\",\"ids\":["
                + java.util.Arrays.stream(ids).map(i -> "\"" + i + "\"").collect(Collectors.joining(",")) + "]}]}";
    }

    @Test
    void aGalleryIsSharedRightAfterItsCreationBeforeCatalogsEventArrived() {
        // an SDK shares the moment the gallery's PUT answered; catalog's GalleryChanged is still under way
        String name = "g" + UUID.randomUUID().toString().substring(0, 8);
        String id = "/subscriptions/" + Realms.CONTOSO_SUBSCRIPTION + "/resourceGroups/rg/providers/Microsoft.Compute/"
                + "galleries/" + name;
        var late = java.util.concurrent.CompletableFuture.runAsync(() -> TestEvents.publish(EventTypes.CATALOG_TOPIC,
                CloudEvent.of("/tests", EventTypes.GALLERY_CHANGED, id, new Payloads.GalleryChanged(id,
                        Realms.CONTOSO_SUBSCRIPTION, "contoso", Realms.CONTOSO_SUBSCRIPTION + "-"
                        + name.toUpperCase(), "westeurope", false))),
                java.util.concurrent.CompletableFuture.delayedExecutor(1, java.util.concurrent.TimeUnit.SECONDS));
        share(Tokens.alice(), id, tenants("Add", "fabrikam")).statusCode(200).body("operationType", is("Add"))
                .body("permissions", is("Groups"));
        late.join();
        // a gallery that never comes is still not found, after the wait; a caller without the right never waits
        String ghost = id + "x";
        long started = System.nanoTime();
        share(Tokens.alice(), ghost, tenants("Add", "fabrikam")).statusCode(404)
                .body("error.code", is("GalleryNotFound"));
        assertTrue(Duration.ofNanos(System.nanoTime() - started).toMillis() >= 4_000, "it waited for the gallery");
        started = System.nanoTime();
        share(Tokens.bob(), ghost, tenants("Add", "fabrikam")).statusCode(404);
        assertTrue(Duration.ofNanos(System.nanoTime() - started).toMillis() < 4_000, "refused before any wait");
    }

    @Test
    void theShareActionAnswersAzuresSharingUpdateOnAnyGalleryApiVersion() {
        String g = gallery();
        String sub = "{\"operationType\":\"Add\",\"groups\":[{\"type\":\"Subscriptions\",\"ids\":[\""
                + Realms.FABRIKAM_SUBSCRIPTION + "\"]}]}";
        // what azure-resourcemanager-compute's GallerySharingProfilesClient.update sends and reads (SharingUpdate)
        for (String version : List.of("2024-03-03", "2025-03-03", "2025-12-03")) {
            given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(sub)
                    .post(g + "/share?api-version=" + version).then().statusCode(200)
                    .body("operationType", is("Add"))
                    .body("groups[0].type", is("Subscriptions"))
                    .body("groups[0].ids", is(List.of(Realms.FABRIKAM_SUBSCRIPTION)))
                    .body("permissions", is("Groups"));
        }
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(sub.replace("Add", "Remove"))
                .post(g + "/share?api-version=2025-12-03").then().statusCode(200)
                .body("operationType", is("Remove")).body("permissions", is("Private"))
                .body("groups", is(List.of()));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(sub)
                .post(g + "/share?api-version=2024-07-01").then().statusCode(400)
                .body("error.target", is("api-version"));
    }

    @Test
    void aShareWithAnotherTenantIsPendingUntilItsAdministratorAcceptsIt() {
        String g = gallery();
        share(Tokens.alice(), g, tenants("Add", "fabrikam")).statusCode(200)
                .body("permissions", is("Groups"))
                .body("shares[0].state", is("Pending"));
        String invitation = given().auth().oauth2(Tokens.bob()).get("/providers/Microsoft.Compute/sharingInvitations"
                        + API).then().statusCode(200)
                .extract().path("value.find { it.properties.sharedWith == 'fabrikam' && it.properties.state == 'Pending' }.name");
        given().auth().oauth2(Tokens.bob()).post("/providers/Microsoft.Compute/sharingInvitations/" + invitation
                + "/reject" + API).then().statusCode(200).body("properties.state", is("Rejected"));
        // invited again: pending again; then accepted
        share(Tokens.alice(), g, tenants("Add", "fabrikam")).statusCode(200).body("shares[0].state", is("Pending"));
        String decidedOn = given().auth().oauth2(Tokens.bob()).post("/providers/Microsoft.Compute/sharingInvitations/"
                + invitation + "/accept" + API).then().statusCode(200).body("properties.state", is("Accepted"))
                .extract().path("properties.decidedOn");
        // the answer says the decision's time as the invitation's reads say it (it said its nanoseconds before)
        given().auth().oauth2(Tokens.bob()).get("/providers/Microsoft.Compute/sharingInvitations" + API).then()
                .statusCode(200).body("value.find { it.name == '" + invitation + "' }.properties.decidedOn",
                        is(decidedOn));
        // the enforcing services learn the whole state, last one wins
        var events = TestEvents.read(EventTypes.ACCESS_TOPIC, Duration.ofSeconds(20), seen -> seen.stream()
                .filter(e -> e.subject().equals(g)).count() >= 4).stream().filter(e -> e.subject().equals(g)).toList();
        var last = events.get(events.size() - 1).dataAs(Payloads.GallerySharingChanged.class);
        assertEquals(List.of("Accepted"), last.shares().stream().map(Payloads.ShareEntry::state).toList());
        assertEquals("fabrikam", last.shares().get(0).tenantId());
        // carol is no tenant administrator; alice's invitations are not bob's
        given().auth().oauth2(Tokens.carol()).get("/providers/Microsoft.Compute/sharingInvitations" + API).then()
                .statusCode(403);
        given().auth().oauth2(Tokens.alice()).post("/providers/Microsoft.Compute/sharingInvitations/" + invitation
                + "/accept" + API).then().statusCode(404);
        share(Tokens.alice(), g, tenants("Remove", "fabrikam")).statusCode(200).body("permissions", is("Private"));
    }

    @Test
    void roleAssignmentsAtAnExistingGalleryScopeAreAccepted() {
        String g = gallery();
        // not carol: other tests rely on her holding no role
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body("{\"properties\":{\"roleDefinitionId\":\"acdd72a7-3385-48ef-bd42-f606fba81ae7\",\"principalId\":\""
                        + UUID.randomUUID() + "\",\"principalType\":\"User\"}}")
                .put(g + "/providers/Microsoft.Authorization/roleAssignments/" + UUID.randomUUID()
                        + "?api-version=2022-04-01").then().statusCode(201);
    }

    @Test
    void onlyOwnersAndSharingAdminsShareAndOtherTenantsDoNotSeeTheGallery() {
        String g = gallery();
        var reader = AccessTestSupport.Principal.contoso();
        AccessTestSupport.assignReader(g, reader.id());
        share(reader.token(), g, tenants("Add", "fabrikam")).statusCode(403).body("error.code", is("AuthorizationFailed"));
        // carol holds no role in the subscription, bob is of another tenant: for both it does not exist
        share(Tokens.carol(), g, tenants("Add", "fabrikam")).statusCode(404).body("error.code", is("SubscriptionNotFound"));
        share(Tokens.bob(), g, tenants("Add", "fabrikam")).statusCode(404);
    }

    @Test
    void anIdenticalRepeatedAddIs200AndPublishesNothing() {
        String g = gallery();
        share(Tokens.alice(), g, tenants("Add", "fabrikam")).statusCode(200).body("shares[0].state", is("Pending"));
        share(Tokens.alice(), g, tenants("Add", "fabrikam")).statusCode(200).body("shares[0].state", is("Pending"));
        share(Tokens.alice(), g, tenants("Add", "FABRIKAM")).statusCode(200);
        // a Remove of what is not shared changes nothing either; then one that does
        share(Tokens.alice(), g, tenants("Remove", "t-not-shared")).statusCode(200);
        share(Tokens.alice(), g, tenants("Remove", "fabrikam")).statusCode(200).body("permissions", is("Private"));
        var events = AccessTestSupport.eventsOf(g, seen -> seen.stream().anyMatch(e -> e.dataAs(
                Payloads.GallerySharingChanged.class).shares().isEmpty()));
        assertEquals(List.of(List.of("Pending"), List.of()), events.stream().map(e -> e.dataAs(
                Payloads.GallerySharingChanged.class).shares().stream().map(Payloads.ShareEntry::state).toList())
                .toList(), "one state for the Add, one for the Remove");
    }

    @Test
    void sharingLimitsAndBadGroupsAre400() {
        String g = gallery();
        String subs = IntStream.range(0, 31).mapToObj(i -> "\"" + UUID.randomUUID() + "\"")
                .collect(Collectors.joining(","));
        share(Tokens.alice(), g, "{\"operationType\":\"Add\",\"groups\":[{\"type\":\"Subscriptions\",\"ids\":[" + subs
                + "]}]}").statusCode(400).body("error.code", is("SharingLimitExceeded"));
        share(Tokens.alice(), g, tenants("Add", "t1", "t2", "t3", "t4", "t5", "t6")).statusCode(400)
                .body("error.code", is("SharingLimitExceeded"));
        share(Tokens.alice(), g, tenants("Add", "no-such-tenant")).statusCode(400)
                .body("error.target", is("groups[0].ids[0]"));
        share(Tokens.alice(), g, "{\"operationType\":\"Add\",\"groups\":[{\"type\":\"Users\",\"ids\":[\"x\"]}]}")
                .statusCode(400).body("error.target", is("groups[0].type"));
        share(Tokens.alice(), g, "{\"operationType\":\"Steal\"}").statusCode(400).body("error.target", is("operationType"));
        share(Tokens.alice(), g, "{\"operationType\":\"Add\",\"groups\":[{\"type\":\"Subscriptions\",\"ids\":[\"nope\"]}]}")
                .statusCode(400);
    }

    /**
     * Azure's way: the gallery's PUT carries sharingProfile Community with its communityGalleryInfo (catalog-service
     * passes it on in GalleryChanged), and {@code POST .../share} sends {@code {"operationType":"EnableCommunity"}}
     * and nothing else.
     */
    @Test
    void enableCommunityWithoutInformationPublishesWhatTheGallerysSharingProfileAskedFor() {
        String g = gallery();
        share(Tokens.alice(), g, "{\"operationType\":\"EnableCommunity\"}").statusCode(400)
                .body("error.target", is("communityGalleryInfo"));
        String name = g.substring(g.lastIndexOf('/') + 1);
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.GALLERY_CHANGED, g,
                new Payloads.GalleryChanged(g, Realms.CONTOSO_SUBSCRIPTION, "contoso",
                        Realms.CONTOSO_SUBSCRIPTION + "-" + name.toUpperCase(), "westeurope", false,
                        new Payloads.GalleryCommunityInfo("https://contoso.example", "images@contoso.example",
                                "Use freely.", "PirPublic"))));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                share(Tokens.alice(), g, "{\"operationType\":\"EnableCommunity\"}").statusCode(200)
                        .body("operationType", is("EnableCommunity")).body("permissions", is("Community"))
                        .body("communityGalleryInfo.publisherContact", is("images@contoso.example"))
                        .body("communityGalleryInfo.publicNames[0]", startsWith("PirPublic-")));
        // the request's own information, when it carries some, is what is published
        share(Tokens.alice(), g, "{\"operationType\":\"EnableCommunity\",\"communityGalleryInfo\":{"
                + "\"publicNamePrefix\":\"contoso\",\"publisherContact\":\"other@contoso.example\","
                + "\"eula\":\"x\"}}").statusCode(200).body("communityGalleryInfo.publicNames[0]",
                startsWith("contoso-"));
    }

    @Test
    void communityPublicationNeedsPrefixContactAndEula() {
        String g = gallery();
        share(Tokens.alice(), g, "{\"operationType\":\"EnableCommunity\",\"communityGalleryInfo\":{\"publicNamePrefix\":"
                + "\"contoso\",\"publisherContact\":\"not-an-email\",\"eula\":\"x\"}}").statusCode(400)
                .body("error.target", is("communityGalleryInfo.publisherContact"));
        String published = share(Tokens.alice(), g, "{\"operationType\":\"EnableCommunity\",\"communityGalleryInfo\":"
                + "{\"publicNamePrefix\":\"contoso\",\"publisherContact\":\"images@contoso.example\",\"eula\":"
                + "\"Use freely.\"}}")
                .statusCode(200).body("permissions", is("Community"))
                .body("communityGalleryInfo.publicNames[0]", startsWith("contoso-"))
                .extract().path("communityGalleryInfo.publicNames[0]");
        share(Tokens.alice(), g, "{\"operationType\":\"Reset\"}").statusCode(200).body("permissions", is("Private"));
        // published again, it keeps its public name; it was sha256 of the gallery's id, which anyone could compute
        // from a guess of the owner's subscription, resource group and gallery name
        share(Tokens.alice(), g, "{\"operationType\":\"EnableCommunity\",\"communityGalleryInfo\":{\"publicNamePrefix\":"
                + "\"contoso\",\"publisherContact\":\"images@contoso.example\",\"eula\":\"Use freely.\"}}")
                .statusCode(200).body("communityGalleryInfo.publicNames[0]", is(published));
        String hashed;
        try {
            hashed = "contoso-" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(g.toLowerCase(java.util.Locale.ROOT).getBytes()), 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        org.junit.jupiter.api.Assertions.assertNotEquals(hashed, published);
        share(Tokens.alice(), g, "{\"operationType\":\"Reset\"}").statusCode(200).body("permissions", is("Private"));
    }

    @Test
    void grantChangesAndDeniedRequestsAreAudited() {
        String g = gallery();
        var reader = AccessTestSupport.Principal.contoso();
        AccessTestSupport.assignReader(g, reader.id());
        share(Tokens.alice(), g, tenants("Add", "fabrikam")).statusCode(200);
        share(reader.token(), g, tenants("Add", "fabrikam")).statusCode(403);
        share(Tokens.carol(), g, tenants("Add", "fabrikam")).statusCode(404);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth().oauth2(Tokens.alice())
                .get("/providers/Microsoft.Authorization/auditLogs?api-version=2022-04-01").then().statusCode(200)
                .body("value.find { it.scope == '" + g + "' && it.outcome == 'Shared' }.principalId", is(Realms.ALICE))
                .body("value.find { it.scope == '" + g + "' && it.outcome == 'Forbidden' }.principalId", is(reader.id()))
                .body("value.find { it.scope == '" + g + "' && it.outcome == 'NotFound' }.principalId", is(Realms.CAROL))
                .body("value.outcome", hasItem("Forbidden")));
        given().auth().oauth2(Tokens.carol()).get("/providers/Microsoft.Authorization/auditLogs?api-version=2022-04-01")
                .then().statusCode(403);
    }
}

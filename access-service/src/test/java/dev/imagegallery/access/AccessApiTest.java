package dev.imagegallery.access;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.BlobRef;
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

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "access"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class AccessApiTest {
    static final String SUBS = "/subscriptions?api-version=2022-12-01";
    static final String CONTOSO_SCOPE = "/subscriptions/" + Realms.CONTOSO_SUBSCRIPTION;
    static final String READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

    @Test
    void aliceListsTheContosoSubscriptionInArmShape() {
        given().auth().oauth2(Tokens.alice()).get(SUBS).then().statusCode(200)
                .body("value", hasSize(1))
                .body("value[0].id", is(CONTOSO_SCOPE))
                .body("value[0].subscriptionId", is(Realms.CONTOSO_SUBSCRIPTION))
                .body("value[0].tenantId", is("contoso"))
                .body("value[0].displayName", is("Contoso Production"));
    }

    @Test
    void bobSeesOnlyFabrikam() {
        given().auth().oauth2(Tokens.bob()).get(SUBS).then().statusCode(200)
                .body("value.subscriptionId", is(java.util.List.of(Realms.FABRIKAM_SUBSCRIPTION)));
        given().auth().oauth2(Tokens.bob()).get(CONTOSO_SCOPE + "?api-version=2022-12-01").then().statusCode(404)
                .body("error.code", is("SubscriptionNotFound"));
    }

    @Test
    void withoutATokenIs401WithAnArmBody() {
        given().get(SUBS).then().statusCode(401).body("error.code", is("AuthenticationFailed"));
    }

    @Test
    void forgedExpiredForeignAudienceAndUnknownIssuerTokensAre401() {
        given().auth().oauth2(Tokens.of(Realms.CONTOSO, Realms.ALICE).forged().sign()).get(SUBS).then().statusCode(401);
        given().auth().oauth2(Tokens.of(Realms.CONTOSO, Realms.ALICE).expired().sign()).get(SUBS).then().statusCode(401);
        given().auth().oauth2(Tokens.of(Realms.CONTOSO, Realms.ALICE).audience("someone-else").sign()).get(SUBS)
                .then().statusCode(401);
        given().auth().oauth2(Tokens.of("unknown-realm", Realms.ALICE).sign()).get(SUBS).then().statusCode(401);
        given().auth().oauth2(Tokens.of(Realms.CONTOSO, Realms.ALICE).tid("fabrikam").sign()).get(SUBS)
                .then().statusCode(401);
    }

    @Test
    void unknownOrMissingApiVersionIs400() {
        given().auth().oauth2(Tokens.alice()).get("/subscriptions?api-version=2015-01-01").then().statusCode(400)
                .body("error.code", is("InvalidApiVersionParameter")).body("error.target", is("api-version"));
        given().auth().oauth2(Tokens.alice()).get("/subscriptions").then().statusCode(400)
                .body("error.code", is("MissingApiVersionParameter"));
    }

    @Test
    void carolHasNoRoleSoSeesNothingAndCannotAssign() {
        given().auth().oauth2(Tokens.carol()).get(SUBS).then().statusCode(200).body("value", empty());
        // a subscription she holds no role in does not exist for her
        given().auth().oauth2(Tokens.carol()).contentType(ContentType.JSON)
                .body(assignment(Realms.CAROL, READER))
                .put(assignmentPath(UUID.randomUUID().toString())).then().statusCode(404)
                .body("error.code", is("SubscriptionNotFound"));
        // a reader of one gallery sees the subscription, but may not assign roles in it
        var reader = AccessTestSupport.Principal.contoso();
        AccessTestSupport.assignReader(SharingTest.gallery(), reader.id());
        given().auth().oauth2(reader.token()).contentType(ContentType.JSON).body(assignment(reader.id(), READER))
                .put(assignmentPath(UUID.randomUUID().toString())).then().statusCode(403)
                .body("error.code", is("AuthorizationFailed"));
    }

    /** What a caller is told about a subscription it may not read: exactly what it is told about one that is not. */
    static String notFoundShape(io.restassured.response.Response r, String id) {
        return r.statusCode() + " " + r.asString().replace(id, "{id}");
    }

    @Test
    void aSubscriptionACallerHoldsNoRoleInAnswersAsOneThatDoesNotExist() {
        var erin = AccessTestSupport.Principal.contoso(); // of contoso, no role anywhere
        String nowhere = UUID.randomUUID().toString();
        String expected = notFoundShape(given().auth().oauth2(erin.token())
                .get("/subscriptions/" + nowhere + "?api-version=2022-12-01"), nowhere);
        assertEquals("404", expected.substring(0, 3), expected);
        String sub = Realms.CONTOSO_SUBSCRIPTION;
        for (String path : List.of("/subscriptions/" + sub + "?api-version=2022-12-01",
                "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01",
                "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleAssignments/" + UUID.randomUUID()
                        + "?api-version=2022-04-01",
                "/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g1/sharingProfile"
                        + "?api-version=2024-03-03")) {
            var r = given().auth().oauth2(erin.token()).get(path);
            assertEquals(expected, notFoundShape(r, sub), path);
            r.then().body(org.hamcrest.Matchers.not(containsString("Contoso Production")));
        }
        // bob (another tenant) is told the same, also when he tries to create it
        assertEquals(expected, notFoundShape(given().auth().oauth2(Tokens.bob())
                .get("/subscriptions/" + sub + "?api-version=2022-12-01"), sub));
        assertEquals(expected, notFoundShape(given().auth().oauth2(Tokens.bob()).contentType(ContentType.JSON)
                .body("{\"displayName\":\"Mine now\"}").put("/subscriptions/" + sub + "?api-version=2022-12-01"), sub));
        // whoever holds a role in it reads it
        given().auth().oauth2(Tokens.alice()).get("/subscriptions/" + sub + "?api-version=2022-12-01").then()
                .statusCode(200).body("displayName", is("Contoso Production"));
    }

    @Test
    void anIdenticalRepeatedRoleAssignmentPutIs200AndPublishesNothing() {
        String principal = UUID.randomUUID().toString();
        String id = UUID.randomUUID().toString();
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(assignment(principal, READER))
                .put(assignmentPath(id)).then().statusCode(201);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(assignment(principal, READER))
                .put(assignmentPath(id)).then().statusCode(200).body("name", is(id));
        // another principal under the same name is an update ARM refuses
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(assignment(UUID.randomUUID().toString(), READER)).put(assignmentPath(id)).then().statusCode(409)
                .body("error.code", is("RoleAssignmentUpdateNotPermitted"));
        given().auth().oauth2(Tokens.alice()).delete(assignmentPath(id)).then().statusCode(200);
        given().auth().oauth2(Tokens.alice()).delete(assignmentPath(id)).then().statusCode(204);
        var events = AccessTestSupport.eventsOf(CONTOSO_SCOPE + "/providers/Microsoft.Authorization/roleAssignments/"
                + id, seen -> seen.stream().anyMatch(e -> e.type().equals(EventTypes.ROLE_ASSIGNMENT_DELETED)));
        assertEquals(List.of(EventTypes.ROLE_ASSIGNMENT_CREATED, EventTypes.ROLE_ASSIGNMENT_DELETED),
                events.stream().map(CloudEvent::type).toList(), "one creation, one deletion");
    }

    @Test
    void anIdenticalRepeatedSubscriptionPutIs200AndPublishesNothing() {
        var t = AccessTestSupport.newTenant();
        String sub = UUID.randomUUID().toString();
        String path = "/subscriptions/" + sub + "?api-version=2022-12-01";
        given().auth().oauth2(t.token()).contentType(ContentType.JSON).body("{\"displayName\":\"Test\"}").put(path)
                .then().statusCode(201).body("displayName", is("Test"));
        given().auth().oauth2(t.token()).contentType(ContentType.JSON).body("{\"displayName\":\"Test\"}").put(path)
                .then().statusCode(200).body("displayName", is("Test"));
        // a new display name is an update: 200, and the subscription's state is published again
        given().auth().oauth2(t.token()).contentType(ContentType.JSON).body("{\"displayName\":\"Renamed\"}").put(path)
                .then().statusCode(200).body("displayName", is("Renamed"));
        var events = AccessTestSupport.eventsOf("/subscriptions/" + sub, seen -> seen.stream()
                .anyMatch(e -> e.dataAs(Payloads.SubscriptionCreated.class).displayName().equals("Renamed")));
        assertEquals(List.of("Test", "Renamed"), events.stream()
                .map(e -> e.dataAs(Payloads.SubscriptionCreated.class).displayName()).toList());
        // one Owner assignment for its creator, not one per PUT
        given().auth().oauth2(t.token()).get("/subscriptions/" + sub + "/providers/Microsoft.Authorization/"
                + "roleAssignments?api-version=2022-04-01&$filter=atScope()").then().statusCode(200)
                .body("value", hasSize(1));
    }

    @Test
    void aPrincipalIdIsAGuidOrABoundedName() {
        String[] refused = {"x".repeat(129), "a b", "-leading-dash", "' or 1=1 --", "a".repeat(100_000), "",
                "caf\u00e9"};
        for (String principal : refused) {
            given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(assignment(principal, READER))
                    .put(assignmentPath(UUID.randomUUID().toString())).then().statusCode(400)
                    .body("error.target", is("properties.principalId"));
        }
        // an object id (any case: it is kept lower-case), a Keycloak group path, an IdP subject that is no GUID
        String upper = UUID.randomUUID().toString().toUpperCase();
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(assignment(upper, READER))
                .put(assignmentPath(UUID.randomUUID().toString())).then().statusCode(201)
                .body("properties.principalId", is(upper.toLowerCase()));
        for (String principal : List.of("/platform-team", "auth0|5f7c8ec7c33c6c004bbafe82")) {
            given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                    .body(assignment(principal + UUID.randomUUID().toString().substring(0, 4), READER))
                    .put(assignmentPath(UUID.randomUUID().toString())).then().statusCode(201);
        }
    }

    @Test
    void auditLogsTopThatIsNotAnIntegerBetween1And1000Is400NamingIt() {
        for (String top : List.of("abc", "1.5", "0", "1001", "-1", "99999999999")) {
            given().auth().oauth2(Tokens.alice()).get("/providers/Microsoft.Authorization/auditLogs"
                    + "?api-version=2022-04-01&$top=" + top).then().statusCode(400).body("error.target", is("$top"));
        }
        given().auth().oauth2(Tokens.alice()).get("/providers/Microsoft.Authorization/auditLogs"
                + "?api-version=2022-04-01&$top=2").then().statusCode(200).body("value.size()",
                org.hamcrest.Matchers.lessThanOrEqualTo(2));
    }

    @Test
    void aliceGrantsCarolReaderAndRevokesIt() {
        String id = UUID.randomUUID().toString();
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(assignment(Realms.CAROL, READER))
                .put(assignmentPath(id)).then().statusCode(201)
                .body("name", is(id))
                .body("properties.principalId", is(Realms.CAROL))
                .body("properties.roleDefinitionId", containsString(READER));
        given().auth().oauth2(Tokens.carol()).get(SUBS).then().statusCode(200)
                .body("value.subscriptionId", hasItem(Realms.CONTOSO_SUBSCRIPTION));
        given().auth().oauth2(Tokens.alice())
                .get(CONTOSO_SCOPE + "/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01"
                        + "&$filter=principalId eq '" + Realms.CAROL + "'")
                .then().statusCode(200).body("value.name", hasItem(id));
        given().auth().oauth2(Tokens.alice()).delete(assignmentPath(id)).then().statusCode(200);
        given().auth().oauth2(Tokens.carol()).get(SUBS).then().statusCode(200).body("value", empty());
        given().auth().oauth2(Tokens.alice()).get(assignmentPath(id)).then().statusCode(404);
        // the grant and its revocation left through the outbox, in order, keyed by the assignment id
        var events = TestEvents.read(EventTypes.ACCESS_TOPIC, Duration.ofSeconds(20), seen -> seen.stream()
                .filter(e -> e.subject().endsWith(id)).count() == 2).stream()
                .filter(e -> e.subject().endsWith(id)).toList();
        assertEquals(List.of(EventTypes.ROLE_ASSIGNMENT_CREATED, EventTypes.ROLE_ASSIGNMENT_DELETED),
                events.stream().map(CloudEvent::type).toList());
        var granted = events.get(0).dataAs(Payloads.RoleAssignment.class);
        assertEquals(Realms.CAROL, granted.principalId());
        assertEquals(CONTOSO_SCOPE, granted.scope());
        assertEquals("contoso", granted.tenantId());
    }

    @Test
    void badAssignmentsAre400() {
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(assignment(Realms.CAROL, READER))
                .put(assignmentPath("not-a-guid")).then().statusCode(400)
                .body("error.code", is("InvalidRoleAssignmentId"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(assignment(Realms.CAROL, UUID.randomUUID().toString()))
                .put(assignmentPath(UUID.randomUUID().toString())).then().statusCode(400)
                .body("error.code", is("RoleDefinitionDoesNotExist"))
                .body("error.target", is("properties.roleDefinitionId"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(assignment(Realms.CAROL, READER).replace("/providers/Microsoft.Authorization/roleDefinitions/",
                        "/garbage/"))
                .put(assignmentPath(UUID.randomUUID().toString())).then().statusCode(400)
                .body("error.target", is("properties.roleDefinitionId"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body("{not json")
                .put(assignmentPath(UUID.randomUUID().toString())).then().statusCode(400)
                .body("error.code", is("InvalidRequestContent"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(assignment(Realms.CAROL, READER))
                .put("/subscriptions/" + Realms.CONTOSO_SUBSCRIPTION + "/bogus/providers/Microsoft.Authorization/"
                        + "roleAssignments/" + UUID.randomUUID() + "?api-version=2022-04-01")
                .then().statusCode(400).body("error.code", is("InvalidScope"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(assignment(Realms.CAROL, READER))
                .put(CONTOSO_SCOPE + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/nosuchgallery/providers/"
                        + "Microsoft.Authorization/roleAssignments/" + UUID.randomUUID() + "?api-version=2022-04-01")
                .then().statusCode(400).body("error.code", is("ScopeNotFound"));
    }

    @Test
    void scopesBelowAGalleryMustNameADefinitionOrVersionThatExists() {
        String erin = UUID.randomUUID().toString(); // a principal no other test names
        String g = SharingTest.gallery();
        String d = g + "/images/ubuntu";
        String v = d + "/versions/1.0.0";
        assignAt(d, erin).then().statusCode(400).body("error.code", is("ScopeNotFound"))
                .body("error.message", containsString("image definition"));
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.IMAGE_DEFINITION_CHANGED, d,
                new Payloads.ImageDefinitionChanged(d, Realms.CONTOSO_SUBSCRIPTION, false)));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> assignAt(d, erin).statusCode() == 201);
        // the definition exists, its version not yet
        assignAt(v, erin).then().statusCode(400).body("error.code", is("ScopeNotFound"))
                .body("error.message", containsString("image version"));
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_PUBLISHED, v,
                new Payloads.VersionPublished(v, Realms.CONTOSO_SUBSCRIPTION, "contoso", BlobRef.parse(
                        "http://localhost:8082/blobs/westeurope/" + Realms.CONTOSO_SUBSCRIPTION + "/x.raw"), 1,
                        List.of())));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> assignAt(v, erin).statusCode() == 201);
        // once the definition is deleted, it is no scope any more
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.IMAGE_DEFINITION_CHANGED, d,
                new Payloads.ImageDefinitionChanged(d, Realms.CONTOSO_SUBSCRIPTION, true)));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> assignAt(d, erin).statusCode() == 400);
    }

    /**
     * An assignment below the subscription answers its roleDefinitionId under the subscription, as ARM does, so its
     * body PUT back is the same assignment (200); it answered the id under the assignment's own scope, which the PUT
     * then refused (400 InvalidRoleDefinitionId). And another subscription's role definition is refused: it was taken.
     */
    @Test
    void anAssignmentBelowTheSubscriptionAnswersARoleDefinitionIdItsPutTakesBack() {
        String url = CONTOSO_SCOPE + "/resourceGroups/rg-roundtrip/providers/Microsoft.Authorization/roleAssignments/"
                + UUID.randomUUID() + "?api-version=2022-04-01";
        String principal = UUID.randomUUID().toString();
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(assignment(principal, READER))
                .put(url).then().statusCode(201).body("properties.roleDefinitionId",
                        is(CONTOSO_SCOPE + "/providers/Microsoft.Authorization/roleDefinitions/" + READER));
        String got = given().auth().oauth2(Tokens.alice()).get(url).then().statusCode(200)
                .body("properties.roleDefinitionId",
                        is(CONTOSO_SCOPE + "/providers/Microsoft.Authorization/roleDefinitions/" + READER))
                .extract().asString();
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(got).put(url)
                .then().statusCode(200);

        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(assignment(principal, READER).replace(CONTOSO_SCOPE, "/subscriptions/"
                        + Realms.FABRIKAM_SUBSCRIPTION))
                .put(CONTOSO_SCOPE + "/resourceGroups/rg-roundtrip/providers/Microsoft.Authorization/roleAssignments/"
                        + UUID.randomUUID() + "?api-version=2022-04-01")
                .then().statusCode(400).body("error.code", is("InvalidRoleDefinitionId"))
                .body("error.target", is("properties.roleDefinitionId"));
        // a body is one JSON value: what follows it is refused, not dropped (this PUT was 201)
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(assignment(principal, READER) + "]]]")
                .put(CONTOSO_SCOPE + "/resourceGroups/rg-roundtrip/providers/Microsoft.Authorization/roleAssignments/"
                        + UUID.randomUUID() + "?api-version=2022-04-01")
                .then().statusCode(400).body("error.code", org.hamcrest.Matchers.notNullValue());
    }

    /** alice assigns Reader to a principal at a scope, under a new assignment id. */
    static io.restassured.response.Response assignAt(String scope, String principal) {
        return given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(assignment(principal, READER))
                .put(scope + "/providers/Microsoft.Authorization/roleAssignments/" + UUID.randomUUID()
                        + "?api-version=2022-04-01");
    }

    @Test
    void aPrincipalOfAnotherTenantCannotBeAssigned() {
        // bob (fabrikam) and a fabrikam group become known to the directory when bob's token is verified here
        given().auth().oauth2(Tokens.of(Realms.FABRIKAM, Realms.BOB).groups("fab-ops-group").sign())
                .get(SUBS).then().statusCode(200);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(assignment(Realms.BOB, READER))
                .put(assignmentPath(UUID.randomUUID().toString())).then().statusCode(400)
                .body("error.code", is("PrincipalNotFound"))
                .body("error.target", is("properties.principalId"))
                // which tenant it is in is not told (it was: an oracle of other tenants' users and groups)
                .body("error.message", org.hamcrest.Matchers.not(containsString("fabrikam")));
        // a group is a name in its own tenant's directory: fabrikam's group of that name does not block contoso's
        // (a fabrikam user signing in once in such a group blocked contoso's assignments to its own group)
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(assignment("fab-ops-group", READER).replace("\"User\"", "\"Group\""))
                .put(assignmentPath(UUID.randomUUID().toString())).then().statusCode(201);
        // a principal of alice's own tenant is accepted
        String dave = "da7e0000-0000-4000-8000-000000000004";
        given().auth().oauth2(Tokens.of(Realms.CONTOSO, dave).sign()).get(SUBS).then().statusCode(200);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(assignment(dave, READER))
                .put(assignmentPath(UUID.randomUUID().toString())).then().statusCode(201);
        // and bob's own administrator may assign him in fabrikam
        given().auth().oauth2(Tokens.bob()).contentType(ContentType.JSON)
                .body(assignment(Realms.BOB, READER).replace(CONTOSO_SCOPE, "/subscriptions/" + Realms.FABRIKAM_SUBSCRIPTION))
                .put("/subscriptions/" + Realms.FABRIKAM_SUBSCRIPTION + "/resourceGroups/rg-x/providers/"
                        + "Microsoft.Authorization/roleAssignments/" + UUID.randomUUID() + "?api-version=2022-04-01")
                .then().statusCode(201);
    }

    @Test
    void builtInRoleDefinitionsAreListed() {
        given().auth().oauth2(Tokens.carol())
                .get(CONTOSO_SCOPE + "/providers/Microsoft.Authorization/roleDefinitions?api-version=2022-04-01")
                .then().statusCode(200)
                .body("value.properties.roleName", hasItem("Compute Gallery Sharing Admin"))
                .body("value.name", hasItem("8e3af657-a8ff-443c-a75c-2fe8c4bcb635"));
    }

    @Test
    void aRoleNameFilterAnswersThatRoleAloneAsTheAzureSdkAsksForIt() {
        String definitions = CONTOSO_SCOPE + "/providers/Microsoft.Authorization/roleDefinitions";
        // azure-resourcemanager-authorization's withBuiltInRole(READER) asks this, and takes the first role answered
        given().auth().oauth2(Tokens.alice()).queryParam("api-version", "2022-04-01")
                .queryParam("$filter", "roleName eq 'Reader'").get(definitions)
                .then().statusCode(200)
                .body("value.properties.roleName", org.hamcrest.Matchers.is(java.util.List.of("Reader")))
                .body("value[0].properties.type", org.hamcrest.Matchers.is("BuiltInRole"));
        given().auth().oauth2(Tokens.alice()).queryParam("api-version", "2022-04-01")
                .queryParam("$filter", "type eq 'BuiltInRole' and roleName eq 'Compute Gallery Image Reader'")
                .get("/providers/Microsoft.Authorization/roleDefinitions")
                .then().statusCode(200)
                .body("value.properties.roleName", org.hamcrest.Matchers.is(
                        java.util.List.of("Compute Gallery Image Reader")));
        // at a gallery's scope too, as @azure/arm-authorization's roleDefinitions.list(scope, {filter}) asks
        given().auth().oauth2(Tokens.alice()).queryParam("api-version", "2022-04-01")
                .queryParam("$filter", "roleName eq 'Reader'")
                .get(CONTOSO_SCOPE + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g1"
                        + "/providers/Microsoft.Authorization/roleDefinitions")
                .then().statusCode(200)
                .body("value.properties.roleName", org.hamcrest.Matchers.is(java.util.List.of("Reader")))
                // ARM's id of a built-in role is the subscription's whatever scope listed it: what an assignment takes
                .body("value[0].id", org.hamcrest.Matchers.is(CONTOSO_SCOPE
                        + "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"));
        given().auth().oauth2(Tokens.alice()).queryParam("api-version", "2022-04-01")
                .queryParam("$filter", "roleName eq 'Reader' or roleName eq 'Owner'").get(definitions)
                .then().statusCode(400)
                .body("error.target", org.hamcrest.Matchers.is("$filter"));
    }

    static String assignmentPath(String id) {
        return CONTOSO_SCOPE + "/providers/Microsoft.Authorization/roleAssignments/" + id + "?api-version=2022-04-01";
    }

    static String assignment(String principal, String role) {
        return "{\"properties\":{\"roleDefinitionId\":\"" + CONTOSO_SCOPE
                + "/providers/Microsoft.Authorization/roleDefinitions/" + role + "\",\"principalId\":\"" + principal
                + "\",\"principalType\":\"User\"}}";
    }

    /**
     * A group named like a user's id carried that user's roles (a hostile probe: a contoso user in a group named
     * after alice's id was served as alice, tenant administrator included). A grant applies to the caller's own id
     * unless it is a Group's, and through the groups claim only if it is a Group's.
     */
    @Test
    void aGroupNamedLikeAUsersIdDoesNotCarryThatUsersRoles() {
        String mallory = UUID.randomUUID().toString();
        String posing = Tokens.of(Realms.CONTOSO, mallory).groups(Realms.ALICE).sign();
        given().auth().oauth2(posing).get(SUBS).then().statusCode(200)
                .body("value", org.hamcrest.Matchers.empty());
        given().auth().oauth2(posing).get("/tenants/contoso/providers/Microsoft.Gallery/eventSubscribers"
                + "?api-version=2026-12-01").then().statusCode(org.hamcrest.Matchers.anyOf(is(403), is(404)));
        // a Group's grant reaches its members, and only through the groups claim
        String group = "readers-" + UUID.randomUUID().toString().substring(0, 8);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(assignment(group, READER).replace("\"User\"", "\"Group\""))
                .put(assignmentPath(UUID.randomUUID().toString())).then().statusCode(201);
        given().auth().oauth2(Tokens.of(Realms.CONTOSO, mallory).groups(group).sign()).get(SUBS).then()
                .statusCode(200).body("value", org.hamcrest.Matchers.not(org.hamcrest.Matchers.empty()));
        given().auth().oauth2(Tokens.of(Realms.CONTOSO, group).sign()).get(SUBS).then().statusCode(200)
                .body("value", org.hamcrest.Matchers.empty());
    }
}

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
        given().auth().oauth2(Tokens.alice()).get("/subscriptions?api-version=2020-01-01").then().statusCode(400)
                .body("error.code", is("InvalidApiVersionParameter")).body("error.target", is("api-version"));
        given().auth().oauth2(Tokens.alice()).get("/subscriptions").then().statusCode(400)
                .body("error.code", is("MissingApiVersionParameter"));
    }

    @Test
    void carolHasNoRoleSoSeesNothingAndCannotAssign() {
        given().auth().oauth2(Tokens.carol()).get(SUBS).then().statusCode(200).body("value", empty());
        given().auth().oauth2(Tokens.carol()).contentType(ContentType.JSON)
                .body(assignment(Realms.CAROL, READER))
                .put(assignmentPath(UUID.randomUUID().toString())).then().statusCode(403)
                .body("error.code", is("AuthorizationFailed"));
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
    void builtInRoleDefinitionsAreListed() {
        given().auth().oauth2(Tokens.carol())
                .get(CONTOSO_SCOPE + "/providers/Microsoft.Authorization/roleDefinitions?api-version=2022-04-01")
                .then().statusCode(200)
                .body("value.properties.roleName", hasItem("Compute Gallery Sharing Admin"))
                .body("value.name", hasItem("8e3af657-a8ff-443c-a75c-2fe8c4bcb635"));
    }

    static String assignmentPath(String id) {
        return CONTOSO_SCOPE + "/providers/Microsoft.Authorization/roleAssignments/" + id + "?api-version=2022-04-01";
    }

    static String assignment(String principal, String role) {
        return "{\"properties\":{\"roleDefinitionId\":\"" + CONTOSO_SCOPE
                + "/providers/Microsoft.Authorization/roleDefinitions/" + role + "\",\"principalId\":\"" + principal
                + "\",\"principalType\":\"User\"}}";
    }
}

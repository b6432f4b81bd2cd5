package dev.imagegallery.access;

import dev.imagegallery.access.publicstream.BusAdmin;
import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.TestInfra;
import dev.imagegallery.devstack.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.junit.jupiter.api.Test;

import static dev.imagegallery.access.EventSubscribersTest.API;
import static dev.imagegallery.access.EventSubscribersTest.BASE;
import static dev.imagegallery.access.EventSubscribersTest.name;
import static dev.imagegallery.access.EventSubscribersTest.put;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Registering a subscriber while the identity provider cannot be reached: without devstack's KeycloakResource the
 * tests' access-service has Keycloak at a port nothing listens on ({@code %test} in application.properties), as a
 * Keycloak that is down or cut off. The same test resources as the other API tests: no application restart.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "access"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class IdentityProviderDownTest {

    @Test
    void anUnavailableIdentityProviderIsA503ThatKeepsNothing() throws Exception {
        String name = name();
        put(Tokens.alice(), name, "{}").then().statusCode(503).body("error.code", is("ServiceUnavailable"));
        // no subscriber row (not even one left "Provisioning": the next PUT is no 409) and no ACLs
        given().auth().oauth2(Tokens.alice()).get(BASE + name + API).then().statusCode(404)
                .body("error.code", is("SubscriberNotFound"));
        given().auth().oauth2(Tokens.alice()).get(BASE.substring(0, BASE.length() - 1) + API).then().statusCode(200)
                .body("value.name", not(hasItem(name)));
        put(Tokens.alice(), name, "{}").then().statusCode(503).body("error.code", is("ServiceUnavailable"));
        try (Admin admin = Admin.create(TestInfra.shared().superUserProps())) {
            var acls = admin.describeAcls(new AclBindingFilter(ResourcePatternFilter.ANY, new AccessControlEntryFilter(
                    BusAdmin.principalOf("contoso", name), null, AclOperation.ANY, AclPermissionType.ANY)))
                    .values().get();
            assertTrue(acls.isEmpty(), () -> "ACLs kept: " + acls);
        }
        // deleting what does not exist asks nobody
        given().auth().oauth2(Tokens.alice()).delete(BASE + name + API).then().statusCode(204);
    }
}

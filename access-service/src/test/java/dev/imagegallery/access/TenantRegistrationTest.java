package dev.imagegallery.access;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.TestIssuer;
import dev.imagegallery.devstack.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;

/** A tenant registered at run time is accepted without a restart; its administrator creates subscriptions. */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "access"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class TenantRegistrationTest {

    @Test
    void aRegisteredIssuerIsTrustedWithoutARestart() {
        String tenant = "nw" + UUID.randomUUID().toString().substring(0, 6);
        String dave = UUID.randomUUID().toString();
        String sub = UUID.randomUUID().toString();
        String daveToken = Tokens.of(tenant, dave).sign();
        given().auth().oauth2(daveToken).get("/subscriptions?api-version=2022-12-01").then().statusCode(401);
        given().auth().oauth2(Tokens.carol()).contentType(ContentType.JSON).body("{}")
                .put("/tenants/" + tenant + "?api-version=2022-12-01").then().statusCode(403);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body("{\"issuer\":\"" + TestIssuer.shared().issuer(tenant) + "\",\"displayName\":\"Northwind\","
                        + "\"administratorPrincipalId\":\"" + dave + "\",\"subscriptionId\":\"" + sub + "\"}")
                .put("/tenants/" + tenant + "?api-version=2022-12-01").then().statusCode(201)
                .body("tenantId", is(tenant));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth().oauth2(daveToken)
                .get("/subscriptions?api-version=2022-12-01").then().statusCode(200)
                .body("value[0].subscriptionId", is(sub)).body("value[0].tenantId", is(tenant)));
        String second = UUID.randomUUID().toString();
        given().auth().oauth2(daveToken).contentType(ContentType.JSON).body("{\"displayName\":\"Northwind Test\"}")
                .put("/subscriptions/" + second + "?api-version=2022-12-01").then().statusCode(201)
                .body("tenantId", is(tenant));
        // a token of the new tenant forged with another key, or claiming another tenant, stays out
        given().auth().oauth2(Tokens.of(tenant, dave).forged().sign()).get("/subscriptions?api-version=2022-12-01")
                .then().statusCode(401);
        given().auth().oauth2(Tokens.of(tenant, dave).tid("contoso").sign()).get("/subscriptions?api-version=2022-12-01")
                .then().statusCode(401);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body("{\"issuer\":\"not a url\",\"administratorPrincipalId\":\"x\"}")
                .put("/tenants/other-" + tenant + "?api-version=2022-12-01").then().statusCode(400)
                .body("error.target", is("issuer"));
    }

    /**
     * The realms that are no tenant's are no tenant's ids: a tenant named platform (the services' bus identities'
     * realm) would have its administrator make event subscribers in that realm, and one named like a service's client
     * had its failed registration delete that service's ACLs (a hostile probe, by reading).
     */
    @Test
    void aReservedRealmIsNoTenant() {
        for (String reserved : java.util.List.of("platform", "master")) {
            given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                    .body("{\"issuer\":\"" + TestIssuer.shared().issuer(reserved) + "\",\"administratorPrincipalId\":\""
                            + UUID.randomUUID() + "\"}")
                    .put("/tenants/" + reserved + "?api-version=2022-12-01").then().statusCode(400)
                    .body("error.code", org.hamcrest.Matchers.is("InvalidTenantId"))
                    .body("error.target", org.hamcrest.Matchers.is("tenantId"));
        }
    }
}

package dev.imagegallery.access;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/**
 * ARM's resource provider registry, which {@code az provider show|register}, Terraform's azurerm provider and the SDKs'
 * {@code providers} clients read before anything else (Python's {@code providers.get('Microsoft.Compute')} was refused:
 * the door sent it to catalog-service, which took it for a gallery call): the system's namespaces, their resource
 * types with the api-versions the services accept, registered in every subscription.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "access"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class ResourceProvidersTest {
    static final String API = "?api-version=2022-09-01";
    static final String SUB = "/subscriptions/" + Realms.CONTOSO_SUBSCRIPTION;

    /**
     * A subscription's locations, as ARM lists them (a hostile probe: 404, and {@code az account list-locations} or an
     * SDK's {@code list_locations} failed): the deployment's regions, for whoever sees the subscription.
     */
    @Test
    void aSubscriptionsLocationsAreTheDeploymentsRegions() {
        given().auth().oauth2(Tokens.alice()).get(SUB + "/locations?api-version=2022-12-01").then().statusCode(200)
                .body("value.name", hasItems("westeurope", "northeurope"))
                .body("value.find { it.name == 'westeurope' }.id", is(SUB + "/locations/westeurope"))
                .body("value.find { it.name == 'westeurope' }.displayName", is("West Europe"))
                .body("value.find { it.name == 'westeurope' }.type", is("Region"))
                .body("value.find { it.name == 'westeurope' }.subscriptionId", is(Realms.CONTOSO_SUBSCRIPTION));
        given().auth().oauth2(Tokens.bob()).get(SUB + "/locations?api-version=2022-12-01").then().statusCode(404)
                .body("error.code", is("SubscriptionNotFound"));
    }

    @Test
    void aSubscriptionsProvidersAreListedReadAndRegistered() {
        given().auth().oauth2(Tokens.alice()).get(SUB + "/providers" + API).then().statusCode(200)
                .body("value.namespace", hasItems("Microsoft.Compute", "Microsoft.Authorization",
                        "Microsoft.Consumption", "Microsoft.Resources", "Microsoft.Gallery"))
                .body("value.registrationState", hasItem("Registered"));
        // the namespace in any case, as ARM reads it; answered in its own
        given().auth().oauth2(Tokens.alice()).get(SUB + "/providers/microsoft.compute" + API).then().statusCode(200)
                .body("id", is(SUB + "/providers/Microsoft.Compute"))
                .body("namespace", is("Microsoft.Compute"))
                .body("registrationState", is("Registered"))
                .body("registrationPolicy", is("RegistrationFree"))
                .body("resourceTypes.resourceType", hasItems("galleries", "galleries/images",
                        "galleries/images/versions", "images"))
                .body("resourceTypes.find { it.resourceType == 'galleries' }.apiVersions[0]", is("2025-12-03"))
                .body("resourceTypes.find { it.resourceType == 'galleries' }.apiVersions", hasItem("2024-03-03"))
                .body("resourceTypes.find { it.resourceType == 'galleries' }.locations", hasItem("westeurope"))
                .body("resourceTypes.find { it.resourceType == 'images' }.apiVersions", hasItem("2024-07-01"));
        given().auth().oauth2(Tokens.alice()).post(SUB + "/providers/Microsoft.Compute/register" + API).then()
                .statusCode(200).body("registrationState", is("Registered"));
        given().auth().oauth2(Tokens.alice()).post(SUB.toUpperCase() + "/PROVIDERS/Microsoft.Compute/REGISTER" + API)
                .then().statusCode(200).body("namespace", is("Microsoft.Compute"));
        given().auth().oauth2(Tokens.alice()).post(SUB + "/providers/Microsoft.Compute/unregister" + API).then()
                .statusCode(409).body("error.code", is("ProviderUnregistrationNotSupported"))
                .body("error.target", is("resourceProviderNamespace"));
        // at the tenant: no subscription, no registration state
        given().auth().oauth2(Tokens.alice()).get("/providers/Microsoft.Gallery" + API).then().statusCode(200)
                .body("namespace", is("Microsoft.Gallery")).body("registrationState", nullValue())
                .body("resourceTypes.resourceType", hasItem("eventSubscribers"));
        given().auth().oauth2(Tokens.alice()).get("/providers" + API).then().statusCode(200)
                .body("value.namespace", hasItem("Microsoft.Compute"));
    }

    @Test
    void onlyTheSubscriptionsPeopleReadAndOnlyItsContributorsRegister() {
        // carol holds no role in it (404: a subscription she cannot see), bob is of another tenant
        given().auth().oauth2(Tokens.carol()).get(SUB + "/providers/Microsoft.Compute" + API).then().statusCode(404);
        given().auth().oauth2(Tokens.bob()).get(SUB + "/providers" + API).then().statusCode(404);
        var reader = AccessTestSupport.Principal.contoso();
        AccessTestSupport.assignReader(SUB, reader.id());
        given().auth().oauth2(reader.token()).get(SUB + "/providers/Microsoft.Compute" + API).then().statusCode(200);
        given().auth().oauth2(reader.token()).post(SUB + "/providers/Microsoft.Compute/register" + API).then()
                .statusCode(403).body("error.code", is("AuthorizationFailed"));
        given().get(SUB + "/providers" + API).then().statusCode(401);
    }

    @Test
    void badInputIsAClearArmError() {
        given().auth().oauth2(Tokens.alice()).get(SUB + "/providers/Microsoft.Network" + API).then().statusCode(404)
                .body("error.code", is("InvalidResourceNamespace"))
                .body("error.target", is("resourceProviderNamespace"));
        given().auth().oauth2(Tokens.alice()).post(SUB + "/providers/Microsoft.Network/register" + API).then()
                .statusCode(404).body("error.code", is("InvalidResourceNamespace"));
        given().auth().oauth2(Tokens.alice()).get("/providers/%3Cscript%3E" + API).then().statusCode(404)
                .body("error.code", is("InvalidResourceNamespace"));
        given().auth().oauth2(Tokens.alice()).get("/subscriptions/not-a-guid/providers" + API).then().statusCode(400)
                .body("error.code", is("InvalidSubscriptionId"));
        // the registry's api-versions are Microsoft.Resources'
        given().auth().oauth2(Tokens.alice()).get(SUB + "/providers/Microsoft.Compute?api-version=2024-03-03").then()
                .statusCode(400).body("error.code", is("InvalidApiVersionParameter"));
        given().auth().oauth2(Tokens.alice()).get(SUB + "/providers").then().statusCode(400)
                .body("error.code", is("MissingApiVersionParameter"));
    }
}

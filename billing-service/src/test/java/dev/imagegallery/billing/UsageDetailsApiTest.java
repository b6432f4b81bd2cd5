package dev.imagegallery.billing;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.List;
import java.util.UUID;

import static dev.imagegallery.billing.BillingTestSupport.GIB;
import static dev.imagegallery.billing.BillingTestSupport.IMAGE_READER;
import static dev.imagegallery.billing.BillingTestSupport.PATIENCE;
import static dev.imagegallery.billing.BillingTestSupport.READER;
import static dev.imagegallery.billing.BillingTestSupport.SUB;
import static dev.imagegallery.billing.BillingTestSupport.at;
import static dev.imagegallery.billing.BillingTestSupport.egress;
import static dev.imagegallery.billing.BillingTestSupport.newVersionId;
import static dev.imagegallery.billing.BillingTestSupport.publishReplication;
import static dev.imagegallery.billing.BillingTestSupport.today;
import static dev.imagegallery.billing.BillingTestSupport.usagePath;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/** The Microsoft.Consumption/usageDetails endpoint: its shape, its parameters and who may read it. */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "billing"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class UsageDetailsApiTest {

    @BeforeAll
    static void seed() {
        BillingTestSupport.publishSeedGrants();
    }

    @BeforeEach
    void grantsKnown() {
        BillingTestSupport.awaitSeedGrants();
    }

    @Test
    void linesHaveTheArmUsageDetailShape() {
        String v = newVersionId();
        LocalDate yesterday = today().minusDays(1);
        publishReplication(egress(v, "westeurope", "eastus", GIB, at(yesterday, 8)));
        String path = usagePath(yesterday, yesterday);
        await().atMost(PATIENCE).untilAsserted(() -> given().auth().oauth2(Tokens.alice()).get(path).then()
                .statusCode(200).body("value.properties.resourceId", hasItem(v)));

        String prefix = "value.find { it.properties.resourceId == '" + v + "' }";
        given().auth().oauth2(Tokens.alice()).get(path).then().statusCode(200)
                .body(containsString("\"nextLink\":null"))
                .body(prefix + ".id", startsWith("/subscriptions/" + SUB
                        + "/providers/Microsoft.Consumption/usageDetails/"))
                .body(prefix + ".type", is("Microsoft.Consumption/usageDetails"))
                .body(prefix + ".kind", is("legacy"))
                .body(prefix + ".properties.date", is(yesterday + "T00:00:00Z"))
                .body(prefix + ".properties.meterCategory", is("Bandwidth"))
                .body(prefix + ".properties.meterName", is("Inter-region egress westeurope to eastus"))
                .body(prefix + ".properties.meterSubCategory", is("Inter-Geography Data Transfer"))
                .body(prefix + ".properties.meterDetails.meterName", is("Inter-region egress westeurope to eastus"))
                .body(prefix + ".properties.unitOfMeasure", is("1 GiB"))
                .body(prefix + ".properties.resourceLocation", is("westeurope"))
                .body(prefix + ".properties.resourceGroup", is("rg-billing"))
                .body(prefix + ".properties.resourceName", is("1.0.0"))
                .body(prefix + ".properties.subscriptionId", is(SUB))
                .body(prefix + ".properties.billingCurrency", is("USD"))
                .body(prefix + ".properties.cost", is(0.05f))
                .body(prefix + ".properties.additionalInfo", containsString("\"bytes\":" + GIB));
        // the line's name is the same on every read
        String first = given().auth().oauth2(Tokens.alice()).get(path).then().extract().path(prefix + ".name");
        given().auth().oauth2(Tokens.alice()).get(path).then().body(prefix + ".name", is(first));
    }

    @Test
    void aFilterNarrowsTheLinesAndOneThatCannotBeHonouredIs400() {
        // the filter used to be ignored: every line of the period came back, the other resource group's too
        String v = newVersionId();
        String other = v.replace("/resourceGroups/rg-billing/", "/resourceGroups/rg-other/");
        LocalDate yesterday = today().minusDays(1);
        publishReplication(egress(v, "westeurope", "eastus", GIB, at(yesterday, 8)));
        publishReplication(egress(other, "westeurope", "eastus", GIB, at(yesterday, 9)));
        String path = usagePath(yesterday, yesterday);
        await().atMost(PATIENCE).untilAsserted(() -> given().auth().oauth2(Tokens.alice()).get(path).then()
                .statusCode(200).body("value.properties.resourceId", hasItems(v, other)));

        given().auth().oauth2(Tokens.alice()).queryParam("$filter", "properties/resourceGroup eq 'RG-OTHER'")
                .get(path).then().statusCode(200)
                .body("value.properties.resourceGroup", everyItem(is("rg-other")))
                .body("value.properties.resourceId", hasItem(other));
        given().auth().oauth2(Tokens.alice()).queryParam("$filter", "properties/resourceId eq '" + v + "'")
                .get(path).then().statusCode(200).body("value.properties.resourceId", everyItem(is(v)))
                .body("value.size()", is(1));
        // the legacy date filter narrows the days as startDate and endDate do
        given().auth().oauth2(Tokens.alice()).queryParam("$filter", "properties/usageStart ge '" + yesterday
                        + "' and properties/usageEnd le '" + yesterday + "' and properties/resourceId eq '" + v + "'")
                .get(usagePath(null, null)).then().statusCode(200).body("value.size()", is(1))
                .body("value[0].properties.date", is(yesterday + "T00:00:00Z"));
        given().auth().oauth2(Tokens.alice()).queryParam("$filter", "properties/usageStart gt '" + yesterday + "'")
                .get(path).then().statusCode(200).body("value.size()", is(0));
        for (String bad : new String[]{"properties/usageStart ge 'notadate'", "tags eq 'env:prod'",
                "properties/resourceGroup eq 'a' or properties/resourceGroup eq 'b'"}) {
            given().auth().oauth2(Tokens.alice()).queryParam("$filter", bad).get(path).then().statusCode(400)
                    .body("error.code", is("InvalidFilter"))
                    .body("error.target", is("$filter"));
        }
    }

    @Test
    void tinyQuantitiesAreWrittenAsPlainDecimals() {
        String v = newVersionId();
        LocalDate yesterday = today().minusDays(1);
        publishReplication(egress(v, "westeurope", "northeurope", 1, at(yesterday, 8)));
        String path = usagePath(yesterday, yesterday);
        await().atMost(PATIENCE).untilAsserted(() -> given().auth().oauth2(Tokens.alice()).get(path).then()
                .statusCode(200).body("value.properties.resourceId", hasItem(v)));
        // 1 byte = 1 / 2^30 GiB, not 9.31E-10
        given().auth().oauth2(Tokens.alice()).get(path).then()
                .body(containsString("\"quantity\":0.000000000931,"));
    }

    @Test
    void withoutDatesTheCurrentMonthIsShown() {
        LocalDate today = today();
        given().auth().oauth2(Tokens.alice()).get(usagePath(null, null)).then().statusCode(200)
                .body("value.properties.date", everyItem(startsWith(today.toString().substring(0, 8))));
    }

    @Test
    void withoutATokenIs401() {
        given().get(usagePath(null, null)).then().statusCode(401)
                .body("error.code", is("AuthenticationFailed"));
    }

    @Test
    void carolWithoutARoleInTheSubscriptionIs404() {
        given().auth().oauth2(Tokens.carol()).get(usagePath(null, null)).then().statusCode(404)
                .body("error.code", is("SubscriptionNotFound"));
    }

    @Test
    void bobOfAnotherTenantIs404() {
        given().auth().oauth2(Tokens.bob()).get(usagePath(null, null)).then().statusCode(404)
                .body("error.code", is("SubscriptionNotFound"));
        // and bob reads his own subscription's usage
        given().auth().oauth2(Tokens.bob()).get(usagePath(Realms.FABRIKAM_SUBSCRIPTION, null, null)).then()
                .statusCode(200);
    }

    @Test
    void aReaderMayReadUsageAnImageReaderMayNot() {
        String reader = UUID.randomUUID().toString();
        String imageReader = UUID.randomUUID().toString();
        TestEvents.grant(UUID.randomUUID().toString(), Realms.CONTOSO, "/subscriptions/" + SUB, reader, READER);
        TestEvents.grant(UUID.randomUUID().toString(), Realms.CONTOSO, "/subscriptions/" + SUB, imageReader,
                IMAGE_READER);
        await().atMost(PATIENCE).untilAsserted(() -> given()
                .auth().oauth2(Tokens.of(Realms.CONTOSO, reader).sign()).get(usagePath(null, null))
                .then().statusCode(200));
        await().atMost(PATIENCE).untilAsserted(() -> given()
                .auth().oauth2(Tokens.of(Realms.CONTOSO, imageReader).sign()).get(usagePath(null, null))
                .then().statusCode(403));
    }

    @Test
    void anUnknownApiVersionIs400() {
        given().auth().oauth2(Tokens.alice())
                .get("/subscriptions/" + SUB + "/providers/Microsoft.Consumption/usageDetails?api-version=2021-10-01")
                .then().statusCode(400)
                .body("error.code", is("InvalidApiVersionParameter"))
                .body("error.target", is("api-version"));
        given().auth().oauth2(Tokens.alice())
                .get("/subscriptions/" + SUB + "/providers/Microsoft.Consumption/usageDetails")
                .then().statusCode(400).body("error.code", is("MissingApiVersionParameter"));
    }

    @Test
    void badDateRangesAre400NamingTheParameter() {
        LocalDate today = today();
        given().auth().oauth2(Tokens.alice()).get(usagePath(today, today.minusDays(1))).then().statusCode(400)
                .body("error.code", is("InvalidDateRange"))
                .body("error.target", is("endDate"));
        given().auth().oauth2(Tokens.alice()).get(usagePath(today.minusDays(366), today)).then().statusCode(400)
                .body("error.target", is("endDate"))
                .body("error.message", containsString("366"));
        given().auth().oauth2(Tokens.alice()).get(usagePath(today.minusDays(365), today)).then().statusCode(200);
        given().auth().oauth2(Tokens.alice()).get(usagePath(SUB, null, null) + "&startDate=yesterday").then()
                .statusCode(400)
                .body("error.code", is("InvalidParameter"))
                .body("error.target", is("startDate"))
                .body("error.message", endsWith("yyyy-MM-dd."));
    }

    /** Azure's three metrics, in any case, answer; a value that is none of them is no longer read as the default. */
    @Test
    void aMetricThatIsNotOneOfAzuresIs400() {
        for (String metric : List.of("actualcost", "AmortizedCost", "usage")) {
            given().auth().oauth2(Tokens.alice()).get(usagePath(SUB, null, null) + "&metric=" + metric).then()
                    .statusCode(200);
        }
        for (String metric : List.of("amortisedcost", "cost", "actual cost")) {
            given().auth().oauth2(Tokens.alice()).get(usagePath(SUB, null, null) + "&metric=" + metric).then()
                    .statusCode(400)
                    .body("error.code", is("InvalidParameter"))
                    .body("error.target", is("metric"))
                    .body("error.message", containsString("actualcost, amortizedcost, usage"));
        }
    }

    @Test
    void aSubscriptionIdThatIsNoGuidIs400() {
        given().auth().oauth2(Tokens.alice()).get(usagePath("not-a-guid", null, null)).then().statusCode(400)
                .body("error.code", is("InvalidSubscriptionId"))
                .body("error.target", is("subscriptionId"));
    }
}

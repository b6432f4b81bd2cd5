package dev.imagegallery.billing;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static dev.imagegallery.billing.BillingTestSupport.GIB;
import static dev.imagegallery.billing.BillingTestSupport.SUB;
import static dev.imagegallery.billing.BillingTestSupport.exact;
import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.comparesEqualTo;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Estimating what a version would cost before publishing it. */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "billing"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class EstimateTest {
    static final String PATH = "/subscriptions/" + SUB
            + "/providers/Microsoft.Consumption/estimateImageVersionCost?api-version=2023-05-01";

    @BeforeAll
    static void seed() {
        BillingTestSupport.publishSeedGrants();
    }

    @BeforeEach
    void grantsKnown() {
        BillingTestSupport.awaitSeedGrants();
    }

    @Test
    void monthlyStorageAndOneTimeEgressEachLineExplained() {
        String body = """
                {"sizeBytes": %d, "usedBytes": %d, "sourceRegion": "westeurope", "targetRegions": [
                  {"name": "westeurope", "regionalReplicaCount": 2, "storageAccountType": "Standard_LRS"},
                  {"name": "North Europe", "regionalReplicaCount": 1, "storageAccountType": "Premium_LRS"},
                  {"name": "eastus", "regionalReplicaCount": 3, "storageAccountType": "Standard_ZRS"}]}
                """.formatted(100 * GIB, 40 * GIB);
        JsonPath e = exact(given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(body).post(PATH));
        // storage: 40 GiB used x 2 x 0.05 = 4.00; x 1 x 0.132 = 5.28; x 3 x 0.05 = 6.00
        assertThat(e.get("monthlyStorageCost"), comparesEqualTo(new BigDecimal("15.28")));
        // egress: 40 GiB to northeurope x 0.02 = 0.80, to eastus x 0.05 = 2.00; none within westeurope
        assertThat(e.get("oneTimeEgressCost"), comparesEqualTo(new BigDecimal("2.80")));
        assertThat(e.get("firstMonthCost"), comparesEqualTo(new BigDecimal("18.08")));
        assertEquals("USD", e.getString("currency"));
        assertEquals(3, e.getList("storage").size());
        assertEquals(2, e.getList("egress").size());
        assertEquals("northeurope", e.getString("storage[1].region"));
        assertThat(e.get("storage[1].quantity"), comparesEqualTo(new BigDecimal("40")));
        assertThat(e.get("storage[1].unitPrice"), comparesEqualTo(new BigDecimal("0.132")));
        assertThat(e.get("storage[1].cost"), comparesEqualTo(new BigDecimal("5.28")));
        assertThat(e.getString("storage[0].formula"), containsString("x 2 replica(s) x 0.05 USD per GiB-month"));
        assertThat(e.getString("storage[0].formula"), containsString("100 GiB provisioned"));
        assertThat(e.getString("egress[1].formula"), containsString("between geographies"));
        assertThat(e.get("egress[1].cost"), comparesEqualTo(new BigDecimal("2.00")));
    }

    @Test
    void badEstimatesAre400NamingTheField() {
        post("{\"sizeBytes\": -1, \"sourceRegion\": \"westeurope\", \"targetRegions\": [{\"name\": \"eastus\"}]}",
                "sizeBytes");
        post("{\"sizeBytes\": 10, \"usedBytes\": 11, \"sourceRegion\": \"westeurope\", \"targetRegions\": "
                + "[{\"name\": \"eastus\"}]}", "usedBytes");
        post("{\"sizeBytes\": 10, \"sourceRegion\": \"mars\", \"targetRegions\": [{\"name\": \"eastus\"}]}",
                "sourceRegion");
        post("{\"sizeBytes\": 10, \"sourceRegion\": \"westeurope\", \"targetRegions\": []}", "targetRegions");
        post("{\"sizeBytes\": 10, \"sourceRegion\": \"westeurope\", \"targetRegions\": [{\"name\": \"eastus\", "
                + "\"storageAccountType\": \"Ultra\"}]}", "targetRegions[0].storageAccountType");
        post("{\"sizeBytes\": 10, \"sourceRegion\": \"westeurope\", \"targetRegions\": [{\"name\": \"eastus\", "
                + "\"regionalReplicaCount\": 0}]}", "targetRegions[0].regionalReplicaCount");
        post("{\"sizeBytes\": 2000000000000000000, \"sourceRegion\": \"westeurope\", \"targetRegions\": "
                + "[{\"name\": \"eastus\"}]}", "sizeBytes");
        given().auth().oauth2(Tokens.bob()).contentType(ContentType.JSON).body("{}").post(PATH).then()
                .statusCode(404);
    }

    static void post(String body, String target) {
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(body).post(PATH).then()
                .statusCode(400).body("error.target", is(target));
    }
}

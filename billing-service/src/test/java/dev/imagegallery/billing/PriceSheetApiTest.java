package dev.imagegallery.billing;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.imagegallery.billing.BillingTestSupport.PRICE_SHEET;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

/**
 * The price sheet API: reading, versions, who may change it and what a sheet must be. Versions made here take effect
 * in 2099, so that no other test's prices change.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "billing"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class PriceSheetApiTest {
    static final String VERSIONS = "/providers/Microsoft.Consumption/priceSheets/default/versions"
            + "?api-version=2023-05-01";

    @BeforeAll
    static void seed() {
        BillingTestSupport.publishSeedGrants();
    }

    static String sheet(String effectiveFrom, String storage, String egress) {
        return "{\"properties\": {\"effectiveFrom\": \"" + effectiveFrom + "\", \"storage\": [" + storage
                + "], \"egress\": [" + egress + "]}}";
    }

    static final String STORAGE = "{\"storageAccountType\": \"Standard_LRS\", \"pricePerGiBMonth\": 0.04},"
            + "{\"storageAccountType\": \"Standard_LRS\", \"region\": \"westeurope\", \"pricePerGiBMonth\": 0.045},"
            + "{\"storageAccountType\": \"Standard_ZRS\", \"pricePerGiBMonth\": 0.06},"
            + "{\"storageAccountType\": \"Premium_LRS\", \"pricePerGiBMonth\": 0.15}";
    static final String EGRESS = "{\"sourceGeography\": \"Europe\", \"destinationGeography\": \"Europe\", "
            + "\"pricePerGiB\": 0.02}, {\"sourceGeography\": \"Europe\", \"destinationGeography\": \"US\", "
            + "\"pricePerGiB\": 0.05}, {\"sourceGeography\": \"US\", \"destinationGeography\": \"Europe\", "
            + "\"pricePerGiB\": 0.05}, {\"sourceGeography\": \"US\", \"destinationGeography\": \"US\", "
            + "\"pricePerGiB\": 0.02}";

    @Test
    void anyoneSignedInReadsTheSheetInEffect() {
        given().auth().oauth2(Tokens.bob()).get(PRICE_SHEET).then().statusCode(200)
                .body("type", is("Microsoft.Consumption/priceSheets/versions"))
                .body("properties.currency", is("USD"))
                .body("properties.storage.find { it.storageAccountType == 'Premium_LRS' }.pricePerGiBMonth",
                        is(0.132f))
                .body("properties.storage.find { it.storageAccountType == 'Standard_LRS' }.pricePerGiBMonth",
                        is(0.05f))
                .body("properties.egress.find { it.sourceGeography == 'Europe' && it.destinationGeography == 'US' }"
                        + ".pricePerGiB", is(0.05f))
                .body("properties.egress.find { it.sourceGeography == 'US' && it.destinationGeography == 'US' }"
                        + ".pricePerGiB", is(0.02f));
        given().get(PRICE_SHEET).then().statusCode(401);
    }

    @Test
    void anAdministratorAddsAVersionAndEarlierOnesStayReadable() {
        String createdAt = given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(sheet("2099-01-01", STORAGE, EGRESS))
                .put(PRICE_SHEET).then().statusCode(201)
                .body("id", is("/providers/Microsoft.Consumption/priceSheets/default/versions/2099-01-01"))
                .body("name", is("2099-01-01"))
                .body("properties.effectiveFrom", is("2099-01-01"))
                .body("properties.createdBy", is("contoso:a11ce000-0000-4000-8000-000000000001"))
                .body("properties.storage.find { it.region == 'westeurope' }.pricePerGiBMonth", is(0.045f))
                .extract().path("properties.createdAt");
        given().auth().oauth2(Tokens.alice()).get(VERSIONS).then().statusCode(200)
                .body("value.name", hasItem("2099-01-01"))
                .body("value.name", hasItem("2000-01-01"))
                .body("value.find { it.name == '2000-01-01' }.properties.storage.size()", is(3));
        given().auth().oauth2(Tokens.alice()).get(PRICE_SHEET + "&date=2099-02-01").then().statusCode(200)
                .body("name", is("2099-01-01"));
        given().auth().oauth2(Tokens.alice()).get(PRICE_SHEET + "&date=2098-12-31").then().statusCode(200)
                .body("properties.effectiveTo", is("2099-01-01"));
        given().auth().oauth2(Tokens.alice())
                .get("/providers/Microsoft.Consumption/priceSheets/default/versions/2099-01-01?api-version=2023-05-01")
                .then().statusCode(200).body("properties.storage.size()", is(4))
                // the PUT answered the time its reads say (it answered the clock's nanoseconds, they microseconds)
                .body("properties.createdAt", is(createdAt));
        given().auth().oauth2(Tokens.alice())
                .get("/providers/Microsoft.Consumption/priceSheets/default/versions/2098-01-01?api-version=2023-05-01")
                .then().statusCode(404);
        // two versions never share a day
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(sheet("2099-01-01", STORAGE, EGRESS))
                .put(PRICE_SHEET).then().statusCode(400)
                .body("error.code", is("PriceSheetOverlap"))
                .body("error.target", is("properties.effectiveFrom"));
    }

    @Test
    void onlyBillingAdministratorsChangePrices() {
        given().auth().oauth2(Tokens.bob()).contentType(ContentType.JSON).body(sheet("2099-03-01", STORAGE, EGRESS))
                .put(PRICE_SHEET).then().statusCode(403)
                .body("error.code", is("AuthorizationFailed"))
                .body("error.message", containsString("Microsoft.Consumption/priceSheets/write"));
        given().auth().oauth2(Tokens.carol()).contentType(ContentType.JSON).body(sheet("2099-03-01", STORAGE, EGRESS))
                .put(PRICE_SHEET).then().statusCode(403);
    }

    @Test
    void sheetsWithGapsOverlapsOrNegativePricesAre400NamingTheField() {
        // no Premium_LRS price
        String gap = STORAGE.substring(0, STORAGE.lastIndexOf(",{"));
        put(sheet("2099-04-01", gap, EGRESS), "PriceSheetGap", "properties.storage");
        // no US to Europe price
        String egressGap = EGRESS.replace("{\"sourceGeography\": \"US\", \"destinationGeography\": \"Europe\", "
                + "\"pricePerGiB\": 0.05}, ", "");
        put(sheet("2099-04-01", STORAGE, egressGap), "PriceSheetGap", "properties.egress");
        // Standard_LRS for every region given twice
        put(sheet("2099-04-01", STORAGE + ",{\"storageAccountType\": \"standard_lrs\", \"pricePerGiBMonth\": 1}",
                EGRESS), "PriceSheetOverlap", "properties.storage[4]");
        put(sheet("2099-04-01", STORAGE, EGRESS + ",{\"sourceGeography\": \"US\", \"destinationGeography\": \"US\", "
                + "\"pricePerGiB\": 0.03}"), "PriceSheetOverlap", "properties.egress[4]");
        put(sheet("2099-04-01", STORAGE.replace("0.06", "-0.06"), EGRESS), "NegativePrice",
                "properties.storage[2].pricePerGiBMonth");
        put(sheet("2099-04-01", STORAGE, EGRESS.replace("0.02}", "-0.02}")), "NegativePrice",
                "properties.egress[0].pricePerGiB");
        // prices of absurd exponents: their message wrote them out (an OutOfMemoryError, a 500: a hostile probe)
        put(sheet("2099-04-01", STORAGE.replace("0.06", "1e999999999"), EGRESS), "InvalidPriceSheet",
                "properties.storage[2].pricePerGiBMonth");
        put(sheet("2099-04-01", STORAGE.replace("0.06", "-1e999999999"), EGRESS), "NegativePrice",
                "properties.storage[2].pricePerGiBMonth");
        put(sheet("2099-04-01", STORAGE.replace("0.06", "1e2147483647"), EGRESS), "InvalidPriceSheet",
                "properties.storage[2].pricePerGiBMonth");
        put(sheet("2099-04-01", STORAGE.replace("0.06", "1e-999999999"), EGRESS), "InvalidPriceSheet",
                "properties.storage[2].pricePerGiBMonth");
        put(sheet("2099-04-01", STORAGE.replace("Premium_LRS", "Premium_ZRS"), EGRESS), "InvalidPriceSheet",
                "properties.storage[3].storageAccountType");
        put(sheet("2099-04-01", STORAGE.replace("westeurope", "moon"), EGRESS), "InvalidPriceSheet",
                "properties.storage[1].region");
        put(sheet("2099-13-01", STORAGE, EGRESS), "InvalidParameter", "properties.effectiveFrom");
        put(sheet("", STORAGE, EGRESS), "InvalidPriceSheet", "properties.effectiveFrom");
        // a year of five digits was taken (and stored, with a 500): the database client cannot read such a day
        // back, so every read that priced anything failed from then on
        for (String day : new String[]{"+10000-01-01", "-999999999-01-01", "0000-06-01", "99999-01-01"}) {
            put(sheet(day, STORAGE, EGRESS), "InvalidParameter", "properties.effectiveFrom");
        }
        given().auth().oauth2(Tokens.alice()).get("/providers/Microsoft.Consumption/priceSheets/default"
                + "?api-version=2023-05-01").then().statusCode(200);
        // nothing was stored
        given().auth().oauth2(Tokens.alice())
                .get("/providers/Microsoft.Consumption/priceSheets/default/versions/2099-04-01?api-version=2023-05-01")
                .then().statusCode(404);
    }

    @Test
    void aPriceChangeCannotRewriteAnInvoicedMonth() {
        String sub = BillingTestSupport.newSubscription();
        String v = BillingTestSupport.newVersionId(sub);
        BillingTestSupport.publishReplication(BillingTestSupport.egress(sub, v, "westeurope", "eastus",
                BillingTestSupport.GIB, java.time.Instant.parse("2024-01-10T00:00:00Z")));
        var jan = java.time.LocalDate.parse("2024-01-01");
        org.awaitility.Awaitility.await().atMost(BillingTestSupport.PATIENCE).until(() -> BillingTestSupport
                .usageQuantity(sub, jan, jan.plusDays(30), "Inter-region egress westeurope to eastus").signum() > 0);
        // reading January's invoice issues it
        given().auth().oauth2(Tokens.alice()).get(BillingTestSupport.invoicePath(sub, "2024-01")).then()
                .statusCode(200).body("properties.lineItems.size()", is(1));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(sheet("2024-01-15", STORAGE, EGRESS))
                .put(PRICE_SHEET).then().statusCode(400)
                .body("error.code", is("PriceSheetPeriodClosed"))
                .body("error.target", is("properties.effectiveFrom"));
    }

    static void put(String body, String code, String target) {
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(body).put(PRICE_SHEET).then()
                .statusCode(400).body("error.code", is(code)).body("error.target", is(target));
    }
}

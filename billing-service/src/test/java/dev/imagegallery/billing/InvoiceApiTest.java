package dev.imagegallery.billing;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.imagegallery.billing.BillingTestSupport.GIB;
import static dev.imagegallery.billing.BillingTestSupport.PATIENCE;
import static dev.imagegallery.billing.BillingTestSupport.SUB;
import static dev.imagegallery.billing.BillingTestSupport.egress;
import static dev.imagegallery.billing.BillingTestSupport.exact;
import static dev.imagegallery.billing.BillingTestSupport.invoicePath;
import static dev.imagegallery.billing.BillingTestSupport.invoicesPath;
import static dev.imagegallery.billing.BillingTestSupport.newSubscription;
import static dev.imagegallery.billing.BillingTestSupport.newVersionId;
import static dev.imagegallery.billing.BillingTestSupport.publishReplication;
import static dev.imagegallery.billing.BillingTestSupport.usagePath;
import static dev.imagegallery.billing.BillingTestSupport.usageQuantity;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.comparesEqualTo;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Invoices: shape, CSV, who may read them, late events as adjustments; and paging of usage details. */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "billing"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class InvoiceApiTest {
    static final String EGRESS_US = "Inter-region egress westeurope to eastus";

    @BeforeAll
    static void seed() {
        BillingTestSupport.publishSeedGrants();
    }

    @Test
    void aLateEventBecomesAnAdjustmentOnTheNextInvoiceAndTheIssuedOneNeverChanges() {
        String sub = newSubscription();
        String v = newVersionId(sub);
        LocalDate june = LocalDate.parse("2025-06-01");
        publishReplication(egress(sub, v, "westeurope", "eastus", 4 * GIB, Instant.parse("2025-06-10T08:00:00Z")));
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(usageQuantity(sub, june, june.plusDays(29), EGRESS_US),
                comparesEqualTo(new BigDecimal("4"))));

        // June has ended: reading its invoice issues it
        JsonPath issued = exact(given().auth().oauth2(Tokens.alice()).get(invoicePath(sub, "2025-06")));
        assertEquals("Issued", issued.getString("properties.status"));
        assertEquals("/subscriptions/" + sub + "/providers/Microsoft.Consumption/invoices/2025-06",
                issued.getString("id"));
        assertEquals("Microsoft.Consumption/invoices", issued.getString("type"));
        assertEquals("2025-06-01", issued.getString("properties.invoicePeriodStartDate"));
        assertEquals("2025-06-30", issued.getString("properties.invoicePeriodEndDate"));
        assertThat(issued.get("properties.totalAmount.value"), comparesEqualTo(new BigDecimal("0.20")));
        assertEquals("USD", issued.getString("properties.totalAmount.currency"));
        assertEquals(1, issued.getList("properties.lineItems").size());

        // a transfer of June reported late (after June was invoiced), and one of July
        publishReplication(egress(sub, v, "westeurope", "eastus", 3 * GIB, Instant.parse("2025-06-20T08:00:00Z")));
        publishReplication(egress(sub, v, "westeurope", "eastus", GIB, Instant.parse("2025-07-02T08:00:00Z")));
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(usageQuantity(sub, june, june.plusDays(40), EGRESS_US),
                comparesEqualTo(new BigDecimal("8"))));

        // June's invoice is as it was issued
        JsonPath juneAgain = exact(given().auth().oauth2(Tokens.alice()).get(invoicePath(sub, "2025-06")));
        assertEquals(issued.getList("properties.lineItems"), juneAgain.getList("properties.lineItems"));
        assertEquals(issued.getString("properties.invoiceDate"), juneAgain.getString("properties.invoiceDate"));
        assertThat(juneAgain.get("properties.totalAmount.value"), comparesEqualTo(new BigDecimal("0.20")));

        // July: its own usage (1 GiB x 0.05) and the adjustment of June (3 GiB x 0.05)
        JsonPath july = exact(given().auth().oauth2(Tokens.alice()).get(invoicePath(sub, "2025-07")));
        List<Map<String, Object>> items = july.getList("properties.lineItems");
        assertEquals(2, items.size(), items::toString);
        assertEquals("Usage", items.get(0).get("lineType"));
        assertEquals("2025-07", items.get(0).get("servicePeriod"));
        assertThat((BigDecimal) items.get(0).get("cost"), comparesEqualTo(new BigDecimal("0.05")));
        assertEquals("Adjustment", items.get(1).get("lineType"));
        assertEquals("2025-06", items.get(1).get("servicePeriod"));
        assertEquals(EGRESS_US, items.get(1).get("meterName"));
        assertThat((BigDecimal) items.get(1).get("quantity"), comparesEqualTo(new BigDecimal("3")));
        assertThat((BigDecimal) items.get(1).get("cost"), comparesEqualTo(new BigDecimal("0.15")));
        assertThat(july.get("properties.adjustmentAmount.value"), comparesEqualTo(new BigDecimal("0.15")));
        assertThat(july.get("properties.totalAmount.value"), comparesEqualTo(new BigDecimal("0.20")));

        // August has nothing left to adjust
        JsonPath august = exact(given().auth().oauth2(Tokens.alice()).get(invoicePath(sub, "2025-08")));
        assertEquals(0, august.getList("properties.lineItems").size());

        // the list issues every ended month, oldest first
        YearMonth lastEnded = YearMonth.now(ZoneOffset.UTC).minusMonths(1);
        given().auth().oauth2(Tokens.alice()).get(invoicesPath(sub)).then().statusCode(200)
                .body("value[0].name", is("2025-06"))
                .body("value.name", hasItem(lastEnded.toString()))
                .body("value.properties.status", hasItem("Issued"))
                .body(containsString("\"nextLink\":null"));
    }

    @Test
    void anInvoiceExportsAsCsv() {
        String sub = newSubscription();
        String v = newVersionId(sub);
        publishReplication(egress(sub, v, "westeurope", "northeurope", 5 * GIB / 2,
                Instant.parse("2025-04-03T08:00:00Z")));
        LocalDate april = LocalDate.parse("2025-04-01");
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(usageQuantity(sub, april, april.plusDays(29),
                "Inter-region egress westeurope to northeurope"), comparesEqualTo(new BigDecimal("2.5"))));

        String expected = "invoice,lineType,servicePeriod,meterCategory,meterSubCategory,meterName,region,quantity,"
                + "unitOfMeasure,unitPrice,cost,currency\r\n"
                + "2025-04,Usage,2025-04,Bandwidth,Intra-Geography Data Transfer,"
                + "Inter-region egress westeurope to northeurope,westeurope,2.500000000000,1 GiB,0.020000000000,0.05,"
                + "USD\r\n"
                + "2025-04,Total,,,,,,,,,0.05,USD\r\n";
        String csv = given().auth().oauth2(Tokens.alice()).accept("text/csv").get(invoicePath(sub, "2025-04"))
                .then().statusCode(200).contentType(startsWith("text/csv")).extract().asString();
        assertEquals(expected, csv);
        String path = "/subscriptions/" + sub + "/providers/Microsoft.Consumption/invoices/2025-04/csv"
                + "?api-version=2023-05-01";
        assertEquals(expected, given().auth().oauth2(Tokens.alice()).get(path).then().statusCode(200)
                .header("Content-Disposition", containsString("invoice-2025-04.csv")).extract().asString());
    }

    @Test
    void onlyTheSubscriptionsOwnReadersSeeItsInvoices() {
        given().get(invoicesPath(SUB)).then().statusCode(401);
        given().auth().oauth2(Tokens.bob()).get(invoicesPath(SUB)).then().statusCode(404)
                .body("error.code", is("SubscriptionNotFound"));
        given().auth().oauth2(Tokens.carol()).get(invoicePath(SUB, "2025-01")).then().statusCode(404)
                .body("error.code", is("SubscriptionNotFound"));
    }

    @Test
    void monthsThatAreNotInvoicesAnswerArmErrors() {
        given().auth().oauth2(Tokens.alice()).get(invoicePath(SUB, "2025-13")).then().statusCode(400)
                .body("error.target", is("invoiceName"));
        given().auth().oauth2(Tokens.alice()).get(invoicePath(SUB, "June")).then().statusCode(400);
        YearMonth now = YearMonth.now(ZoneOffset.UTC);
        given().auth().oauth2(Tokens.alice()).get(invoicePath(SUB, now.plusMonths(2).toString())).then()
                .statusCode(404).body("error.code", is("InvoiceNotFound"));
        // the running month is an open invoice: what it would be if issued now
        given().auth().oauth2(Tokens.alice()).get(invoicePath(SUB, now.toString())).then().statusCode(200)
                .body("properties.status", is("Open"))
                .body("properties.invoiceDate", nullValue());
        // before any usage there is no invoice
        given().auth().oauth2(Tokens.alice()).get(invoicePath(SUB, "1999-01")).then().statusCode(404);
    }

    @Test
    void usageDetailsArePagedWithNextLink() {
        String sub = newSubscription();
        String v = newVersionId(sub);
        for (int day = 1; day <= 5; day++) {
            publishReplication(egress(sub, v, "westeurope", "eastus", GIB,
                    Instant.parse("2025-03-0" + day + "T08:00:00Z")));
        }
        LocalDate march = LocalDate.parse("2025-03-01");
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(usageQuantity(sub, march, march.plusDays(30),
                EGRESS_US), comparesEqualTo(new BigDecimal("5"))));

        List<String> dates = new ArrayList<>();
        String next = usagePath(sub, march, march.plusDays(30)) + "&$top=2";
        int pages = 0;
        while (next != null) {
            // a nextLink is followed verbatim (it is already encoded)
            JsonPath page = given().urlEncodingEnabled(pages == 0).auth().oauth2(Tokens.alice()).get(next).then()
                    .statusCode(200).extract().jsonPath();
            List<String> d = page.getList("value.properties.date");
            dates.addAll(d);
            next = page.getString("nextLink");
            pages++;
            if (next != null) {
                assertEquals(2, d.size());
                // absolute, with the query as Azure writes it (%24skiptoken)
                assertThat(next, containsString("%24skiptoken="));
            }
        }
        assertEquals(3, pages);
        assertEquals(List.of("2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z", "2025-03-03T00:00:00Z",
                "2025-03-04T00:00:00Z", "2025-03-05T00:00:00Z"), dates);

        // usage metered between two pages, sorting before the first page's end, neither repeats a line on the next
        // page nor skips one: pages resume after the last line's place (an offset repeated it, a hostile probe)
        JsonPath first = given().auth().oauth2(Tokens.alice()).get(usagePath(sub, march, march.plusDays(30))
                + "&$top=2").then().statusCode(200).extract().jsonPath();
        List<String> firstNames = first.getList("value.name");
        publishReplication(egress(sub, newVersionId(sub), "westeurope", "eastus", GIB,
                Instant.parse("2025-03-01T09:00:00Z")));
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(usageQuantity(sub, march, march.plusDays(30),
                EGRESS_US), comparesEqualTo(new BigDecimal("6"))));
        JsonPath second = given().urlEncodingEnabled(false).auth().oauth2(Tokens.alice())
                .get(first.getString("nextLink")).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("2025-03-03T00:00:00Z", "2025-03-04T00:00:00Z"), second.getList("value.properties.date"));
        assertTrue(second.getList("value.name").stream().noneMatch(firstNames::contains), "no line twice");

        given().auth().oauth2(Tokens.alice()).get(usagePath(sub, march, march) + "&$top=0").then().statusCode(400)
                .body("error.target", is("$top"));
        given().auth().oauth2(Tokens.alice()).get(usagePath(sub, march, march) + "&$skiptoken=bogus").then()
                .statusCode(400).body("error.target", is("$skiptoken"));
        // the token format billing used to issue (base64 of "o:2"), now refused as any token this list did not issue
        given().auth().oauth2(Tokens.alice()).get(usagePath(sub, march, march) + "&$skiptoken=bzoy").then()
                .statusCode(400).body("error.target", is("$skiptoken"));
        // behind the front door the nextLink is on the host the client called
        String behind = given().auth().oauth2(Tokens.alice()).header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "gallery.example:8443")
                .get(usagePath(sub, march, march.plusDays(30)) + "&$top=2").then().statusCode(200)
                .extract().path("nextLink");
        assertThat(behind, startsWith("https://gallery.example:8443/subscriptions/" + sub
                + "/providers/Microsoft.Consumption/usageDetails?"));
        given().auth().oauth2(Tokens.alice()).get(usagePath(sub, march, march)).then().statusCode(200)
                .body("nextLink", nullValue()).body("value", notNullValue());
    }
}

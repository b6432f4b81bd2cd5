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
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import static dev.imagegallery.billing.BillingTestSupport.GIB;
import static dev.imagegallery.billing.BillingTestSupport.PATIENCE;
import static dev.imagegallery.billing.BillingTestSupport.PRICE_SHEET;
import static dev.imagegallery.billing.BillingTestSupport.egress;
import static dev.imagegallery.billing.BillingTestSupport.exact;
import static dev.imagegallery.billing.BillingTestSupport.invoicePath;
import static dev.imagegallery.billing.BillingTestSupport.newSubscription;
import static dev.imagegallery.billing.BillingTestSupport.newVersionId;
import static dev.imagegallery.billing.BillingTestSupport.publishCatalog;
import static dev.imagegallery.billing.BillingTestSupport.publishReplication;
import static dev.imagegallery.billing.BillingTestSupport.replicaCompleted;
import static dev.imagegallery.billing.BillingTestSupport.usageQuantity;
import static dev.imagegallery.billing.BillingTestSupport.versionDeleted;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.comparesEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A known sequence of storage and egress facts across month boundaries (August to October 2026) and a price change
 * on 16 September (a promotion that ends on 1 October), and every invoice line asserted to the cent against values
 * computed by hand below.
 */
@QuarkusTest
@Order(1)
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "billing"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class ReconciliationTest {

    @BeforeAll
    static void seed() {
        BillingTestSupport.publishSeedGrants();
    }

    static String sheet(String effectiveFrom, String lrs, String zrs, String premium, String eu, String euUs,
                        String us) {
        return """
                {"properties": {"effectiveFrom": "%s", "currency": "USD",
                  "storage": [{"storageAccountType": "Standard_LRS", "pricePerGiBMonth": %s},
                              {"storageAccountType": "Standard_ZRS", "pricePerGiBMonth": %s},
                              {"storageAccountType": "Premium_LRS", "pricePerGiBMonth": %s}],
                  "egress": [{"sourceGeography": "Europe", "destinationGeography": "Europe", "pricePerGiB": %s},
                             {"sourceGeography": "Europe", "destinationGeography": "US", "pricePerGiB": %s},
                             {"sourceGeography": "US", "destinationGeography": "Europe", "pricePerGiB": %s},
                             {"sourceGeography": "US", "destinationGeography": "US", "pricePerGiB": %s}]}}
                """.formatted(effectiveFrom, lrs, zrs, premium, eu, euUs, euUs, us);
    }

    @Test
    void everyInvoiceLineReconcilesToTheCent() {
        // the price change: from 16 September, LRS 0.073, Premium 0.146, egress within Europe 0.01, between 0.08,
        // within the US 0.02; from 1 October the list prices again
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(sheet("2026-09-16", "0.073", "0.05", "0.146", "0.01", "0.08", "0.02"))
                .put(PRICE_SHEET).then().statusCode(201);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(sheet("2026-10-01", "0.05", "0.05", "0.132", "0.02", "0.05", "0.02"))
                .put(PRICE_SHEET).then().statusCode(201);

        String sub = newSubscription();
        String v1 = newVersionId(sub);
        String v2 = newVersionId(sub);
        // v1: 10 GiB (30 GiB before dedup) on Standard_LRS in westeurope from 21 Aug until its deletion on 11 Oct
        publishReplication(replicaCompleted(sub, v1, "westeurope", 1, "Standard_LRS", 10 * GIB, 30 * GIB,
                Instant.parse("2026-08-21T00:00:00Z")));
        publishCatalog(versionDeleted(v1, Instant.parse("2026-10-11T00:00:00Z")));
        // v2: 4 GiB on two Premium_LRS replicas in eastus from 10 Sep 12:00, still stored
        publishReplication(replicaCompleted(sub, v2, "eastus", 2, "Premium_LRS", 2 * GIB, 4 * GIB,
                Instant.parse("2026-09-10T12:00:00Z")));
        publishReplication(egress(sub, v1, "westeurope", "northeurope", 5 * GIB, Instant.parse("2026-08-25T10:00:00Z")));
        publishReplication(egress(sub, v1, "westeurope", "northeurope", 5 * GIB / 2,
                Instant.parse("2026-09-20T10:00:00Z")));
        publishReplication(egress(sub, v2, "westeurope", "eastus", 3 * GIB, Instant.parse("2026-09-10T08:00:00Z")));
        // exactly at the price change: the new price
        publishReplication(egress(sub, v2, "westeurope", "eastus", GIB, Instant.parse("2026-09-16T00:00:00Z")));
        publishReplication(egress(sub, v2, "westeurope", "eastus", GIB / 2, Instant.parse("2026-09-30T23:59:59Z")));
        // across the month boundary: one in September, one in October
        publishReplication(egress(sub, v2, "eastus", "westus2", GIB, Instant.parse("2026-09-30T23:59:59.999Z")));
        publishReplication(egress(sub, v2, "eastus", "westus2", GIB, Instant.parse("2026-10-01T00:00:00Z")));

        // wait until every fact is metered (usage is computed on read; invoices are issued once)
        LocalDate aug = LocalDate.parse("2026-08-01");
        LocalDate oct31 = LocalDate.parse("2026-10-31");
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(usageQuantity(sub, aug, oct31, "Inter-region egress eastus to westus2"),
                    comparesEqualTo(new BigDecimal("2")));
            assertThat(usageQuantity(sub, aug, oct31, "Inter-region egress westeurope to eastus"),
                    comparesEqualTo(new BigDecimal("4.5")));
            assertThat(usageQuantity(sub, aug, oct31, "Inter-region egress westeurope to northeurope"),
                    comparesEqualTo(new BigDecimal("7.5")));
            // v1 ended on 11 Oct: 51 days x 24 h x 10 GiB
            assertThat(usageQuantity(sub, aug, oct31, "Standard_LRS Stored GiB-hours"),
                    comparesEqualTo(new BigDecimal("12240")));
            // v2: 20.5 days in September and 31 in October, 4 GiB
            assertThat(usageQuantity(sub, aug, oct31, "Premium_LRS Stored GiB-hours"),
                    comparesEqualTo(new BigDecimal("4944")));
        });

        // August: 11 days x 24 h x 10 GiB = 2640 GiB-h x 0.05 / 730 = 0.18082 -> 0.18; 5 GiB x 0.02 = 0.10
        assertInvoice(sub, "2026-08", "0.28", List.of(
                line("Standard_LRS Stored GiB-hours", "westeurope", "2640", "0.000068493151", "0.18"),
                line("Inter-region egress westeurope to northeurope", "westeurope", "5", "0.02", "0.10")));

        // September, split at the 16th:
        //  Premium eastus 10th 12:00 to 16th: 132 h x 4 GiB = 528 x 0.132 / 730 = 0.09547 -> 0.10
        //                 16th to 1 Oct: 360 h x 4 GiB = 1440 x 0.146 / 730 = 0.288 -> 0.29
        //  LRS westeurope 1st to 16th: 360 h x 10 = 3600 x 0.05 / 730 = 0.24658 -> 0.25
        //                 16th to 1 Oct: 3600 x 0.073 / 730 = 0.36 exactly
        //  egress eastus to westus2 (US to US, 0.02 in both sheets): 1 GiB = 0.02
        //  westeurope to eastus: 3 GiB x 0.05 = 0.15 before; 1 + 0.5 GiB x 0.08 = 0.12 from the 16th
        //  westeurope to northeurope: 2.5 GiB x 0.01 = 0.025 -> 0.02 (half-even)
        assertInvoice(sub, "2026-09", "1.31", List.of(
                line("Premium_LRS Stored GiB-hours", "eastus", "528", "0.000180821918", "0.10"),
                line("Premium_LRS Stored GiB-hours", "eastus", "1440", "0.000200000000", "0.29"),
                line("Standard_LRS Stored GiB-hours", "westeurope", "3600", "0.000068493151", "0.25"),
                line("Standard_LRS Stored GiB-hours", "westeurope", "3600", "0.000100000000", "0.36"),
                line("Inter-region egress eastus to westus2", "eastus", "1", "0.02", "0.02"),
                line("Inter-region egress westeurope to eastus", "westeurope", "3", "0.05", "0.15"),
                line("Inter-region egress westeurope to eastus", "westeurope", "1.5", "0.08", "0.12"),
                line("Inter-region egress westeurope to northeurope", "westeurope", "2.5", "0.01", "0.02")));

        // October, list prices again: Premium 744 h x 4 = 2976 x 0.132 / 730 = 0.53813 -> 0.54;
        // LRS 1st to 11th: 240 h x 10 = 2400 x 0.05 / 730 = 0.16438 -> 0.16; 1 GiB US to US 0.02
        assertInvoice(sub, "2026-10", "0.72", List.of(
                line("Premium_LRS Stored GiB-hours", "eastus", "2976", "0.000180821918", "0.54"),
                line("Standard_LRS Stored GiB-hours", "westeurope", "2400", "0.000068493151", "0.16"),
                line("Inter-region egress eastus to westus2", "eastus", "1", "0.02", "0.02")));

        // and the daily usage lines show the new price from the 16th
        JsonPath day = exact(given().auth().oauth2(Tokens.alice()).get(BillingTestSupport.usagePath(sub,
                LocalDate.parse("2026-09-15"), LocalDate.parse("2026-09-16"))));
        List<Map<String, Object>> all = day.getList("value.properties");
        List<Map<String, Object>> lrs = all.stream()
                .filter(p -> "Standard_LRS Stored GiB-hours".equals(p.get("meterName"))).toList();
        assertEquals(2, lrs.size());
        assertThat((BigDecimal) lrs.get(0).get("unitPrice"), comparesEqualTo(new BigDecimal("0.000068493151")));
        assertThat((BigDecimal) lrs.get(1).get("unitPrice"), comparesEqualTo(new BigDecimal("0.0001")));
    }

    record Expected(String meterName, String region, String quantity, String unitPrice, String cost) {
    }

    static Expected line(String meterName, String region, String quantity, String unitPrice, String cost) {
        return new Expected(meterName, region, quantity, unitPrice, cost);
    }

    static void assertInvoice(String sub, String month, String total, List<Expected> expected) {
        JsonPath invoice = exact(given().auth().oauth2(Tokens.alice()).get(invoicePath(sub, month)));
        assertEquals("Issued", invoice.getString("properties.status"), month);
        List<Map<String, Object>> items = invoice.getList("properties.lineItems");
        assertEquals(expected.size(), items.size(), () -> month + ": " + items);
        BigDecimal sum = BigDecimal.ZERO;
        for (int i = 0; i < expected.size(); i++) {
            Expected e = expected.get(i);
            Map<String, Object> a = items.get(i);
            String at = month + " line " + (i + 1) + " " + a;
            assertEquals("Usage", a.get("lineType"), at);
            assertEquals(month, a.get("servicePeriod"), at);
            assertEquals(e.meterName(), a.get("meterName"), at);
            assertEquals(e.region(), a.get("region"), at);
            assertThat(at, (BigDecimal) a.get("quantity"), comparesEqualTo(new BigDecimal(e.quantity())));
            assertThat(at, (BigDecimal) a.get("unitPrice"), comparesEqualTo(new BigDecimal(e.unitPrice())));
            assertThat(at, (BigDecimal) a.get("cost"), comparesEqualTo(new BigDecimal(e.cost())));
            sum = sum.add((BigDecimal) a.get("cost"));
        }
        assertThat(month, invoice.get("properties.totalAmount.value"), comparesEqualTo(new BigDecimal(total)));
        assertThat(month + ": the total is the sum of the rounded lines", sum, comparesEqualTo(new BigDecimal(total)));
    }
}

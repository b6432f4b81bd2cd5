package dev.imagegallery.billing;

import dev.imagegallery.billing.BillingTestSupport.Line;
import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.events.CloudEvent;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;

import static dev.imagegallery.billing.BillingTestSupport.GIB;
import static dev.imagegallery.billing.BillingTestSupport.PATIENCE;
import static dev.imagegallery.billing.BillingTestSupport.at;
import static dev.imagegallery.billing.BillingTestSupport.bandwidth;
import static dev.imagegallery.billing.BillingTestSupport.egress;
import static dev.imagegallery.billing.BillingTestSupport.lines;
import static dev.imagegallery.billing.BillingTestSupport.newVersionId;
import static dev.imagegallery.billing.BillingTestSupport.on;
import static dev.imagegallery.billing.BillingTestSupport.publishCatalog;
import static dev.imagegallery.billing.BillingTestSupport.publishReplication;
import static dev.imagegallery.billing.BillingTestSupport.publishReplicationUnchecked;
import static dev.imagegallery.billing.BillingTestSupport.replicaCompleted;
import static dev.imagegallery.billing.BillingTestSupport.replicaDeleted;
import static dev.imagegallery.billing.BillingTestSupport.storage;
import static dev.imagegallery.billing.BillingTestSupport.today;
import static dev.imagegallery.billing.BillingTestSupport.versionDeleted;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.comparesEqualTo;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

/** Metering from real Kafka events: storage meters, egress, deletion, redelivery and rejected events. */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "billing"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class MeteringTest {
    // computed once: a test running across midnight still finds "yesterday" fully covered
    static final LocalDate TODAY = today();
    static final LocalDate YESTERDAY = TODAY.minusDays(1);
    static final LocalDate TWO_DAYS_AGO = TODAY.minusDays(2);

    @BeforeAll
    static void seed() {
        BillingTestSupport.publishSeedGrants();
    }

    @BeforeEach
    void grantsKnown() {
        BillingTestSupport.awaitSeedGrants();
    }

    @Test
    void replicasAndEgressBecomeDailyPricedLines() {
        String v = newVersionId();
        // 2 replicas of a 125 GiB image hold 100 GiB after deduplication (50 GiB each), complete two days ago at noon
        publishReplication(replicaCompleted(v, "westeurope", 2, "Premium_LRS", 50 * GIB, 125 * GIB,
                at(TWO_DAYS_AGO, 12)));
        publishReplication(egress(v, "westeurope", "northeurope", 6 * GIB + GIB / 4, at(YESTERDAY, 10)));
        publishReplication(egress(v, "westeurope", "eastus", GIB, at(YESTERDAY, 11)));
        publishReplication(egress(v, "westeurope", "eastus", 2 * GIB, at(YESTERDAY, 23)));

        await().atMost(PATIENCE).untilAsserted(() -> {
            List<Line> lines = lines(v, TWO_DAYS_AGO, TODAY);
            assertThat(bandwidth(lines), hasSize(2));
            assertThat(storage(lines).size(), greaterThan(1));
            assertThat(on(bandwidth(lines), YESTERDAY).quantity().signum(), is(1));
        });
        List<Line> lines = lines(v, TWO_DAYS_AGO, TODAY);

        // storage: 100 GiB x 12 h two days ago, x 24 h yesterday, at 0.132 USD per GiB-month of 730 h
        Line partial = on(storage(lines), TWO_DAYS_AGO);
        assertThat(partial.quantity(), comparesEqualTo(new BigDecimal("1200")));
        assertThat(partial.cost(), comparesEqualTo(new BigDecimal("0.22"))); // 158.4 / 730 = 0.2169...
        Line full = on(storage(lines), YESTERDAY);
        assertThat(full.quantity(), comparesEqualTo(new BigDecimal("2400")));
        assertThat(full.cost(), comparesEqualTo(new BigDecimal("0.43"))); // 316.8 / 730 = 0.4339...
        assertThat(full.unitPrice(), comparesEqualTo(new BigDecimal("0.000180821918"))); // 0.132 / 730
        assertThat(full.meterName(), is("Premium_LRS Stored GiB-hours"));
        assertThat(full.location(), is("westeurope"));
        assertThat(((Number) full.info().get("physicalBytes")).longValue(), is(100 * GIB));
        assertThat(((Number) full.info().get("logicalBytes")).longValue(), is(250 * GIB));
        assertThat(((Number) full.info().get("replicaCount")).intValue(), is(2));
        // today runs up to now
        storage(lines).stream().filter(l -> l.date().equals(TODAY.toString())).forEach(
                l -> assertThat(l.quantity(), lessThanOrEqualTo(new BigDecimal("2400"))));

        // egress within Europe: 6.25 GiB x 0.02 = 0.125, half-even to 0.12
        Line europe = bandwidth(lines).stream().filter(l -> l.meterName().contains("northeurope")).findFirst()
                .orElseThrow();
        assertThat(europe.meterName(), is("Inter-region egress westeurope to northeurope"));
        assertThat(europe.date(), is(YESTERDAY.toString()));
        assertThat(europe.quantity(), comparesEqualTo(new BigDecimal("6.25")));
        assertThat(europe.unitPrice(), comparesEqualTo(new BigDecimal("0.02")));
        assertThat(europe.cost(), comparesEqualTo(new BigDecimal("0.12")));
        // egress to the US: two transfers the same day, 3 GiB x 0.05 = 0.15
        Line us = bandwidth(lines).stream().filter(l -> l.meterName().contains("eastus")).findFirst().orElseThrow();
        assertThat(us.quantity(), comparesEqualTo(new BigDecimal("3")));
        assertThat(us.unitPrice(), comparesEqualTo(new BigDecimal("0.05")));
        assertThat(us.cost(), comparesEqualTo(new BigDecimal("0.15")));
    }

    @Test
    void aRedeliveredEventIsBilledOnce() {
        String v = newVersionId();
        CloudEvent once = egress(v, "westeurope", "eastus", GIB, at(YESTERDAY, 9));
        publishReplication(once);
        publishReplication(once);
        // same key, same partition: when this one is billed, both copies above have been consumed
        publishReplication(egress(v, "westeurope", "westus2", 2 * GIB, at(YESTERDAY, 10)));

        await().atMost(PATIENCE).until(() -> bandwidth(lines(v, YESTERDAY, YESTERDAY)).size() == 2);
        Line eastus = bandwidth(lines(v, YESTERDAY, YESTERDAY)).stream()
                .filter(l -> l.meterName().endsWith("to eastus")).findFirst().orElseThrow();
        assertThat(eastus.quantity(), comparesEqualTo(BigDecimal.ONE));
        assertThat(eastus.cost(), comparesEqualTo(new BigDecimal("0.05")));
    }

    @Test
    void negativeByteCountsAreNeverBilled() {
        String v = newVersionId();
        publishReplicationUnchecked(egress(v, "westeurope", "eastus", -5 * GIB, at(YESTERDAY, 9)));
        publishReplicationUnchecked(replicaCompleted(v, "northeurope", 1, "Standard_LRS", -GIB, GIB,
                at(TWO_DAYS_AGO, 9)));
        publishReplicationUnchecked(replicaCompleted(v, "eastus", 1, "Standard_LRS", GIB, -GIB, at(TWO_DAYS_AGO, 9)));
        publishReplication(egress(v, "westeurope", "westus2", GIB, at(YESTERDAY, 10)));

        await().atMost(PATIENCE).until(() -> !bandwidth(lines(v, TWO_DAYS_AGO, TODAY)).isEmpty());
        List<Line> lines = lines(v, TWO_DAYS_AGO, TODAY);
        assertThat(lines, hasSize(1));
        assertThat(lines.get(0).meterName(), is("Inter-region egress westeurope to westus2"));
    }

    @Test
    void deletingAVersionEndsItsMetersAtTheDeletion() {
        String v = newVersionId();
        publishReplication(replicaCompleted(v, "westeurope", 1, "Standard_LRS", 10 * GIB, 10 * GIB,
                at(TWO_DAYS_AGO, 12)));
        await().atMost(PATIENCE).until(() -> storage(lines(v, YESTERDAY, YESTERDAY)).size() == 1);
        assertThat(on(lines(v, YESTERDAY, YESTERDAY), YESTERDAY).quantity(), comparesEqualTo(new BigDecimal("240")));

        publishCatalog(versionDeleted(v, at(YESTERDAY, 6)));

        await().atMost(PATIENCE).untilAsserted(() -> {
            List<Line> lines = storage(lines(v, TWO_DAYS_AGO, TODAY));
            assertThat(lines, hasSize(2));
            assertThat(on(lines, TWO_DAYS_AGO).quantity(), comparesEqualTo(new BigDecimal("120")));
            assertThat(on(lines, YESTERDAY).quantity(), comparesEqualTo(new BigDecimal("60"))); // 10 GiB x 6 h
        });
    }

    @Test
    void aCompletionConsumedAfterTheDeletionIsMeteredUpToTheDeletionOnly() {
        String v = newVersionId();
        // the two topics are not ordered with each other: the deletion may well be consumed first
        publishCatalog(versionDeleted(v, at(YESTERDAY, 6)));
        publishReplication(replicaCompleted(v, "northeurope", 2, "Standard_ZRS", 2 * GIB, 6 * GIB,
                at(TWO_DAYS_AGO, 18)));

        await().atMost(PATIENCE).untilAsserted(() -> {
            List<Line> lines = storage(lines(v, TWO_DAYS_AGO, TODAY));
            assertThat(lines, hasSize(2));
            assertThat(on(lines, TWO_DAYS_AGO).quantity(), comparesEqualTo(new BigDecimal("24"))); // 4 GiB x 6 h
            assertThat(on(lines, YESTERDAY).quantity(), comparesEqualTo(new BigDecimal("24")));
        });
    }

    @Test
    void aChangedReplicaCountStartsANewMeterAndKeepsThePastAsItWas() {
        String v = newVersionId();
        publishReplication(replicaCompleted(v, "eastus", 1, "Standard_LRS", 2 * GIB, 2 * GIB, at(TWO_DAYS_AGO, 0)));
        // the same completion reported again changes nothing
        publishReplication(replicaCompleted(v, "eastus", 1, "Standard_LRS", 2 * GIB, 2 * GIB, at(TWO_DAYS_AGO, 5)));
        publishReplication(replicaCompleted(v, "eastus", 3, "Standard_LRS", 2 * GIB, 2 * GIB, at(YESTERDAY, 12)));

        await().atMost(PATIENCE).untilAsserted(() -> {
            List<Line> yesterday = storage(lines(v, YESTERDAY, YESTERDAY));
            assertThat(yesterday, hasSize(2));
            // 2 GiB x 12 h, then 6 GiB x 12 h
            assertThat(yesterday.stream().map(Line::quantity).reduce(BigDecimal.ZERO, BigDecimal::add),
                    comparesEqualTo(new BigDecimal("96")));
        });
        List<Line> before = storage(lines(v, TWO_DAYS_AGO, TWO_DAYS_AGO));
        assertThat(before, hasSize(1));
        assertThat(before.get(0).quantity(), comparesEqualTo(new BigDecimal("48")));
        assertThat(storage(lines(v, TWO_DAYS_AGO.minusDays(1), TWO_DAYS_AGO.minusDays(1))), empty());
    }

    @Test
    void ofTheVersionsDeletionAndItsReplicasDeletionTheEarlierEndsTheMeter() {
        String v = newVersionId();
        LocalDate tenDaysAgo = TODAY.minusDays(10);
        publishReplication(replicaCompleted(v, "northeurope", 1, "Standard_LRS", 10 * GIB, 10 * GIB,
                at(tenDaysAgo, 0)));
        // the version's deletion (yesterday) is consumed first; the removal of its replicas five days ago, reported
        // late on the other topic, comes after it and still ends the meter five days ago
        publishCatalog(versionDeleted(v, at(YESTERDAY, 0)));
        await().atMost(PATIENCE).until(() -> !storage(lines(v, TWO_DAYS_AGO, TWO_DAYS_AGO)).isEmpty());
        publishReplication(replicaDeleted(v, "northeurope", 1, at(TODAY.minusDays(5), 0)));
        await().atMost(PATIENCE).until(() -> storage(lines(v, TWO_DAYS_AGO, TWO_DAYS_AGO)).isEmpty());
        assertThat(storage(lines(v, tenDaysAgo, TODAY)), hasSize(5)); // ten days ago to six days ago, 24 h each
    }

    @Test
    void aRegionRemovedFromAVersionIsBilledUpToItsReplicaDeletion() {
        String v = newVersionId();
        LocalDate twelveDaysAgo = TODAY.minusDays(12);
        // two regions complete 12 days ago at 06:00; eastus is dropped from the version 10 days later (PATCH), and
        // replication-service reports its replicas deleted two days ago at 06:00
        publishReplication(replicaCompleted(v, "westeurope", 1, "Standard_LRS", 10 * GIB, 20 * GIB,
                at(twelveDaysAgo, 6)));
        publishReplication(replicaCompleted(v, "eastus", 2, "Premium_LRS", 10 * GIB, 20 * GIB, at(twelveDaysAgo, 6)));
        CloudEvent deleted = replicaDeleted(v, "eastus", 2, at(TWO_DAYS_AGO, 6));
        publishReplication(deleted);
        publishReplication(deleted); // redelivered: changes nothing
        // same key, same partition: once this is metered, the deletion above has been consumed
        publishReplication(egress(v, "westeurope", "eastus", GIB, at(YESTERDAY, 1)));

        await().atMost(PATIENCE).until(() -> !bandwidth(lines(v, YESTERDAY, YESTERDAY)).isEmpty());
        List<Line> eastus = storage(lines(v, twelveDaysAgo, TODAY)).stream()
                .filter(l -> l.location().equals("eastus")).toList();
        // 18 h on the first day, 24 h on each of the 9 days between, 6 h on the day of the deletion, nothing after:
        // 240 h, 10 days; at 0.132 USD per GiB-month of 730 h
        assertThat(eastus, hasSize(11));
        Line first = on(eastus, twelveDaysAgo);
        assertThat(first.quantity(), comparesEqualTo(new BigDecimal("360"))); // 20 GiB x 18 h
        assertThat(first.cost(), comparesEqualTo(new BigDecimal("0.07"))); // 47.52 / 730 = 0.0650...
        for (int d = 1; d <= 9; d++) {
            Line full = on(eastus, twelveDaysAgo.plusDays(d));
            assertThat(full.quantity(), comparesEqualTo(new BigDecimal("480"))); // 20 GiB x 24 h
            assertThat(full.cost(), comparesEqualTo(new BigDecimal("0.09"))); // 63.36 / 730 = 0.0867...
        }
        Line last = on(eastus, TWO_DAYS_AGO);
        assertThat(last.quantity(), comparesEqualTo(new BigDecimal("120"))); // 20 GiB x 6 h
        assertThat(last.cost(), comparesEqualTo(new BigDecimal("0.02"))); // 15.84 / 730 = 0.0216...
        assertThat(eastus.stream().map(Line::quantity).reduce(BigDecimal.ZERO, BigDecimal::add),
                comparesEqualTo(new BigDecimal("4800"))); // 20 GiB x 240 h
        assertThat(eastus.stream().map(Line::cost).reduce(BigDecimal.ZERO, BigDecimal::add),
                comparesEqualTo(new BigDecimal("0.90")));
        assertThat(storage(lines(v, YESTERDAY, TODAY)).stream().filter(l -> l.location().equals("eastus")).toList(),
                empty());
        // the region that stays runs on
        Line westeurope = on(storage(lines(v, YESTERDAY, YESTERDAY)).stream()
                .filter(l -> l.location().equals("westeurope")).toList(), YESTERDAY);
        assertThat(westeurope.quantity(), comparesEqualTo(new BigDecimal("240"))); // 10 GiB x 24 h
    }

    @Test
    void aCompletionConsumedAfterItsReplicaDeletionIsMeteredUpToTheDeletionOnly() {
        String v = newVersionId();
        // replication-service deleted northeurope's replicas before billing consumed their completion
        publishReplication(replicaDeleted(v, "northeurope", 2, at(YESTERDAY, 6)));
        publishReplication(replicaCompleted(v, "northeurope", 2, "Standard_ZRS", 2 * GIB, 6 * GIB,
                at(TWO_DAYS_AGO, 18)));

        await().atMost(PATIENCE).untilAsserted(() -> {
            List<Line> lines = storage(lines(v, TWO_DAYS_AGO, TODAY));
            assertThat(lines, hasSize(2));
            assertThat(on(lines, TWO_DAYS_AGO).quantity(), comparesEqualTo(new BigDecimal("24"))); // 4 GiB x 6 h
            assertThat(on(lines, YESTERDAY).quantity(), comparesEqualTo(new BigDecimal("24")));
            assertThat(on(lines, YESTERDAY).cost(), comparesEqualTo(new BigDecimal("0.00"))); // 24 x 0.05 / 730
        });
        // a region added back later is metered again from its new completion
        publishReplication(replicaCompleted(v, "northeurope", 1, "Standard_LRS", 5 * GIB, 5 * GIB,
                at(YESTERDAY, 12)));
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(on(storage(lines(v, YESTERDAY, YESTERDAY)).stream()
                .filter(l -> ((Number) l.info().get("replicaCount")).intValue() == 1).toList(), YESTERDAY)
                .quantity(), comparesEqualTo(new BigDecimal("60")))); // 5 GiB x 12 h
    }
}

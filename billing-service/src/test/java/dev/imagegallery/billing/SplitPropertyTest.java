package dev.imagegallery.billing;

import dev.imagegallery.billing.domain.InvoiceCalculator.Line;
import dev.imagegallery.billing.service.InvoiceService;
import dev.imagegallery.billing.service.MeteringService;
import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static dev.imagegallery.billing.BillingTestSupport.egress;
import static dev.imagegallery.billing.BillingTestSupport.newVersionId;
import static dev.imagegallery.billing.BillingTestSupport.replicaCompleted;
import static dev.imagegallery.billing.BillingTestSupport.versionDeleted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Property: the same usage split into any number of events (storage split in time and in bytes across versions,
 * egress split into many transfers), delivered in any order and any batches, gives the same invoice to the cent.
 * Seeded random cases through the real metering (MeteringService, one transaction per batch) and invoicing (SQL
 * aggregation and the calculator); each case in two subscriptions of its own.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "billing"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class SplitPropertyTest {
    static final long SEED = 20261125L;
    static final int CASES = 60;
    static final YearMonth MONTH = YearMonth.of(2024, 5);
    static final Instant START = Instant.parse("2024-05-01T00:00:00Z");
    static final long MONTH_SECONDS = Duration.ofDays(31).toSeconds();
    static final List<String> REGIONS = List.of("westeurope", "northeurope", "eastus", "westus2");
    static final List<String> TYPES = List.of("Standard_LRS", "Standard_ZRS", "Premium_LRS");

    @Inject
    MeteringService metering;
    @Inject
    InvoiceService invoices;
    @Inject
    Pool pool;

    record Stored(String region, String type, long bytes, long from, long to) {
    }

    record Moved(String source, String destination, long bytes, long at) {
    }

    @Test
    void splittingUsageIntoAnyNumberOfEventsGivesTheSameInvoice() {
        Random random = new Random(SEED);
        for (int c = 0; c < CASES; c++) {
            List<Stored> stored = new ArrayList<>();
            for (int i = random.nextInt(4); i >= 0; i--) {
                long from = random.nextLong(MONTH_SECONDS);
                stored.add(new Stored(REGIONS.get(random.nextInt(4)), TYPES.get(random.nextInt(3)),
                        1 + random.nextLong(500L << 30), from, from + 1 + random.nextLong(MONTH_SECONDS - from)));
            }
            List<Moved> moved = new ArrayList<>();
            for (int i = random.nextInt(4); i >= 0; i--) {
                String a = REGIONS.get(random.nextInt(4));
                String b = REGIONS.get(random.nextInt(4));
                moved.add(new Moved(a, a.equals(b) ? "eastus".equals(a) ? "westus2" : "eastus" : b,
                        1 + random.nextLong(200L << 30), random.nextLong(MONTH_SECONDS)));
            }
            String whole = UUID.randomUUID().toString();
            String split = UUID.randomUUID().toString();
            meter(whole, events(whole, stored, moved, random, false), random);
            meter(split, events(split, stored, moved, random, true), random);
            List<Line> expected = invoice(whole);
            List<Line> actual = invoice(split);
            assertFalse(expected.isEmpty());
            int n = c;
            assertEquals(expected, actual, () -> "case " + n + ": " + stored + " " + moved);
        }
    }

    /** The events of the usage: one per fact, or each fact split into several. */
    static List<String> events(String sub, List<Stored> stored, List<Moved> moved, Random random, boolean split) {
        List<CloudEvent> events = new ArrayList<>();
        for (Stored s : stored) {
            // split in time: consecutive versions; and each piece split in bytes across parallel versions
            List<Long> cuts = new ArrayList<>(List.of(s.from(), s.to()));
            if (split) {
                for (int k = random.nextInt(4); k > 0; k--) {
                    cuts.add(s.from() + random.nextLong(s.to() - s.from()));
                }
            }
            cuts = cuts.stream().distinct().sorted().toList();
            for (int i = 0; i + 1 < cuts.size(); i++) {
                long remaining = s.bytes();
                int parts = split ? 1 + random.nextInt(3) : 1;
                for (int p = 0; p < parts; p++) {
                    long bytes = p == parts - 1 ? remaining : random.nextLong(remaining + 1);
                    remaining -= bytes;
                    String v = newVersionId(sub);
                    events.add(replicaCompleted(sub, v, s.region(), 1, s.type(), bytes, bytes,
                            START.plusSeconds(cuts.get(i))));
                    events.add(versionDeleted(v, START.plusSeconds(cuts.get(i + 1))));
                }
            }
        }
        for (Moved m : moved) {
            String v = newVersionId(sub);
            int parts = split ? 1 + random.nextInt(6) : 1;
            long remaining = m.bytes();
            for (int p = 0; p < parts; p++) {
                long bytes = p == parts - 1 ? remaining : random.nextLong(remaining + 1);
                remaining -= bytes;
                // the same day: a day never spans two prices
                long at = m.at() - m.at() % 86_400 + random.nextLong(86_400);
                events.add(egress(sub, v, m.source(), m.destination(), bytes, START.plusSeconds(at)));
            }
        }
        if (split) {
            Collections.shuffle(events, random);
        }
        return events.stream().map(CloudEvent::toJson).toList();
    }

    /** Meters the events in random batches (each batch one transaction, as the Kafka consumer does). */
    void meter(String sub, List<String> events, Random random) {
        int i = 0;
        while (i < events.size()) {
            int n = 1 + random.nextInt(events.size() - i);
            List<String> batch = events.subList(i, i + n);
            boolean deletions = batch.stream().anyMatch(e -> e.contains(EventTypes.VERSION_DELETED));
            metering.apply(deletions ? EventTypes.CATALOG_TOPIC : EventTypes.REPLICATION_TOPIC, batch)
                    .await().atMost(Duration.ofSeconds(30));
            i += n;
        }
    }

    List<Line> invoice(String sub) {
        return pool.withTransaction(c -> invoices.compute(c, sub, MONTH, invoices.cutoff(MONTH))).await().atMost(Duration.ofSeconds(30));
    }
}

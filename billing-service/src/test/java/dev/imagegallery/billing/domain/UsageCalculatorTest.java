package dev.imagegallery.billing.domain;

import dev.imagegallery.billing.domain.UsageCalculator.EgressDay;
import dev.imagegallery.billing.domain.UsageCalculator.StoredSpan;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UsageCalculatorTest {
    static final long GIB = 1L << 30;
    static final String VERSION = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/"
            + "i/versions/1.0.0";
    static final PriceBook BOOK = PriceBook.of(PriceSheet.DEFAULTS);
    static final UsagePeriod MARCH = new UsagePeriod(LocalDate.parse("2024-03-01"), LocalDate.parse("2024-03-31"));

    static StoredSpan span(String type, long physical, String start, String end) {
        return new StoredSpan(UUID.nameUUIDFromBytes(start.getBytes()), VERSION, "westeurope", type, 2, physical,
                physical * 3, Instant.parse(start), end == null ? null : Instant.parse(end));
    }

    static void assertDecimal(String expected, BigDecimal actual) {
        assertEquals(0, new BigDecimal(expected).compareTo(actual), () -> "expected " + expected + " but was " + actual);
    }

    @Test
    void anOpenMeterIsBilledPerUtcDayFromItsStartUpToNow() {
        var lines = UsageCalculator.storage(span("Premium_LRS", 100 * GIB, "2024-03-10T12:00:00Z", null), MARCH,
                Instant.parse("2024-03-12T06:00:00Z"), BOOK);
        assertEquals(List.of("2024-03-10", "2024-03-11", "2024-03-12"),
                lines.stream().map(l -> l.date().toString()).toList());
        // 100 GiB x 12 h, x 24 h, x 6 h; 0.132 USD per GiB-month of 730 hours
        assertDecimal("1200", lines.get(0).quantity());
        assertDecimal("2400", lines.get(1).quantity());
        assertDecimal("600", lines.get(2).quantity());
        assertDecimal("0.22", lines.get(0).cost()); // 158.4 / 730 = 0.21698...
        assertDecimal("0.43", lines.get(1).cost()); // 316.8 / 730 = 0.43397...
        assertDecimal("0.11", lines.get(2).cost()); // 79.2 / 730 = 0.10849...
        assertEquals(new BigDecimal("0.000180821918"), lines.get(1).unitPrice());
        assertEquals(2, lines.get(1).cost().scale());
        assertTrue(lines.get(1).quantity().scale() >= 10);
        assertEquals("Storage", lines.get(1).meterCategory());
        assertEquals("Premium_LRS Stored GiB-hours", lines.get(1).meterName());
        assertEquals(100 * GIB, lines.get(1).additionalInfo().get("physicalBytes"));
        assertEquals(300 * GIB, lines.get(1).additionalInfo().get("logicalBytes"));
        assertNotEquals(lines.get(0).name(), lines.get(1).name());
    }

    @Test
    void aClosedMeterStopsAtItsEndAndThePeriodClipsIt() {
        var period = new UsagePeriod(LocalDate.parse("2024-03-11"), LocalDate.parse("2024-03-11"));
        var lines = UsageCalculator.storage(span("Standard_LRS", 10 * GIB, "2024-03-10T12:00:00Z",
                "2024-03-11T06:30:00Z"), period, Instant.parse("2024-04-01T00:00:00Z"), BOOK);
        assertEquals(1, lines.size());
        assertDecimal("65", lines.get(0).quantity()); // 10 GiB x 6.5 h
        assertDecimal("0.00", lines.get(0).cost());
        assertTrue(UsageCalculator.storage(span("Standard_LRS", GIB, "2024-03-10T12:00:00Z", "2024-03-10T12:00:00Z"),
                MARCH, Instant.parse("2024-04-01T00:00:00Z"), BOOK).isEmpty());
    }

    @Test
    void aMeterEndingAtMidnightHasNoLineForTheNextDay() {
        var lines = UsageCalculator.storage(span("Standard_ZRS", GIB, "2024-03-10T00:00:00Z", "2024-03-11T00:00:00Z"),
                MARCH, Instant.parse("2024-04-01T00:00:00Z"), BOOK);
        assertEquals(1, lines.size());
        assertDecimal("24", lines.get(0).quantity());
    }

    @Test
    void fractionalQuantitiesKeepTwelvePlacesAndCostIsRoundedOnceFromTheExactValue() {
        // one byte for one hour
        var lines = UsageCalculator.storage(span("Standard_LRS", 1, "2024-03-10T00:00:00Z", "2024-03-10T01:00:00Z"),
                MARCH, Instant.parse("2024-04-01T00:00:00Z"), BOOK);
        assertEquals(new BigDecimal("0.000000000931"), lines.get(0).quantity()); // 1 / 2^30
        assertEquals(new BigDecimal("0.00"), lines.get(0).cost());
    }

    @Test
    void egressIsPricedByGeographyAndRoundedHalfEvenToTheCent() {
        var within = UsageCalculator.egress(new EgressDay(VERSION, "westeurope", "northeurope",
                LocalDate.parse("2024-03-10"), BigDecimal.valueOf(6 * GIB + GIB / 4)), BOOK);
        assertDecimal("6.25", within.quantity());
        assertDecimal("0.02", within.unitPrice());
        assertEquals(new BigDecimal("0.12"), within.cost()); // 0.125 half-even
        assertEquals("Bandwidth", within.meterCategory());
        assertEquals("Inter-region egress westeurope to northeurope", within.meterName());
        assertEquals("westeurope", within.resourceLocation());

        var between = UsageCalculator.egress(new EgressDay(VERSION, "westeurope", "eastus",
                LocalDate.parse("2024-03-10"), BigDecimal.valueOf(3 * GIB)), BOOK);
        assertDecimal("0.05", between.unitPrice());
        assertEquals(new BigDecimal("0.15"), between.cost());

        var unknown = UsageCalculator.egress(new EgressDay(VERSION, "westeurope", "moon-1",
                LocalDate.parse("2024-03-10"), BigDecimal.valueOf(GIB)), BOOK);
        assertDecimal("0.05", unknown.unitPrice());
    }

    @Test
    void linesAreOrderedByDayStorageFirst() {
        var egress = new EgressDay(VERSION, "westeurope", "eastus", LocalDate.parse("2024-03-10"),
                BigDecimal.valueOf(GIB));
        var outside = new EgressDay(VERSION, "westeurope", "eastus", LocalDate.parse("2024-04-01"),
                BigDecimal.valueOf(GIB));
        var lines = UsageCalculator.lines(List.of(span("Standard_LRS", GIB, "2024-03-09T00:00:00Z",
                        "2024-03-11T00:00:00Z")), List.of(egress, outside), MARCH,
                Instant.parse("2024-04-02T00:00:00Z"), BOOK);
        assertEquals(List.of("2024-03-09 Storage", "2024-03-10 Storage", "2024-03-10 Bandwidth"),
                lines.stream().map(l -> l.date() + " " + l.meterCategory()).toList());
    }
}

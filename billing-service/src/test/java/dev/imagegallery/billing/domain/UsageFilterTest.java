package dev.imagegallery.billing.domain;

import dev.imagegallery.common.arm.ArmException;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Azure's usage-details $filter: what it narrows, and what it refuses rather than ignores. */
class UsageFilterTest {
    static final UsageFilter.Line A = new UsageFilter.Line(
            "/subscriptions/s/resourceGroups/rg-a/providers/Microsoft.Compute/galleries/g/images/i/versions/1.0.0",
            "rg-a", "1.0.0");

    @Test
    void datesNarrowTheDaysAsStartDateAndEndDateDo() {
        UsageFilter f = UsageFilter.parse("properties/usageStart ge '2026-11-03' and properties/usageEnd le "
                + "'2026-11-20T00:00:00.0000000Z'");
        assertEquals(LocalDate.of(2026, 11, 3), f.from());
        assertEquals(LocalDate.of(2026, 11, 20), f.until());
        assertEquals("2026-11-03", f.startDate(null));
        assertEquals("2026-11-05", f.startDate("2026-11-05"), "the later start");
        assertEquals("2026-11-20", f.endDate("2026-11-30"), "the earlier end");
        // a malformed startDate or endDate stays, for the period to refuse it (compared as text, "2026-1-5" was
        // dropped for the filter's date, and "yesterday" kept only by the alphabet)
        assertEquals("2026-1-5", f.startDate("2026-1-5"));
        assertEquals("yesterday", f.endDate("yesterday"));
        assertFalse(f.excludesAll("2026-1-5", null, TODAY));
        UsageFilter open = UsageFilter.parse("properties/usageStart gt '2026-11-03' AND properties/usageEnd lt '2026-11-20'");
        assertEquals(LocalDate.of(2026, 11, 4), open.from());
        assertEquals(LocalDate.of(2026, 11, 19), open.until());
        assertEquals("2026-11-05", UsageFilter.parse("properties/date eq '2026-11-05'").endDate(null));
        // days the filter and the query leave none of: no lines, not an error
        assertTrue(open.excludesAll("2026-11-25", "2026-11-30", TODAY));
        assertFalse(open.excludesAll("2026-11-10", null, TODAY));
        assertFalse(UsageFilter.NONE.excludesAll("2026-11-30", "2026-11-01", TODAY), "the query's own range is refused");
    }

    static final LocalDate TODAY = LocalDate.of(2026, 12, 8);

    /**
     * A filter's days were checked as if the caller had sent them as startDate and endDate (a hostile probe): a start
     * after today was refused as a startDate after today, where it leaves no day; the day after 9999-12-31 was refused
     * as '+10000-01-01' of 'startDate'; a range the filter made too long was refused naming endDate, never sent.
     */
    @Test
    void daysAFilterLeavesNoneOfAnswerNoLinesAndItsRefusalsNameIt() {
        assertTrue(UsageFilter.parse("properties/usageStart ge '2027-01-01'").excludesAll(null, null, TODAY));
        assertTrue(UsageFilter.parse("properties/usageStart gt '9999-12-31'").excludesAll(null, null, TODAY));
        assertTrue(UsageFilter.parse("properties/usageEnd lt '0001-01-01'").excludesAll(null, null, TODAY));
        assertFalse(UsageFilter.parse("properties/usageStart ge '2026-12-01'").excludesAll(null, null, TODAY));
        UsageFilter wide = UsageFilter.parse("properties/usageStart ge '2025-01-01'");
        assertEquals("$filter", wide.startTarget(null));
        assertEquals("endDate", wide.endTarget(null));
        var e = assertThrows(ArmException.class, () -> UsagePeriod.of(wide.startDate(null), wide.endDate(null), TODAY,
                wide.startTarget(null), wide.endTarget(null)));
        assertEquals("$filter", e.target());
        assertEquals("startDate", wide.startTarget("2025-06-01"), "the caller's later start");
    }

    @Test
    void resourceClausesMatchWithoutRegardToCase() {
        assertTrue(UsageFilter.parse("properties/resourceGroup eq 'RG-A'").lines().test(A));
        assertFalse(UsageFilter.parse("properties/resourceGroup eq 'rg-b'").lines().test(A));
        assertTrue(UsageFilter.parse("properties/resourceId eq '" + A.resourceId().toUpperCase() + "'").lines().test(A));
        assertTrue(UsageFilter.parse("properties/resourceName eq '1.0.0' and properties/chargeType eq 'usage'")
                .lines().test(A));
        assertFalse(UsageFilter.parse("properties/publisherType eq 'marketplace'").lines().test(A));
        assertFalse(UsageFilter.parse("properties/resourceGroup eq 'it''s'").lines().test(A));
        assertTrue(UsageFilter.parse("  ").lines().test(A));
        assertNull(UsageFilter.parse(null).from());
    }

    @Test
    void whatItCannotDoIsRefusedNotIgnored() {
        for (String bad : new String[]{"properties/usageStart ge 'notadate'", "tags eq 'env:prod'",
                "properties/resourceGroup ne 'rg-a'", "properties/resourceGroup eq 'a' or properties/resourceGroup eq 'b'",
                "properties/resourceGroup eq 'a' and", "not properties/resourceGroup eq 'a'", "properties/cost gt '1'",
                "properties/resourceGroup eq rg-a", "properties/resourceGroup eq 'a' properties/resourceName eq 'b'",
                "properties/usageStart ge '2026-11-03' andproperties/usageEnd le '2026-11-04'", "x".repeat(3000)}) {
            ArmException e = assertThrows(ArmException.class, () -> UsageFilter.parse(bad), bad);
            assertEquals("InvalidFilter", e.code(), bad);
            assertEquals("$filter", e.target(), bad);
        }
    }
}

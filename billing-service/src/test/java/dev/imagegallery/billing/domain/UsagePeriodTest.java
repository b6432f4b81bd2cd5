package dev.imagegallery.billing.domain;

import dev.imagegallery.common.arm.ArmException;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class UsagePeriodTest {
    static final LocalDate TODAY = LocalDate.parse("2024-03-15");

    @Test
    void defaultsToTheCurrentMonthUpToToday() {
        assertEquals(new UsagePeriod(LocalDate.parse("2024-03-01"), TODAY), UsagePeriod.of(null, null, TODAY));
        assertEquals(new UsagePeriod(LocalDate.parse("2024-02-01"), LocalDate.parse("2024-02-10")),
                UsagePeriod.of(null, "2024-02-10", TODAY));
        assertEquals(new UsagePeriod(LocalDate.parse("2024-01-20"), TODAY), UsagePeriod.of("2024-01-20", "", TODAY));
    }

    @Test
    void aFullLeapYearIsAllowedOneDayMoreIsNot() {
        assertEquals(366, UsagePeriod.of("2024-01-01", "2024-12-31", TODAY).end().getDayOfYear());
        var e = assertThrows(ArmException.class, () -> UsagePeriod.of("2023-12-31", "2024-12-31", TODAY));
        assertEquals(400, e.status());
        assertEquals("endDate", e.target());
    }

    @Test
    void badDatesNameTheirParameter() {
        var reversed = assertThrows(ArmException.class, () -> UsagePeriod.of("2024-03-10", "2024-03-09", TODAY));
        assertEquals("endDate", reversed.target());
        assertEquals("InvalidDateRange", reversed.code());
        assertEquals("startDate", assertThrows(ArmException.class,
                () -> UsagePeriod.of("2024-02-30", null, TODAY)).target());
        assertEquals("endDate", assertThrows(ArmException.class,
                () -> UsagePeriod.of(null, "15/03/2024", TODAY)).target());
        assertEquals("startDate", assertThrows(ArmException.class,
                () -> UsagePeriod.of("2024-3-1", null, TODAY)).target());
        // signed and five-digit years were days (-999999999-01-01 answered 200 with no lines)
        for (String day : new String[]{"-999999999-01-01", "+10000-01-01", "0000-01-01"}) {
            assertEquals("startDate", assertThrows(ArmException.class, () -> UsagePeriod.of(day, "2024-03-09",
                    TODAY)).target(), day);
        }
        // a startDate after today without an endDate names the startDate: it named the endDate nobody sent
        var later = assertThrows(ArmException.class, () -> UsagePeriod.of(TODAY.plusDays(30).toString(), null, TODAY));
        assertEquals("startDate", later.target());
        assertEquals("InvalidDateRange", later.code());
    }

    @Test
    void theInstantsSpanWholeUtcDays() {
        var p = UsagePeriod.of("2024-03-01", "2024-03-02", TODAY);
        assertEquals("2024-03-01T00:00:00Z", p.from().toString());
        assertEquals("2024-03-03T00:00:00Z", p.until().toString());
    }
}

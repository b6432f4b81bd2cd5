package dev.imagegallery.billing.domain;

import dev.imagegallery.common.arm.ArmException;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * The UTC days a usage query covers, both inclusive. Without dates it is the current month up to today; without a
 * start date it begins on the first of the end date's month; without an end date it ends today.
 */
public record UsagePeriod(LocalDate start, LocalDate end) {
    public static final int MAX_DAYS = 366;

    public static UsagePeriod of(String startDate, String endDate, LocalDate today) {
        return of(startDate, endDate, today, "startDate", "endDate");
    }

    /**
     * The same, each refusal naming where its date came from: {@code startTarget} and {@code endTarget} are
     * {@code startDate} and {@code endDate}, or {@code $filter} for a day the filter set (a range a filter made too
     * long was refused naming {@code endDate}, which the caller had not sent).
     */
    public static UsagePeriod of(String startDate, String endDate, LocalDate today, String startTarget,
                                 String endTarget) {
        LocalDate end = isBlank(endDate) ? today : parse(endDate, endTarget);
        LocalDate start = isBlank(startDate) ? end.withDayOfMonth(1) : parse(startDate, startTarget);
        if (end.isBefore(start)) {
            if (isBlank(endDate)) {
                // the caller sent no endDate (it is today): the startDate is what is wrong, and named so
                throw ArmException.invalid("InvalidDateRange", "The startDate " + start + " is after today (" + end
                        + "), which is the endDate when none is given.", startTarget);
            }
            throw ArmException.invalid("InvalidDateRange", "The endDate " + end + " is before the startDate " + start
                    + ".", endTarget);
        }
        long days = ChronoUnit.DAYS.between(start, end) + 1;
        if (days > MAX_DAYS) {
            String target = isBlank(endDate) || !endTarget.equals("endDate") ? startTarget : endTarget;
            throw ArmException.invalid("InvalidDateRange", "The range from " + start + " to " + end + " spans " + days
                    + " days; at most " + MAX_DAYS + " days can be queried at once.", target);
        }
        return new UsagePeriod(start, end);
    }

    /** The first instant of the period. */
    public Instant from() {
        return start.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** The first instant after the period. */
    public Instant until() {
        return end.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private static LocalDate parse(String value, String parameter) {
        LocalDate day = Dates.parse(value); // yyyy-MM-dd, years 0001 to 9999 (-999999999-01-01 was a day)
        if (day == null) {
            throw ArmException.invalidParameter(parameter, "The value '" + value + "' of '" + parameter
                    + "' is not a date in the format yyyy-MM-dd.");
        }
        return day;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}

package dev.imagegallery.billing.domain;

import dev.imagegallery.common.arm.ArmException;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;

/** Days as the billing API writes them: yyyy-MM-dd, strictly (2026-02-30 is no day). */
public final class Dates {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("uuuu-MM-dd")
            .withResolverStyle(ResolverStyle.STRICT);

    /** The first and the last day a date may name (ARM's years 0001 to 9999). */
    public static final LocalDate FIRST = LocalDate.of(1, 1, 1);
    public static final LocalDate LAST = LocalDate.of(9999, 12, 31);

    private Dates() {
    }

    private static final java.util.regex.Pattern FORM = java.util.regex.Pattern.compile("^\\d{4}-\\d{2}-\\d{2}$");

    /** The day {@code value} names, or 400 naming {@code target}. */
    public static LocalDate day(String value, String target) {
        if (value == null || value.isBlank()) {
            throw ArmException.invalid("InvalidPriceSheet", "'" + target + "' (yyyy-MM-dd) is required.", target);
        }
        LocalDate day = parse(value);
        if (day == null) {
            throw ArmException.invalidParameter(target, "The value '" + value + "' of '" + target
                    + "' is not a date in the format yyyy-MM-dd.");
        }
        return day;
    }

    /**
     * The day {@code value} names in the form yyyy-MM-dd, a year from 0001 to 9999, or null. The formatter alone took
     * a signed year of five digits and more ({@code +10000-01-01}, {@code -999999999-01-01}): a price sheet stored from
     * such a day could not be read back by the database client, and every read that priced anything failed with it.
     */
    public static LocalDate parse(String value) {
        if (value == null || !FORM.matcher(value.trim()).matches()) {
            return null;
        }
        try {
            LocalDate day = LocalDate.parse(value.trim(), DATE);
            return day.getYear() >= 1 ? day : null;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}

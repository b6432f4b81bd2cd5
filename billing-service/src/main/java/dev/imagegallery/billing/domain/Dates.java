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

    private Dates() {
    }

    /** The day {@code value} names, or 400 naming {@code target}. */
    public static LocalDate day(String value, String target) {
        if (value == null || value.isBlank()) {
            throw ArmException.invalid("InvalidPriceSheet", "'" + target + "' (yyyy-MM-dd) is required.", target);
        }
        try {
            return LocalDate.parse(value.trim(), DATE);
        } catch (DateTimeParseException e) {
            throw ArmException.invalidParameter(target, "The value '" + value + "' of '" + target
                    + "' is not a date in the format yyyy-MM-dd.");
        }
    }
}

package dev.imagegallery.common.db;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The time to write into a {@code timestamptz} column, as PostgreSQL keeps it (microseconds). A resource that answers
 * its own write from memory must say what its later reads will say: with the clock's nanoseconds, a PUT answered
 * {@code createdOn} {@code ...51.558807186Z} and every GET after it {@code ...51.558807Z}.
 */
public final class StoredTime {
    private StoredTime() {
    }

    public static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    /** The given clock's time, as PostgreSQL keeps it. */
    public static Instant now(Clock clock) {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}

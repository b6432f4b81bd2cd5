package dev.imagegallery.common.log;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The log of a loop that retries every second or so (the outbox relay, the replication worker): while its database or
 * broker is away every round fails the same way, and a line per round buried everything else in the log (several a
 * second from replication-service during a PostgreSQL outage). The first failure of a streak is logged at once with its
 * cause; while the streak lasts, one line per {@code every} says how many rounds have failed since and the latest cause;
 * the first success after it says how long it lasted. Thread-safe.
 */
public final class FailureStreak {
    private final String what;
    private final long everyNanos;
    private final LongSupplier clock;
    private final Consumer<String> warn;
    private final Consumer<String> info;

    private long failures;
    private long startedAt;
    private long loggedAt;
    private long failuresAtLog;

    /**
     * {@code what}: the loop, as the log names it ("outbox relay round"); {@code owner}: the class whose log category
     * the lines go under (an operator's filter for the relay still finds them).
     */
    public FailureStreak(String what, Duration every, Class<?> owner) {
        this(what, every, System::nanoTime, Logger.getLogger(owner)::warn, Logger.getLogger(owner)::info);
    }

    FailureStreak(String what, Duration every, LongSupplier clock, Consumer<String> warn, Consumer<String> info) {
        this.what = what;
        this.everyNanos = every.toNanos();
        this.clock = clock;
        this.warn = warn;
        this.info = info;
    }

    /** A round failed with {@code cause}. */
    public void failed(Throwable cause) {
        failed(cause == null ? "unknown" : String.valueOf(cause.getMessage() == null ? cause : cause.getMessage()));
    }

    /** A round failed; {@code cause} says why. */
    public void failed(String cause) {
        String line;
        synchronized (this) {
            long now = clock.getAsLong();
            failures++;
            if (failures == 1) {
                startedAt = now;
                loggedAt = now;
                failuresAtLog = 1;
                line = what + " failed (retrying; one line per " + seconds(everyNanos) + " while it keeps failing): "
                        + cause;
            } else if (now - loggedAt >= everyNanos) {
                line = what + " still failing: " + (failures - failuresAtLog) + " more failures in the last "
                        + seconds(now - loggedAt) + ", " + failures + " since " + seconds(now - startedAt) + " ago; "
                        + "latest: " + cause;
                loggedAt = now;
                failuresAtLog = failures;
            } else {
                line = null;
            }
        }
        if (line != null) {
            warn.accept(line);
        }
    }

    /** A round succeeded: ends a streak, if there was one. */
    public void succeeded() {
        String line;
        synchronized (this) {
            if (failures == 0) {
                return;
            }
            line = what + " works again after " + failures + (failures == 1 ? " failure" : " failures") + " over "
                    + seconds(clock.getAsLong() - startedAt);
            failures = 0;
        }
        info.accept(line);
    }

    /** Whether the last round failed. */
    public synchronized boolean failing() {
        return failures > 0;
    }

    private static String seconds(long nanos) {
        long s = Math.round(nanos / 1e9);
        return s < 120 ? s + " s" : (s / 60) + " min " + (s % 60) + " s";
    }
}

package dev.imagegallery.replication.service;

import java.time.Duration;

/**
 * When a copy's checkpoint is also reported as a ReplicaProgress event: at most once per {@link #EVERY}, none in the
 * attempt's first {@code EVERY}, and never at 100 % (its ReplicaCompleted follows at once). Every checkpoint is still
 * saved on the job row (that is what a resumed copy needs); the event is for the catalog's replication status, where
 * a figure that changes several times a second is read by nobody. A 1 MiB copy used to report four times (and its
 * region where the content already was once more): five events of each small version, each consumed by three services,
 * more than half the events a burst of small versions made.
 */
final class ProgressReports {
    static final Duration EVERY = Duration.ofSeconds(1);

    private final long every;
    private long last;

    /** For an attempt started at {@code startedNanos} ({@link System#nanoTime()}). */
    ProgressReports(long startedNanos) {
        this(startedNanos, EVERY);
    }

    ProgressReports(long startedNanos, Duration every) {
        this.every = every.toNanos();
        this.last = startedNanos;
    }

    /** Whether a checkpoint at {@code percent}, saved at {@code nowNanos}, is reported (and counts as the last). */
    boolean report(int percent, long nowNanos) {
        if (percent >= 100 || nowNanos - last < every) {
            return false;
        }
        last = nowNanos;
        return true;
    }
}

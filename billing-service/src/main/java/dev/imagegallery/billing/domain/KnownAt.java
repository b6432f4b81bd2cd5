package dev.imagegallery.billing.domain;

import dev.imagegallery.events.CloudEvent;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;

/**
 * When the system learnt what an event says: the event's own time (stamped by its producer), but never before the
 * cutoff of the latest invoice already issued for the subscription, since an issued invoice never changes (what
 * arrives after it is an adjustment on the next one). From the events alone, apart from that floor; a replay into an
 * empty database (no invoices yet) therefore reproduces what was known when.
 */
public final class KnownAt {
    private final Map<String, Instant> cutoffs;
    private final Clock clock;

    /** @param cutoffs the cutoff of the latest issued invoice of each subscription (lower-case id) */
    public KnownAt(Map<String, Instant> cutoffs, Clock clock) {
        this.cutoffs = cutoffs;
        this.clock = clock;
    }

    /** For an event of {@code subscriptionId} (blank: the latest cutoff of all floors it). */
    public Instant of(CloudEvent event, String subscriptionId) {
        Instant t = event != null && event.time() != null ? event.time() : clock.instant();
        Instant floor = subscriptionId == null || subscriptionId.isBlank()
                ? cutoffs.values().stream().max(Instant::compareTo).orElse(null)
                : cutoffs.get(StorageLedger.sub(subscriptionId));
        return floor != null && floor.isAfter(t) ? floor : t;
    }
}

package dev.imagegallery.billing.domain;

import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** When the system learnt an event: its own time, never before an issued invoice's cutoff. */
class KnownAtTest {
    static final Instant NOW = Instant.parse("2026-04-02T00:00:00Z");
    static final Instant CUTOFF = Instant.parse("2026-04-01T00:00:00Z");

    static CloudEvent at(Instant time) {
        var e = CloudEvent.of("/test", EventTypes.VERSION_DELETED, "v", new Payloads.VersionDeleted("v", "S"));
        return new CloudEvent(e.specversion(), e.id(), e.source(), e.type(), e.subject(), time, e.datacontenttype(),
                e.dataschema(), e.data());
    }

    @Test
    void anEventIsKnownFromItsTimeButNeverBeforeAnIssuedInvoicesCutoff() {
        var known = new KnownAt(Map.of("s", CUTOFF), Clock.fixed(NOW, ZoneOffset.UTC));
        Instant march = Instant.parse("2026-03-20T00:00:00Z");
        assertEquals(CUTOFF, known.of(at(march), "S"));
        assertEquals(NOW.minusSeconds(1), known.of(at(NOW.minusSeconds(1)), "S"));
        assertEquals(march, known.of(at(march), "other"));
        assertEquals(CUTOFF, known.of(at(march), null));
        assertEquals(NOW, known.of(null, "other"));
    }
}

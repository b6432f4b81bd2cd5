package dev.imagegallery.common.outbox;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The inbox wakes the relay after a consumed event only when events were written meanwhile (Inbox.process). */
class OutboxWritesTest {
    @Test
    void aMarkTellsWhetherAnyEventWasWrittenSince() {
        long mark = Outbox.writes();
        assertFalse(Outbox.writtenSince(mark), "nothing written: no relay round");
        Outbox.markWritten(); // as every emit does, off a request's context here
        assertTrue(Outbox.writtenSince(mark));
        long next = Outbox.writes();
        assertFalse(Outbox.writtenSince(next));
    }
}

package dev.imagegallery.common.outbox;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A relay round never holds more events than the Kafka sink takes unacknowledged: the emitter refuses the excess
 * (SRMSG00034 "Insufficient downstream requests") and a refused round is rolled back and retried, forever.
 */
class OutboxRelayRoundTest {
    @Test
    void aRoundIsCappedAtTheSinksInFlightLimit() {
        assertEquals(1024, OutboxRelay.roundSize(2000, 1024));
        assertEquals(500, OutboxRelay.roundSize(500, 1024));
    }

    @Test
    void withoutALimitARoundIsTheWholeBatch() {
        assertEquals(2000, OutboxRelay.roundSize(2000, 0));
        assertEquals(2000, OutboxRelay.roundSize(2000, -1));
    }

    @Test
    void aRoundHasAtLeastOneEvent() {
        assertEquals(1, OutboxRelay.roundSize(0, 1024));
    }
}

package dev.imagegallery.common.arm;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that closes its connection part-way through an answer (a download it stopped reading) is no failure of
 * the service: it was logged as an unexpected failure with its whole stack on every such download (a hostile probe).
 */
class ClientGoneTest {
    @Test
    void aClosedConnectionIsTheClientGoneNotAServerError() {
        // as Quarkus' VertxOutputStream reports it
        Throwable closed = new IOException(new IOException("Failed to write",
                new IOException("Connection has been closed")));
        assertTrue(ArmExceptionMappers.clientGone(closed));
        assertTrue(ArmExceptionMappers.clientGone(new java.nio.channels.ClosedChannelException()));
        assertTrue(ArmExceptionMappers.clientGone(new IOException("Connection reset by peer")));
        assertEquals(499, ArmExceptionMappers.describe(closed).status());
        assertFalse(ArmExceptionMappers.clientGone(new IOException("No space left on device")));
        assertFalse(ArmExceptionMappers.clientGone(new IllegalStateException("bug")));
        assertEquals(500, ArmExceptionMappers.describe(new IllegalStateException("bug")).status());
    }
}

package dev.imagegallery.devstack;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The test broker's listeners (three ports) and Keycloak's (two) are chosen together and never coincide. */
class NetTest {
    @Test
    void portsChosenTogetherAreDistinct() {
        for (int round = 0; round < 50; round++) {
            int[] ports = Net.freePorts(3);
            assertEquals(3, Arrays.stream(ports).distinct().count(), Arrays.toString(ports));
        }
        assertEquals(64, Arrays.stream(Net.freePorts(64)).distinct().count());
    }
}

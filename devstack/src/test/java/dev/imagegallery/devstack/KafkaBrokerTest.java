package dev.imagegallery.devstack;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaBrokerTest {

    /** The storage tool read an id starting with '-' as an option and refused to format (seen in CI). */
    @Test
    void clusterIdsNeverLookLikeOptions() {
        for (int i = 0; i < 20_000; i++) {
            String id = KafkaBroker.clusterId();
            assertTrue(Character.isLetterOrDigit(id.charAt(0)), id);
            assertEquals(22, id.length(), id);
        }
    }
}

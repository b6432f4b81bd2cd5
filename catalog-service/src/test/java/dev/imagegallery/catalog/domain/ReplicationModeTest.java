package dev.imagegallery.catalog.domain;

import dev.imagegallery.common.arm.ArmException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The replication-mode rules without Quarkus: the targets the API answers with. */
class ReplicationModeTest {
    static final String PP = "properties.publishingProfile";

    static String refusedAt(Runnable r) {
        ArmException e = assertThrows(ArmException.class, r::run);
        assertEquals("InvalidParameter", e.code());
        assertEquals(400, e.status());
        return e.target();
    }

    static TargetRegions.Target target(String region, int replicas) {
        return new TargetRegions.Target(region, replicas, "Standard_LRS", false);
    }

    @Test
    void fullIsTheDefaultAndTheModeIsReadAsAzureSpellsIt() {
        assertEquals("Full", ReplicationMode.of(null, ReplicationMode.FULL));
        assertEquals("Shallow", ReplicationMode.of("shallow", ReplicationMode.FULL));
        assertEquals(PP + ".replicationMode", refusedAt(() -> ReplicationMode.of("Deep", "Full")));
    }

    @Test
    void aShallowVersionHasOnlyItsLocationWithOneReplica() {
        assertDoesNotThrow(() -> ReplicationMode.shallowTargets(List.of(target("westeurope", 1)), "westeurope"));
        assertEquals(PP + ".targetRegions[1].name", refusedAt(() -> ReplicationMode.shallowTargets(
                List.of(target("westeurope", 1), target("eastus", 1)), "westeurope")));
        assertEquals(PP + ".targetRegions[0].regionalReplicaCount", refusedAt(() -> ReplicationMode.shallowTargets(
                List.of(target("westeurope", 2)), "westeurope")));
        assertEquals(PP + ".replicaCount", refusedAt(() -> ReplicationMode.shallowReplicaCount(2)));
        assertDoesNotThrow(() -> ReplicationMode.shallowReplicaCount(null));
    }

    @Test
    void theModeIsNotUpdatable() {
        assertDoesNotThrow(() -> ReplicationMode.unchanged(null, "Shallow"));
        assertDoesNotThrow(() -> ReplicationMode.unchanged("shallow", "Shallow"));
        for (String[] change : new String[][] {{"Full", "Shallow"}, {"Shallow", "Full"}}) {
            ArmException e = assertThrows(ArmException.class, () -> ReplicationMode.unchanged(change[0], change[1]));
            assertEquals(409, e.status());
            assertEquals("PropertyChangeNotAllowed", e.code());
            assertEquals(PP + ".replicationMode", e.target());
        }
    }
}

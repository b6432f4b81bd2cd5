package dev.imagegallery.catalog.domain;

import dev.imagegallery.common.arm.ArmException;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The target-region rules without Quarkus: the same codes, messages and targets the API answers. */
class TargetRegionsTest {
    static VersionSpec.TargetRegion region(String name, Integer replicas) {
        return new VersionSpec.TargetRegion(name, replicas, null, null);
    }

    static TargetRegions.Target target(String region, int replicas, String storage) {
        return new TargetRegions.Target(region, replicas, storage, false);
    }

    static ArmException refused(Runnable r) {
        return assertThrows(ArmException.class, r::run);
    }

    @Test
    void regionsTakeTheProfileDefaultsAndKeepRequestOrder() {
        var regions = TargetRegions.of(List.of(region("northeurope", null), region("WestEurope", 3)), 2,
                "Premium_LRS");
        assertEquals(List.of(target("northeurope", 2, "Premium_LRS"), target("westeurope", 3, "Premium_LRS")),
                regions);
    }

    @Test
    void aRegionListedTwiceIsRefusedNamingItsIndex() {
        var e = refused(() -> TargetRegions.of(List.of(region("westeurope", 1), region("westeurope", 1)), 1,
                "Standard_LRS"));
        assertEquals("properties.publishingProfile.targetRegions[1].name", e.target());
        assertEquals("The region 'westeurope' is listed more than once.", e.getMessage());
    }

    @Test
    void aNullRegionAndAReplicaCountOutOfRangeAreRefusedNamingTheField() {
        assertEquals("properties.publishingProfile.targetRegions[0]",
                refused(() -> TargetRegions.of(Arrays.asList((VersionSpec.TargetRegion) null), 1, "Standard_LRS"))
                        .target());
        for (int bad : new int[] {0, 51}) {
            assertEquals("properties.publishingProfile.targetRegions[0].regionalReplicaCount",
                    refused(() -> TargetRegions.of(List.of(region("westeurope", bad)), 1, "Standard_LRS")).target());
        }
        assertEquals("properties.publishingProfile.targetRegions[0].name",
                refused(() -> TargetRegions.of(List.of(region("atlantis", 1)), 1, "Standard_LRS")).target());
    }

    @Test
    void aNewVersionReplicatesToItsLocationWhenNoRegionIsNamedAndMustIncludeIt() {
        assertEquals(List.of(target("westeurope", 1, "Standard_LRS")),
                TargetRegions.ofNewVersion(null, "westeurope", 1, "Standard_LRS"));
        var pp = new VersionSpec.Publishing(List.of(region("northeurope", null)), null, null, null, null);
        var e = refused(() -> TargetRegions.ofNewVersion(pp, "westeurope", 1, "Standard_LRS"));
        assertEquals("properties.publishingProfile.targetRegions", e.target());
        assertEquals("The version's location 'westeurope' must be one of its target regions.", e.getMessage());
    }

    @Test
    void aChangeAddsRequeuesAndRemovesRegions() {
        var current = List.of(target("westeurope", 1, "Standard_LRS"), target("northeurope", 1, "Standard_LRS"));
        var wanted = List.of(target("westeurope", 2, "Standard_LRS"), target("eastus", 1, "Standard_LRS"));
        var change = TargetRegions.change(current, wanted, "westeurope", "Standard_LRS", true);
        assertEquals(List.of("eastus"), change.added());
        assertEquals(List.of("westeurope"), change.requeued());
        assertEquals(List.of("northeurope"), change.removed());
        assertTrue(change.replicates());
    }

    @Test
    void excludingARegionFromLatestAloneReplicatesNothing() {
        var current = List.of(target("westeurope", 1, "Standard_LRS"));
        var wanted = List.of(new TargetRegions.Target("westeurope", 1, "Standard_LRS", true));
        assertFalse(TargetRegions.change(current, wanted, "westeurope", "Standard_LRS", false).replicates());
    }

    @Test
    void replicatedRegionsGoOnlyWithTheSafetyProfilesConsent() {
        var current = List.of(target("westeurope", 1, "Standard_LRS"), target("northeurope", 1, "Standard_LRS"));
        var wanted = List.of(target("westeurope", 1, "Standard_LRS"));
        var e = refused(() -> TargetRegions.change(current, wanted, "westeurope", "Standard_LRS", false));
        assertEquals("DeletionOfReplicatedLocationsNotAllowed", e.code());
        assertEquals(409, e.status());
    }

    @Test
    void theLocationRemainsATargetAndARegionKeepsItsStorageType() {
        var current = List.of(target("westeurope", 1, "Standard_LRS"), target("northeurope", 1, "Premium_LRS"));
        var e = refused(() -> TargetRegions.change(current, List.of(target("northeurope", 1, "Premium_LRS")),
                "westeurope", "Standard_LRS", true));
        assertEquals("The version's location 'westeurope' must remain one of its target regions.", e.getMessage());
        var storage = refused(() -> TargetRegions.change(current, List.of(target("westeurope", 1, "Standard_LRS"),
                target("northeurope", 1, "Standard_ZRS")), "westeurope", "Standard_LRS", true));
        assertEquals("PropertyChangeNotAllowed", storage.code());
    }

    @Test
    void replicaCountsAndEndOfLifeHaveTheirBounds() {
        assertEquals(1, TargetRegions.replicaCount(null, 1));
        assertEquals("properties.publishingProfile.replicaCount", refused(() -> TargetRegions.replicaCount(
                new VersionSpec.Publishing(null, 51, null, null, null), 1)).target());
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        assertEquals("properties.publishingProfile.endOfLifeDate",
                refused(() -> TargetRegions.endOfLife(now, now)).target());
        assertEquals(now.plusSeconds(1), TargetRegions.endOfLife(now.plusSeconds(1), now));
    }
}

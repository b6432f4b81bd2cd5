package dev.imagegallery.catalog.domain;

import dev.imagegallery.common.arm.ArmException;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Version ordering, lifecycle, replication state and recommendation checks, without Quarkus. */
class VersionRulesUnitTest {
    static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");

    @Test
    void versionsOrderByMajorThenMinorThenPatchNotAsText() {
        List<VersionNumber> sorted = Stream.of("1.10.0", "1.9.0", "0.0.1", "1.9.10", "1.9.2", "2.0.0")
                .map(VersionNumber::of).sorted().toList();
        assertEquals("[0.0.1, 1.9.0, 1.9.2, 1.9.10, 1.10.0, 2.0.0]", sorted.toString());
    }

    @Test
    void aVersionNameIsCanonicalAndEachPartFitsIn32Bits() {
        assertEquals(new VersionNumber(2147483647, 0, 0), VersionNumber.of("2147483647.0.0"));
        for (String bad : new String[] {"01.0.0", "1.00.0", "1.0", "1.0.0.0", "2147483648.0.0", "-1.0.0", "a.b.c"}) {
            var e = assertThrows(ArmException.class, () -> VersionNumber.of(bad), bad);
            assertEquals("InvalidGalleryImageVersionName", e.code());
            assertEquals("name", e.target());
        }
    }

    @Test
    void aSkipTokenNamesAVersionOrIsRefusedNamingSkipToken() {
        assertEquals(new VersionNumber(1, 2, 3), VersionNumber.ofToken("1.2.3"));
        for (String bad : new String[] {"1.2", "x.1.1", "-1.0.0", "1.2.3.4", "99999999999.0.0"}) {
            assertEquals("$skiptoken", assertThrows(ArmException.class, () -> VersionNumber.ofToken(bad)).target());
        }
    }

    @Test
    void lifecycleStatesTakeAzuresSpellingAndAVersionCannotReplaceItself() {
        assertEquals("Deprecated", VersionLifecycle.state("deprecated", "Active"));
        assertEquals("Disabled", VersionLifecycle.state(null, "Disabled"));
        assertEquals("properties.lifecycleProfile.state",
                assertThrows(ArmException.class, () -> VersionLifecycle.state("Retired", "Active")).target());
        var self = assertThrows(ArmException.class, () -> VersionLifecycle.checkReplacement("1.0.0", "1.0.0"));
        assertEquals("properties.lifecycleProfile.replacementVersion", self.target());
        assertDoesNotThrow(() -> VersionLifecycle.checkReplacement("1.0.1", "1.0.0"));
    }

    @Test
    void deletionBeforeTheEndOfLifeIsBlockedOnlyWhenTheSafetyProfileSaysSo() {
        assertDoesNotThrow(() -> VersionLifecycle.checkDeletion("1.0.0", "id", false, null, NOW));
        assertDoesNotThrow(() -> VersionLifecycle.checkDeletion("1.0.0", "id", true, NOW.minusSeconds(1), NOW));
        var e = assertThrows(ArmException.class,
                () -> VersionLifecycle.checkDeletion("1.0.0", "id", true, null, NOW));
        assertEquals("DeletionBlockedBeforeEndOfLife", e.code());
        assertEquals(409, e.status());
        assertThrows(ArmException.class, () -> VersionLifecycle.checkDeletion("1.0.0", "id", true,
                NOW.plusSeconds(60), NOW));
    }

    @Test
    void aVersionSucceedsWhenEveryRegionCompletedAndFailsWhenOneFailed() {
        String c = ReplicationState.COMPLETED;
        String f = ReplicationState.FAILED;
        String r = ReplicationState.REPLICATING;
        assertEquals("Succeeded", ReplicationState.settled(List.of(c, c), "Creating"));
        assertEquals("Failed", ReplicationState.settled(List.of(c, f), "Creating"));
        assertEquals("Updating", ReplicationState.settled(List.of(c, r), "Updating"));
        assertEquals("Completed", ReplicationState.aggregated(List.of(c, c)));
        assertEquals("Failed", ReplicationState.aggregated(List.of(r, f)));
        assertEquals("InProgress", ReplicationState.aggregated(List.of(c, r)));
        assertTrue(ReplicationState.incomplete(List.of(c, ReplicationState.QUEUED)));
    }

    @Test
    void progressOnlyMovesForwardStopsShortOf100AndNeverTouchesASettledRegion() {
        assertEquals(40, ReplicationState.progress(40, 10));
        assertEquals(99, ReplicationState.progress(40, 100));
        assertEquals(0, ReplicationState.progress(0, -5));
        assertTrue(ReplicationState.takesProgress(ReplicationState.QUEUED));
        assertFalse(ReplicationState.takesProgress(ReplicationState.COMPLETED));
        assertFalse(ReplicationState.takesProgress(ReplicationState.FAILED));
    }

    @Test
    void aRegionCompletesWithAllItsReplicas() {
        assertFalse(ReplicationState.completes(1, 2));
        assertTrue(ReplicationState.completes(2, 2));
    }

    @Test
    void recommendedRangesAreBoundedAndNotUpsideDown() {
        var ok = new Recommended(new Recommended.Range(2, 8), new Recommended.Range(4, 32));
        assertDoesNotThrow(ok::check);
        assertEquals("properties.recommended.vCPUs.max", assertThrows(ArmException.class,
                () -> new Recommended(new Recommended.Range(1, 641), null).check()).target());
        assertEquals("properties.recommended.memory", assertThrows(ArmException.class,
                () -> new Recommended(null, new Recommended.Range(16, 8)).check()).target());
    }

    @Test
    void aVmSizeOutsideTheRecommendationsEarnsAWarningPerDimension() {
        var rec = new Recommended(new Recommended.Range(2, 8), new Recommended.Range(4, 32));
        List<String> warnings = new ArrayList<>();
        rec.warn(new ResolveQuery.VmSize(16, 2.5), warnings);
        assertEquals(List.of("The VM size's vCPUs (16) is above the recommended maximum of 8.",
                "The VM size's memory (GB) (2.5) is below the recommended minimum of 4."), warnings);
        List<String> none = new ArrayList<>();
        rec.warn(new ResolveQuery.VmSize(4, 16.0), none);
        assertEquals(List.of(), none);
    }

    @Test
    void aVmSizeAskedAboutIsBounded() {
        assertEquals("vmSize.vCPUs", assertThrows(ArmException.class,
                () -> Recommended.checkSize(new ResolveQuery.VmSize(0, null))).target());
        assertEquals("vmSize.memoryGB", assertThrows(ArmException.class,
                () -> Recommended.checkSize(new ResolveQuery.VmSize(null, Double.NaN))).target());
    }
    @Test
    void resolutionWarnsOfDeprecationAndEndsOfLifeAndRefusesADisabledVersion() {
        assertEquals(List.of("Version 1.0.0 is deprecated; use 1.0.1 instead.",
                        "Version 1.0.0 is past its end-of-life date " + NOW.minusSeconds(1) + ".",
                        "Image definition ubuntu is past its end-of-life date " + NOW.minusSeconds(2) + "."),
                VersionLifecycle.warnings("1.0.0", "Deprecated", "1.0.1", NOW.minusSeconds(1), "ubuntu",
                        NOW.minusSeconds(2), NOW));
        assertEquals(List.of(), VersionLifecycle.warnings("1.0.0", "Active", null, NOW.plusSeconds(1), "ubuntu",
                null, NOW));
        var e = assertThrows(ArmException.class, () -> VersionLifecycle.checkResolvable("1.0.0", "Disabled", "1.0.1"));
        assertEquals("GalleryImageVersionDisabled", e.code());
        assertEquals("The version '1.0.0' is disabled; use '1.0.1'.", e.getMessage());
        assertDoesNotThrow(() -> VersionLifecycle.checkResolvable("1.0.0", "Deprecated", null));
    }
}

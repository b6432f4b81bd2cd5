package dev.imagegallery.catalog.domain;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LongRunningTest {

    @Test
    void onlyAWriteStillReplicatingStartsAnOperation() {
        assertTrue(LongRunning.running("Creating"));
        assertTrue(LongRunning.running("Updating"));
        assertFalse(LongRunning.running("Succeeded"));
        assertFalse(LongRunning.running("Failed"));
        assertFalse(LongRunning.running(null));
    }

    @Test
    void theOperationsStatusFollowsTheVersionsProvisioningState() {
        assertEquals("InProgress", LongRunning.statusOf("Creating"));
        assertEquals("InProgress", LongRunning.statusOf("Updating"));
        assertEquals("Succeeded", LongRunning.statusOf("Succeeded"));
        assertEquals("Failed", LongRunning.statusOf("Failed"));
    }

    @Test
    void aDeleteWaitsForEachRegionOnceAndInAnyCase() {
        String pending = LongRunning.pending(List.of("westeurope", "NorthEurope"));
        assertEquals("westeurope,northeurope", pending);
        pending = LongRunning.without(pending, "NORTHEUROPE");
        assertEquals("westeurope", pending);
        assertEquals("westeurope", LongRunning.without(pending, "eastus"));
        assertEquals("", LongRunning.without(pending, "westeurope"));
        assertEquals("", LongRunning.without("", "westeurope"));
    }

    @Test
    void onlyWellFormedIdsAndLocationsNameAnOperation() {
        assertTrue(LongRunning.wellFormedId("0f8fad5b-d9cb-469f-a165-70867728950e"));
        assertTrue(LongRunning.wellFormedId("0F8FAD5B-D9CB-469F-A165-70867728950E"));
        assertFalse(LongRunning.wellFormedId("0f8fad5b-d9cb-469f-a165-70867728950e0"));
        assertFalse(LongRunning.wellFormedId("../x"));
        assertFalse(LongRunning.wellFormedId(null));
        assertTrue(LongRunning.wellFormedLocation("westeurope"));
        assertFalse(LongRunning.wellFormedLocation("west europe"));
        assertFalse(LongRunning.wellFormedLocation("a".repeat(65)));
    }

    @Test
    void aFailureNamesTheRegionsAndWhy() {
        assertEquals("Replication failed in northeurope (store unreachable), eastus.",
                LongRunning.failure(List.of("northeurope", "eastus"), List.of("store unreachable", "")));
    }
}

package dev.imagegallery.events;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The regions come from configuration (here events' test source, META-INF/services), never from code. */
class RegionsTest {
    @Test
    void theTableIsTheConfiguredOne() {
        assertEquals(java.util.Set.of("westeurope", "northeurope", "eastus", "westus2"), Regions.names());
        assertEquals("westeurope", Regions.normalise("West Europe"));
        assertEquals("US", Regions.geographyOf("eastus"));
        assertNull(Regions.normalise("marsnorth"));
        assertNull(Regions.geographyOf(null));
    }

    @Test
    void pairsAreNameEqualsGeography() {
        assertEquals(Map.of("swedencentral", "Europe", "japaneast", "Asia"),
                Regions.parse(List.of("swedencentral=Europe", " JapanEast = Asia ")));
        for (String bad : List.of("westeurope", "=Europe", "westeurope=", "west europe=Europe", "west-europe=Europe")) {
            assertThrows(IllegalArgumentException.class, () -> Regions.parse(List.of(bad)), bad);
        }
    }

    /** A tool with events alone on its class path (bench/replication's driver) names its regions with the setting. */
    @Test
    void theSettingIsReadWhereNoSourceIsOnTheClassPath() {
        String before = System.getProperty("gallery.regions");
        try {
            System.setProperty("gallery.regions", " westeurope=Europe, ,eastus=US ");
            assertEquals(List.of("westeurope=Europe", "eastus=US"), Regions.fromEnvironment());
            System.setProperty("gallery.regions", " ");
            assertEquals(List.of(), Regions.fromEnvironment()); // blank: not set (the property hides the variable)
        } finally {
            if (before == null) {
                System.clearProperty("gallery.regions");
            } else {
                System.setProperty("gallery.regions", before);
            }
        }
    }
}

package dev.imagegallery.events;

import java.util.List;

/** The regions of events' own tests (services read theirs from configuration: common's ConfiguredRegions). */
public class TestRegions implements Regions.Source {
    @Override
    public List<String> regions() {
        return List.of("westeurope=Europe", "northeurope=Europe", "eastus=US", "westus2=US");
    }
}

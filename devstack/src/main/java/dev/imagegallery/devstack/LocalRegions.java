package dev.imagegallery.devstack;

import dev.imagegallery.events.Regions;

import java.util.Arrays;
import java.util.List;

/**
 * The local stack's regions, for code that runs on devstack without the services' configuration (devstack's own
 * tools and tests, the benchmarks' drivers): {@code GALLERY_REGIONS} (or {@code -Dgallery.regions}) if set, else the
 * four the local stack's services are configured with (common's {@code gallery.regions} default). Where common is on
 * the class path too (a service's tests), its source, reading the service's configuration, is asked first.
 */
public class LocalRegions implements Regions.Source {
    static final String LOCAL = "westeurope=Europe,northeurope=Europe,eastus=US,westus2=US";

    @Override
    public List<String> regions() {
        List<String> configured = Regions.fromEnvironment();
        return configured.isEmpty() ? Arrays.asList(LOCAL.split(",")) : configured;
    }
}

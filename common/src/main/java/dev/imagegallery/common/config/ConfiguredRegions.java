package dev.imagegallery.common.config;

import dev.imagegallery.events.Regions;
import org.eclipse.microprofile.config.ConfigProvider;

import java.util.List;

/**
 * The deployment's regions from MicroProfile Config ({@code gallery.regions}; common's defaults give the local
 * stack's four), for {@link Regions}. A {@link java.util.ServiceLoader} service rather than a bean: the domain rules
 * that ask for regions are plain Java, run in unit tests without Quarkus too (MicroProfile Config reads the same
 * defaults there).
 */
public class ConfiguredRegions implements Regions.Source {
    @Override
    public List<String> regions() {
        return ConfigProvider.getConfig().getOptionalValues("gallery.regions", String.class).orElse(List.of());
    }

    @Override
    public int order() {
        return 0;
    }
}

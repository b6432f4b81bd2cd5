package dev.imagegallery.replication;

import dev.imagegallery.devstack.InfraResource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gauges operators alert on exist from the start, before any blob request: the README tells them to alert on
 * {@code gallery_replication_store_usable_bytes}, and it used to appear only once the first upload had created the
 * bean that registers it. A profile of its own, so this runs in an application that has served nothing yet.
 */
@QuarkusTest
@TestProfile(MetricsAtStartTest.FreshStart.class)
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "replication"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class MetricsAtStartTest {
    public static class FreshStart implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gallery.store.scrub-interval", "7h"); // any override: an application of its own
        }
    }

    @Inject
    MeterRegistry registry;

    @Test
    void theStoreGaugesAreRegisteredBeforeAnyBlobRequest() {
        Gauge usable = registry.find("gallery.replication.store.usable.bytes").gauge();
        assertNotNull(usable, "gallery.replication.store.usable.bytes is not registered at start-up");
        assertTrue(usable.value() > 0, "usable bytes: " + usable.value());
        assertNotNull(registry.find("gallery.replication.uploads.ingesting").gauge(),
                "gallery.replication.uploads.ingesting is not registered at start-up");
    }
}

package dev.imagegallery.catalog.api;

import dev.imagegallery.catalog.api.Bodies.*;
import dev.imagegallery.catalog.domain.VersionSpec;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The mapping of request bodies to commands is shape only: what is absent stays absent (the rules tell a missing body
 * from missing properties from a null list element), so that every refusal keeps its code and target.
 */
class RequestsTest {
    @Test
    void aMissingBodyAndMissingPropertiesStayDistinct() {
        assertNull(Requests.version(null));
        var spec = Requests.version(new VersionBody(null, null, null, "westeurope", Map.of("a", "b"), null));
        assertEquals(new VersionSpec("westeurope", Map.of("a", "b"), null), spec);
        assertNull(Requests.gallery(null));
        assertNull(Requests.image(null));
        assertNull(Requests.managedImage(null));
        assertNull(Requests.resolve(null));
    }

    @Test
    void everyVersionFieldIsCarriedAndANullTargetRegionIsKept() {
        var body = new VersionBody(null, null, null, "westeurope", null, new VersionProperties(
                new PublishingProfile(Arrays.asList(new TargetRegion("northeurope", 2, "Premium_LRS", true), null), 3,
                        true, null, "Standard_ZRS", null),
                new StorageProfile(new Source("/subscriptions/s/x"), null), new SafetyProfile(true, false),
                new LifecycleProfile("Deprecated", "1.0.1"), "Succeeded", null, null));
        var p = Requests.version(body).properties();
        assertEquals(Arrays.asList(new VersionSpec.TargetRegion("northeurope", 2, "Premium_LRS", true), null),
                p.publishing().targetRegions());
        assertEquals(3, p.publishing().replicaCount());
        assertEquals("Standard_ZRS", p.publishing().storageAccountType());
        assertEquals("/subscriptions/s/x", p.sourceId());
        assertEquals(new VersionSpec.Safety(true, false), p.safety());
        assertEquals(new VersionSpec.Lifecycle("Deprecated", "1.0.1"), p.lifecycle());
    }

    @Test
    void aManagedImageWithoutAnOsDiskHasNoneAndAGalleryWithoutPropertiesHasNoPolicy() {
        var image = Requests.managedImage(new ManagedImageBody(null, null, null, "westeurope", null,
                new ManagedImageProperties(new ManagedImageStorageProfile(null), null)));
        assertNull(image.osDisk());
        var gallery = Requests.gallery(new GalleryBody(null, null, null, "westeurope", null, null));
        assertNull(gallery.description());
        assertNull(gallery.softDeleteEnabled());
    }

    @Test
    void recommendationsKeepTheirStoredShape() {
        var def = Requests.image(new ImageBody(null, null, null, "westeurope", null, new ImageProperties("Linux",
                "Generalized", null, null, null, null, null, null, null,
                new Recommended(new Range(1, 4), null), null, List.of(), null, null, null, null)));
        assertEquals(dev.imagegallery.events.Json.write(new Recommended(new Range(1, 4), null)),
                dev.imagegallery.events.Json.write(def.properties().recommended()));
    }
}

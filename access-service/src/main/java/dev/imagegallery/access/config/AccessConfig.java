package dev.imagegallery.access.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.List;

/** access-service settings. */
@ConfigMapping(prefix = "gallery.access")
public interface AccessConfig {
    /**
     * Platform administrators, as {@code tenantId:principalId}: they register tenants. Locally alice of contoso.
     */
    @WithDefault("contoso:a11ce000-0000-4000-8000-000000000001")
    List<String> platformAdministrators();

    /**
     * How long the share action waits for a gallery it does not know yet: catalog-service's {@code GalleryChanged}
     * reaches access-service a moment after the gallery's PUT answered, and an SDK shares right then.
     */
    @WithDefault("5s")
    java.time.Duration galleryWait();
}

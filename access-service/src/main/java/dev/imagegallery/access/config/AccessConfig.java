package dev.imagegallery.access.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.List;

/** access-service settings. */
@ConfigMapping(prefix = "gallery.access")
public interface AccessConfig {
    /**
     * Platform administrators, as {@code tenantId:principalId}: they register tenants. None unless set (it was alice
     * of contoso by default, so any deployment that did not set it let the user of that id in a tenant named contoso
     * register tenants): the local stack, the tests and compose name alice of contoso.
     */
    java.util.Optional<List<String>> platformAdministrators();

    /**
     * How long the share action waits for a gallery it does not know yet: catalog-service's {@code GalleryChanged}
     * reaches access-service a moment after the gallery's PUT answered, and an SDK shares right then.
     */
    @WithDefault("5s")
    java.time.Duration galleryWait();

    /**
     * catalog-service (one URL, or one per instance separated by commas), read by the share action
     * {@code EnableCommunity} without information for what the gallery's owner asked to publish
     * ({@link dev.imagegallery.access.service.AskedCommunity}). Unset: the information of catalog's last
     * {@code GalleryChanged} is used.
     */
    java.util.Optional<List<String>> catalogUrls();

    /** How long that read may take before the event-fed copy is used instead. */
    @WithDefault("3s")
    java.time.Duration catalogReadTimeout();
}

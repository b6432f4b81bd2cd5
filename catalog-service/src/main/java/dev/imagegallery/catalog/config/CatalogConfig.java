package dev.imagegallery.catalog.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** catalog-service settings. */
@ConfigMapping(prefix = "gallery.catalog")
public interface CatalogConfig {
    /** The data plane (replication-service) base URL that resolution hands out download URLs on. */
    @WithDefault("http://localhost:8082")
    String dataPlaneUrl();

    /**
     * Other origins the data plane is reached at, whose blob URIs a managed image takes as well (comma-separated):
     * the front door's other listeners (its https endpoint and http twin), so a disk uploaded through one is taken
     * by an image PUT sent through the other. Beside these, an image PUT takes the data plane's own URL and the
     * origin the PUT itself was sent to through a proxy.
     */
    java.util.Optional<java.util.List<String>> dataPlaneAliases();

    /**
     * How long a managed image PUT waits for a blob it does not know yet (its BlobCommitted event may be under way
     * when a client creates the image right after the upload) before answering that it does not exist.
     */
    @WithDefault("5s")
    Duration blobWait();

    /** How long soft-deleted versions are kept (and restorable) before they are purged. */
    @WithDefault("P7D")
    Duration softDeleteRetention();

    /**
     * How long a version write's operation status resource ({@code .../operations/{id}}) answers after the operation
     * ended (then 404 {@code OperationNotFound}); running operations stay whatever their age.
     */
    @WithDefault("P7D")
    Duration operationRetention();

    /**
     * How long image-reference resolution keeps a definition and the latest version per region (a new version or a
     * region's completion shows after at most this long; see ResolutionCache).
     */
    @WithDefault("1s")
    Duration resolveCacheTtl();

    Quota quota();

    /** Azure's default limits, per subscription and region. */
    interface Quota {
        @WithDefault("100")
        int galleries();

        @WithDefault("1000")
        int definitions();

        @WithDefault("10000")
        int versions();
    }
}

package dev.imagegallery.common.outbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Where and how a service's outbox is relayed. */
@ConfigMapping(prefix = "gallery.outbox")
public interface OutboxConfig {
    /** The Kafka topic this service produces (one per producing service). */
    @WithDefault("gallery.unnamed.v1")
    String topic();

    /** The CloudEvents {@code source} of this service's events. */
    @WithDefault("/image-gallery")
    String source();

    /** Rows relayed per round trip (at most what the Kafka sink takes unacknowledged: see {@link OutboxRelay}). */
    @WithDefault("2000")
    int batchSize();
}

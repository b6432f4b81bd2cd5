package dev.imagegallery.common.bus;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/**
 * How a service signs in to the event bus (SASL/OAUTHBEARER with client credentials of the platform realm). Kafka's
 * own client properties ({@code kafka.sasl.*} in common's defaults) are derived from these.
 */
@ConfigMapping(prefix = "gallery.bus")
public interface BusConfig {
    /** {@code SASL_PLAINTEXT} (or {@code SASL_SSL}); {@code PLAINTEXT} only for a broker without authentication. */
    @WithDefault("SASL_PLAINTEXT")
    String securityProtocol();

    /** The platform realm's token endpoint: the one URL Kafka's clients may fetch tokens from. */
    String tokenUrl();

    /** The service's client id in the platform realm (its principal is {@code User:platform/<client id>}). */
    String clientId();

    /** The client's secret (none for a broker without authentication). */
    Optional<String> clientSecret();

    /** Whether the clients sign in at all. */
    default boolean authenticated() {
        return securityProtocol().startsWith("SASL");
    }
}

package dev.imagegallery.access.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/** The public per-tenant streams, their subscribers, and what access-service needs to provision them. */
@ConfigMapping(prefix = "gallery.public-streams")
public interface PublicStreamsConfig {
    /** Partitions of each tenant's stream {@code gallery.public.<tenant>.v1} (created on its first event). */
    @WithDefault("3")
    int partitions();

    @WithDefault("1")
    short replicationFactor();

    /** How long a tenant's stream keeps events; a subscriber that falls further behind resynchronises (snapshot). */
    @WithDefault("604800000")
    long retentionMs();

    /** The bootstrap servers a subscriber is told to use (the CLIENT listener as subscribers reach it). */
    @WithDefault("${kafka.bootstrap.servers}")
    String bootstrapServers();

    /** What a subscriber's client sets as {@code security.protocol} (told in the registration answer). */
    @WithDefault("SASL_PLAINTEXT")
    String securityProtocol();

    /**
     * Whether registering a subscriber creates its Kafka ACLs (needs a broker with an authorizer: without one, the
     * broker lets anyone read anything and the ACLs cannot be created).
     */
    @WithDefault("true")
    boolean aclsEnabled();

    /**
     * The longest wait between two tries of a batch the forwarder could not forward (the waits double from 200 ms up
     * to this); a batch whose send Kafka refuses is tried until Kafka takes it.
     */
    @WithDefault("5s")
    java.time.Duration retryMaxBackoff();

    /**
     * Event subscribers a tenant may register (each is a client in its realm and three ACLs on the broker): past it a
     * PUT of a new one is 409 {@code SubscriberLimitExceeded}.
     */
    @WithDefault("100")
    int maxSubscribersPerTenant();

    /**
     * How long a subscriber's DELETE waits, once the broker holds none of its ACLs, for a fetch the broker authorized
     * just before to end (a waiting fetch is answered with events written while it waits): Kafka's default
     * {@code fetch.max.wait.ms}. A reader that sets a longer wait may get the events of that longer wait.
     */
    @WithDefault("500ms")
    java.time.Duration revokeWait();

    Keycloak keycloak();

    interface Keycloak {
        /** Keycloak's base URL as access-service reaches it (its admin REST API is under {@code /admin/realms}). */
        @WithDefault("http://localhost:8180")
        String url();

        /**
         * The base of the token URL subscribers are told ({@code <base><tenant>/protocol/openid-connect/token}), as
         * they reach Keycloak; the realm's issuer when the tenant has one registered.
         */
        @WithDefault("http://localhost:8180/realms/")
        String publicRealmBase();

        /** The realm of the platform's administrative credential. */
        @WithDefault("master")
        String adminRealm();

        /** The admin client: a confidential client with {@code admin.client-secret}, or {@code admin-cli} with a user. */
        @WithDefault("admin-cli")
        String adminClientId();

        Optional<String> adminClientSecret();

        Optional<String> adminUsername();

        Optional<String> adminPassword();

        /** The audience a subscriber's tokens carry for the broker. */
        @WithDefault("kafka-broker")
        String brokerAudience();

        /**
         * How long a subscriber's access token lives (its client's {@code access.token.lifespan}; the tenants' realms
         * give their users' tokens 30 minutes). The broker ends a session when its token expires, so a client
         * disabled or deleted in Keycloak (not through this API, which removes the ACLs first) reads at most this long.
         */
        @WithDefault("5M")
        java.time.Duration subscriberTokenLifespan();
    }
}

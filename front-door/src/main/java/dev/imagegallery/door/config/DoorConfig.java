package dev.imagegallery.door.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The front door's settings: where each service answers, and how long the door waits for one. */
@ConfigMapping(prefix = "gallery.door")
public interface DoorConfig {

    /** The services behind the door (the local stack's ports by default). */
    Upstreams upstreams();

    /** Where and how the door takes requests (its own HTTP servers: {@code DoorServer}). */
    Listen listen();

    /** The portal the door serves at {@code /portal/} ({@code Portal}). */
    PortalSettings portal();

    /** A service that does not accept a connection within this is a 502 {@code BadGateway}. */
    @WithDefault("5s")
    Duration connectTimeout();

    /**
     * A service that sends nothing for this long (no response headers, no body bytes) ends the exchange: 504
     * {@code GatewayTimeout} if no response had begun. Longer than the services' own request deadline (25 s), so that
     * their answer, not the door's, is what a client sees; the data plane's streams keep moving bytes.
     */
    @WithDefault("60s")
    Duration upstreamIdleTimeout();

    /** Connections kept per service (HTTP/1.1, keep-alive); requests beyond wait for one. */
    @WithDefault("64")
    int poolSize();

    /**
     * The largest piece of a body the door takes in at once, each way: a client's request body as the HTTP decoder
     * hands it on ({@code quarkus.http.limits.max-chunk-size} is this) and a service's response body (the HTTP client's
     * {@code maxChunkSize}). Each piece is a buffer copy, a write and a flush on the other connection; Netty's 8 KiB cut
     * a 1 GiB upload into 131,072 of them. A piece is never larger than what one socket read brought in.
     */
    @WithDefault("256K")
    MemorySize chunkSize();

    /**
     * An ARM request body (any path but the data plane's) declared larger than this is refused 413
     * {@code RequestEntityTooLarge} by the door, before it is read: the services' own limit
     * ({@code gallery.http.max-json-body}). A service refusing it answers and closes its connection while the door is
     * still sending the body, which the door could only report as 502.
     */
    @WithDefault("1M")
    MemorySize maxArmBody();

    /** The portal: its static files, and where its users sign in. */
    interface PortalSettings {
        /** {@code false}: no portal; {@code /portal/} is then the door's 404 like any path no service serves. */
        @WithDefault("true")
        boolean enabled();

        /**
         * The tenants a user may sign in to, {@code name=issuer} pairs separated by commas, as the services'
         * {@code gallery.oidc.tenants} (the local stack sets the same list): the portal signs a user in at the chosen
         * tenant's issuer (OpenID Connect, authorization code with PKCE) and calls the API with the token. None: the
         * portal says that no tenant is configured.
         */
        Optional<List<String>> tenants();

        /** The public OpenID Connect client the portal signs in as, in every tenant's realm. */
        @WithDefault("gallery-portal")
        String clientId();
    }

    interface Listen {
        /** The interface the door listens on. */
        @WithDefault("0.0.0.0")
        String host();

        /**
         * The interface the http twin listens on, where it should differ from https's: the local stack keeps the
         * twin, whose bearer tokens travel in clear, to this machine ({@code 127.0.0.1}). Default: {@link #host()}.
         */
        Optional<String> httpHost();

        /**
         * https, with the certificate of Quarkus' TLS registry (its default configuration, {@code quarkus.tls.*}); no
         * https without a key store there. 0: a port the system picks (the tests).
         */
        @WithDefault("8443")
        int httpsPort();

        /** The http twin, for curl users; 0: a port the system picks. */
        @WithDefault("8080")
        int httpPort();

        /** Whether the http twin listens at all (behind a TLS-terminating Ingress it is the only one). */
        @WithDefault("true")
        boolean http();

        /** The request line's limit: past it, 414 {@code RequestUriTooLong}. */
        @WithDefault("4096")
        int maxInitialLineLength();

        /** The request headers' limit, all of them: past it, 431 {@code RequestHeaderFieldsTooLarge}. */
        @WithDefault("32K")
        MemorySize maxHeaderSize();

        /**
         * A client connection that has not sent a whole request head within this of opening, or of the end of its last
         * response, is closed (a client trickling its headers, an idle kept-alive connection); one with a request in
         * progress is not.
         */
        @WithDefault("60s")
        Duration headerTimeout();

        /** A client connection with no traffic either way for this long is closed. */
        @WithDefault("30M")
        Duration idleTimeout();

        /** Servers (each on an event loop of its own) sharing each port; default: Vert.x's event loops. */
        Optional<Integer> ioThreads();
    }

    /**
     * Where each service answers: one URL, or several separated by commas, one per instance (each request to the next
     * in turn, an instance that cannot be connected to passed over: {@code FrontDoor.Instances}). replication-service
     * runs as one instance per store root: give it one.
     */
    interface Upstreams {
        /** Subscriptions, tenants, Microsoft.Authorization, the gallery share action and sharing views. */
        @WithDefault("http://localhost:8083")
        List<URI> access();

        /** Microsoft.Compute. */
        @WithDefault("http://localhost:8081")
        List<URI> catalog();

        /** Microsoft.Consumption. */
        @WithDefault("http://localhost:8084")
        List<URI> billing();

        /** The data plane: {@code /blobs/}, {@code /download/}. */
        @WithDefault("http://localhost:8082")
        List<URI> replication();
    }
}

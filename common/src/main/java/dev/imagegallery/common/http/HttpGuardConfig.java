package dev.imagegallery.common.http;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;

/**
 * What every service bounds about an HTTP request before it reaches a resource. The connection-level bounds (headers
 * and bodies that stop arriving) are Vert.x's idle timeout, {@code quarkus.http.idle-timeout} (30 s).
 */
@ConfigMapping(prefix = "gallery.http")
public interface HttpGuardConfig {
    /**
     * The longest a request may take from its headers to its answer; after that it is answered 504
     * {@code GatewayTimeout} (as ARM's front door answers a provider that is too slow) and its connection closed.
     * Shorter than {@code quarkus.http.idle-timeout} (30 s), which counts a request the server is still working on as
     * silence: so a slow request gets this answer rather than a closed connection. Long work is a long-running
     * operation, never a long request. The data plane's streams are bounded by their own rules instead (see
     * {@link #timeoutExempt()}).
     */
    @WithDefault("25s")
    Duration requestTimeout();

    /** Path prefixes whose requests stream for as long as their content takes (uploads, downloads). */
    @WithDefault("/blobs/,/download/")
    List<String> timeoutExempt();

    /** ARM request bodies larger than this are refused with 413 (see BodyLimitFilter). */
    @WithDefault("1048576")
    long maxJsonBody();

    /** The longest string a JSON request body may carry in one value (names, ids, descriptions are far shorter). */
    @WithDefault("65536")
    int maxJsonString();
}

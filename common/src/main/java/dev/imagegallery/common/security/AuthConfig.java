package dev.imagegallery.common.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How a service checks callers: the cache of verified bearer tokens ({@link VerifiedTokens}). */
@ConfigMapping(prefix = "gallery.auth")
public interface AuthConfig {
    /** Verified tokens kept for their next request (the signature and claims are checked once per token). */
    TokenCache tokenCache();

    interface TokenCache {
        /** Off: every request's token is verified again (only to measure what the cache saves). */
        @WithDefault("true")
        boolean enabled();

        /** Tokens kept at most; the cache is emptied when it is full. */
        @WithDefault("10000")
        int maxSize();

        /** How long a verified token is kept (never past its own expiry). */
        @WithDefault("PT5M")
        Duration ttl();
    }
}

package dev.imagegallery.common.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How a service decides what a caller may do ({@link Authorizer}, from the grants read model). */
@ConfigMapping(prefix = "gallery.authz")
public interface AuthzConfig {
    /** Off only for benchmarks of what authorization costs: every caller may do everything (logged at start). */
    @WithDefault("true")
    boolean enabled();

    /** How long a caller's tenant and grants are reused before the read model is asked again. */
    @WithDefault("1s")
    Duration cacheTtl();
}

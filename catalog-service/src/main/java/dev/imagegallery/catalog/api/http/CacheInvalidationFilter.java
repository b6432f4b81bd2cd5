package dev.imagegallery.catalog.api.http;

import dev.imagegallery.catalog.service.ResolutionCache;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/** After any write this instance answers, resolution must not serve what it cached before the write. */
public class CacheInvalidationFilter {
    private final ResolutionCache cache;

    public CacheInvalidationFilter(ResolutionCache cache) {
        this.cache = cache;
    }

    @ServerResponseFilter
    public void afterWrite(ContainerRequestContext request, ContainerResponseContext response) {
        String method = request.getMethod();
        boolean readOnlyAction = "POST".equals(method)
                && request.getUriInfo().getPath().endsWith("/resolveImageReference");
        if (!"GET".equals(method) && !"HEAD".equals(method) && !readOnlyAction) {
            cache.invalidate();
        }
    }
}

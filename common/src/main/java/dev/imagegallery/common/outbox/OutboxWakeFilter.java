package dev.imagegallery.common.outbox;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * After a request that wrote events has been answered (its transaction has committed by then), wakes the outbox
 * relay so that they leave at once rather than at the next poll. Requests that wrote none (reads, and read-only POST
 * actions such as resolveImageReference) cost the relay nothing.
 */
public class OutboxWakeFilter {
    private final OutboxRelay relay;

    public OutboxWakeFilter(OutboxRelay relay) {
        this.relay = relay;
    }

    @ServerResponseFilter
    public void afterWrite(ContainerRequestContext request, ContainerResponseContext response) {
        String method = request.getMethod();
        if (!"GET".equals(method) && !"HEAD".equals(method) && response.getStatus() < 400
                && Outbox.writtenByThisRequest()) {
            relay.wake();
        }
    }
}

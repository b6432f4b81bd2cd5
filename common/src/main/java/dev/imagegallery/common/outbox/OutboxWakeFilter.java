package dev.imagegallery.common.outbox;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * After a write request has been answered (its transaction has committed by then), wakes the outbox relay so that
 * the events the request wrote leave at once rather than at the next poll.
 */
public class OutboxWakeFilter {
    private final OutboxRelay relay;

    public OutboxWakeFilter(OutboxRelay relay) {
        this.relay = relay;
    }

    @ServerResponseFilter
    public void afterWrite(ContainerRequestContext request, ContainerResponseContext response) {
        String method = request.getMethod();
        if (!"GET".equals(method) && !"HEAD".equals(method) && response.getStatus() < 400) {
            relay.wake();
        }
    }
}

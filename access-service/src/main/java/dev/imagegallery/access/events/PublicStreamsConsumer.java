package dev.imagegallery.access.events;

import dev.imagegallery.access.publicstream.Forwarder;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.util.List;

/**
 * The public streams' forwarder reads the internal topics whose events concern a tenant's subscribers (catalog,
 * replication, access) in polled batches, in a consumer group of its own ({@code access-service-public}), and hands
 * each batch to {@link Forwarder}.
 */
@ApplicationScoped
public class PublicStreamsConsumer {
    private final Forwarder forwarder;

    public PublicStreamsConsumer(Forwarder forwarder) {
        this.forwarder = forwarder;
    }

    @Incoming("public-forwarder")
    public Uni<Void> forward(List<String> batch) {
        return forwarder.forward(batch);
    }
}

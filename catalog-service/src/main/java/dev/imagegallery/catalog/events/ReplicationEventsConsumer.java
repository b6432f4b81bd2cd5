package dev.imagegallery.catalog.events;

import dev.imagegallery.catalog.service.BlobCatalog;
import dev.imagegallery.catalog.service.Operations;
import dev.imagegallery.catalog.service.ReplicationStatusService;
import dev.imagegallery.catalog.service.ResolutionCache;
import dev.imagegallery.common.inbox.Inbox;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.util.Set;

/**
 * Keeps each version's per-region replication status current from replication-service's events (and with it the
 * version's long-running operations; ReplicaDeleted ends a DELETE's), and the blobs the data plane holds (managed images
 * are created only from those).
 */
@ApplicationScoped
public class ReplicationEventsConsumer {
    private final ReplicationStatusService versions;
    private final Operations operations;
    private final BlobCatalog blobs;
    private final ResolutionCache cache;

    public ReplicationEventsConsumer(ReplicationStatusService versions, Operations operations, BlobCatalog blobs,
                                     ResolutionCache cache) {
        this.versions = versions;
        this.operations = operations;
        this.blobs = blobs;
        this.cache = cache;
    }

    /** The events this consumer applies; the topic's others (EgressTransferred, ChunkRepaired) cost no transaction. */
    static final Set<String> APPLIED = Set.of(EventTypes.REPLICA_COMPLETED, EventTypes.REPLICA_FAILED,
            EventTypes.REPLICA_PROGRESS, EventTypes.REPLICA_DELETED, EventTypes.BLOB_COMMITTED,
            EventTypes.BLOB_DELETED);

    @Incoming("replication-events")
    public Uni<Void> consume(String json) {
        return Inbox.consume(json, "replication", APPLIED, event -> switch (event.type()) {
            case EventTypes.REPLICA_COMPLETED -> versions.replicaCompleted(event.dataAs(Payloads.ReplicaCompleted.class));
            case EventTypes.REPLICA_FAILED -> versions.replicaFailed(event.dataAs(Payloads.ReplicaFailed.class));
            case EventTypes.REPLICA_PROGRESS -> versions.replicaProgress(
                    event.dataAs(Payloads.ReplicaProgress.class));
            case EventTypes.REPLICA_DELETED -> operations.replicaDeleted(event.dataAs(Payloads.ReplicaDeleted.class));
            case EventTypes.BLOB_COMMITTED -> blobs.committed(event.dataAs(Payloads.BlobCommitted.class));
            case EventTypes.BLOB_DELETED -> blobs.deleted(event.dataAs(Payloads.BlobDeleted.class));
            default -> Uni.createFrom().voidItem();
        }).invoke(cache::invalidate);
    }
}

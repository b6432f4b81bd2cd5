package dev.imagegallery.access.publicstream;

import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Json;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.events.PublicEvents;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * What an internal event of a version (catalog, replication) means for its tenant's public stream: the public events
 * and the change to the state the resync snapshot answers from. A pure function of the event and the tenant that owns
 * the event's subscription; sharing, which needs the previous state, is {@link ShareForwarding}'s.
 */
public final class Translation {
    /** The internal types the forwarder reads; others are not forwarded. */
    public static final Set<String> VERSION_TYPES = Set.of(EventTypes.VERSION_PUBLISHED, EventTypes.VERSION_DELETED,
            EventTypes.VERSION_LIFECYCLE_CHANGED, EventTypes.REPLICA_COMPLETED, EventTypes.REPLICA_DELETED,
            EventTypes.EGRESS_TRANSFERRED);

    private Translation() {
    }

    /** A public event for a tenant's stream. */
    public record Forward(String tenantId, CloudEvent event) {
    }

    /** Changes to the snapshot state, applied in the order of this type's constants (see {@link Forwarder}). */
    public sealed interface StateChange permits VersionUpsert, LifecycleChange, ReplicaUpsert, ReplicaRemoval,
            VersionRemoval {
    }

    public record VersionUpsert(String key, String versionId, String tenantId, String subscriptionId, long sizeBytes,
                                String targetRegionsJson, Instant at) implements StateChange {
    }

    public record LifecycleChange(String key, String state, String replacementVersion, Instant at)
            implements StateChange {
    }

    public record ReplicaUpsert(String key, String region, int replicaCount, String storageAccountType, String digest,
                                Instant completedAt) implements StateChange {
    }

    public record ReplicaRemoval(String key, String region) implements StateChange {
    }

    public record VersionRemoval(String key, Instant at) implements StateChange {
    }

    public record Outcome(List<Forward> forwards, List<StateChange> changes) {
        static final Outcome NONE = new Outcome(List.of(), List.of());
    }

    /** The subscription an internal event of {@link #VERSION_TYPES} is about, or null. */
    public static String subscriptionOf(CloudEvent e) {
        return e.data() == null || !e.data().hasNonNull("subscriptionId") ? null
                : e.data().get("subscriptionId").asText().toLowerCase(Locale.ROOT);
    }

    /**
     * The public events and state changes of one internal event; {@code tenantOf} answers a subscription's tenant (or
     * null when access-service knows no such subscription: nothing is forwarded, no tenant can be told).
     */
    public static Outcome translate(CloudEvent e, Function<String, String> tenantOf) {
        if (!VERSION_TYPES.contains(e.type())) {
            return Outcome.NONE;
        }
        String subscription = subscriptionOf(e);
        String tenant = subscription == null ? null : tenantOf.apply(subscription);
        if (tenant == null) {
            return Outcome.NONE;
        }
        List<Forward> out = new ArrayList<>(2);
        List<StateChange> changes = new ArrayList<>(1);
        Instant time = e.time() == null ? Instant.EPOCH : e.time();
        switch (e.type()) {
            case EventTypes.VERSION_PUBLISHED -> {
                var p = e.dataAs(Payloads.VersionPublished.class);
                List<PublicEvents.TargetRegion> regions = p.targetRegions() == null ? List.of()
                        : p.targetRegions().stream().map(r -> new PublicEvents.TargetRegion(r.name(),
                        r.regionalReplicaCount(), r.storageAccountType())).toList();
                out.add(forward(e, tenant, PublicEvents.VERSION_PUBLISHED, null, p.versionId(),
                        new PublicEvents.VersionPublished(p.versionId(), p.subscriptionId(), p.sizeBytes(), regions)));
                changes.add(new VersionUpsert(key(p.versionId()), p.versionId(), tenant, p.subscriptionId(),
                        p.sizeBytes(), Json.write(regions), time));
            }
            case EventTypes.VERSION_DELETED -> {
                var p = e.dataAs(Payloads.VersionDeleted.class);
                out.add(forward(e, tenant, PublicEvents.VERSION_DELETED, null, p.versionId(),
                        new PublicEvents.VersionDeleted(p.versionId(), p.subscriptionId())));
                changes.add(new VersionRemoval(key(p.versionId()), time));
            }
            case EventTypes.VERSION_LIFECYCLE_CHANGED -> {
                var p = e.dataAs(Payloads.VersionLifecycleChanged.class);
                out.add(forward(e, tenant, PublicEvents.VERSION_LIFECYCLE_CHANGED, null, p.versionId(),
                        new PublicEvents.VersionLifecycleChanged(p.versionId(), p.subscriptionId(), p.state(),
                                p.replacementVersion())));
                changes.add(new LifecycleChange(key(p.versionId()), p.state(), p.replacementVersion(), time));
            }
            case EventTypes.REPLICA_COMPLETED -> {
                var p = e.dataAs(Payloads.ReplicaCompleted.class);
                out.add(forward(e, tenant, PublicEvents.REPLICA_COMPLETED, p.region(), p.versionId(),
                        new PublicEvents.ReplicaCompleted(p.versionId(), p.subscriptionId(), p.region(),
                                p.replicaCount(), p.storageAccountType(), p.digest(), p.completedAt())));
                out.add(forward(e, tenant, PublicEvents.USAGE_RECORDED, p.region(), p.versionId(),
                        new PublicEvents.UsageRecorded("StorageStarted", p.versionId(), p.subscriptionId(),
                                p.region(), p.replicaCount(), p.storageAccountType(),
                                p.physicalBytesOfAllReplicas(), p.logicalBytesOfAllReplicas(), null, null,
                                p.completedAt())));
                changes.add(new ReplicaUpsert(key(p.versionId()), p.region(), p.replicaCount(),
                        p.storageAccountType(), p.digest(), p.completedAt()));
            }
            case EventTypes.REPLICA_DELETED -> {
                var p = e.dataAs(Payloads.ReplicaDeleted.class);
                out.add(forward(e, tenant, PublicEvents.USAGE_RECORDED, p.region(), p.versionId(),
                        new PublicEvents.UsageRecorded("StorageEnded", p.versionId(), p.subscriptionId(), p.region(),
                                p.replicaCount(), null, null, null, null, null,
                                p.deletedAt() == null ? time : p.deletedAt())));
                changes.add(new ReplicaRemoval(key(p.versionId()), p.region()));
            }
            case EventTypes.EGRESS_TRANSFERRED -> {
                var p = e.dataAs(Payloads.EgressTransferred.class);
                out.add(forward(e, tenant, PublicEvents.USAGE_RECORDED, p.sourceRegion() + ">"
                                + p.destinationRegion(), p.versionId(),
                        new PublicEvents.UsageRecorded("Egress", p.versionId(), p.subscriptionId(), null, null, null,
                                p.bytes(), null, p.sourceRegion(), p.destinationRegion(),
                                p.transferredAt() == null ? time : p.transferredAt())));
            }
            default -> {
                return Outcome.NONE;
            }
        }
        return new Outcome(out, changes);
    }

    static String key(String versionId) {
        return versionId.toLowerCase(Locale.ROOT);
    }

    static Forward forward(CloudEvent source, String tenant, String type, String discriminator, String subject,
                           Object data) {
        return new Forward(tenant, PublicEvents.of(PublicEvents.idOf(source.id(), tenant, type, discriminator), type,
                subject, source.time() == null ? Instant.EPOCH : source.time(), data));
    }
}

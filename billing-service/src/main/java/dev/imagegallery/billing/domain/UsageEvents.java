package dev.imagegallery.billing.domain;

import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.events.Regions;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Reads the events billing meters (ReplicaCompleted, ReplicaDeleted, EgressTransferred, VersionDeleted) and says
 * whether each can be billed correctly: an event that cannot (a negative or absurd quantity, an unknown storage type
 * or region, a missing field, a time in the future, no CloudEvent at all) carries the reason it is rejected for.
 * Plain Java, no database.
 */
public final class UsageEvents {
    /**
     * The bounds of a billable event.
     *
     * @param maxBytes        the most bytes one event may report (1 PiB)
     * @param maxReplicaCount the most replicas of a region
     * @param maxClockSkew    how far in the future an event's time may lie
     */
    public record Limits(long maxBytes, int maxReplicaCount, Duration maxClockSkew) {
    }

    /** A consumed event, read and checked: either something to apply ({@code payload}) or a reason to reject it. */
    public record Parsed(CloudEvent event, Object payload, String reason, String json) {
        public String id() {
            return event != null && event.id() != null ? event.id() : null;
        }

        /** This event, rejected for {@code why}. */
        public Parsed rejected(String why) {
            return new Parsed(event, null, why, json);
        }
    }

    private final Limits limits;
    private final Clock clock;

    public UsageEvents(Limits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
    }

    /** Reads an event; null for one billing does not meter (another type). */
    public Parsed parse(String json) {
        CloudEvent event;
        try {
            event = CloudEvent.parse(json);
        } catch (RuntimeException e) {
            return new Parsed(null, null, "not a CloudEvent: " + e.getMessage(), json);
        }
        if (event.id() == null || event.type() == null) {
            return new Parsed(event, null, "the event has no id or no type", json);
        }
        Class<?> type = switch (event.type()) {
            case EventTypes.REPLICA_COMPLETED -> Payloads.ReplicaCompleted.class;
            case EventTypes.EGRESS_TRANSFERRED -> Payloads.EgressTransferred.class;
            case EventTypes.VERSION_DELETED -> Payloads.VersionDeleted.class;
            case EventTypes.REPLICA_DELETED -> Payloads.ReplicaDeleted.class;
            default -> null;
        };
        if (type == null) {
            return null;
        }
        Object payload;
        try {
            payload = event.data() == null || event.data().isNull() ? null : event.dataAs(type);
        } catch (RuntimeException e) {
            return new Parsed(event, null, "its data is not a " + event.type() + ": " + e.getMessage(), json);
        }
        if (payload == null) {
            return new Parsed(event, null, "the event has no data", json);
        }
        String reason;
        if (payload instanceof Payloads.ReplicaCompleted p) {
            reason = problemOf(p, event);
        } else if (payload instanceof Payloads.EgressTransferred p) {
            reason = problemOf(p, event);
        } else if (payload instanceof Payloads.ReplicaDeleted p) {
            reason = problemOf(p, event);
        } else {
            reason = isBlank(((Payloads.VersionDeleted) payload).versionId()) ? "versionId is required" : null;
        }
        return new Parsed(event, reason == null ? payload : null, reason, json);
    }

    /** Why a completion cannot be metered, or null. */
    String problemOf(Payloads.ReplicaCompleted e, CloudEvent event) {
        if (isBlank(e.versionId()) || isBlank(e.subscriptionId()) || isBlank(e.region())) {
            return "versionId, subscriptionId and region are required";
        }
        if (Regions.normalise(e.region()) == null) {
            return "the region '" + e.region() + "' is unknown (known: " + Regions.names() + ")";
        }
        if (PriceSheet.storageType(e.storageAccountType()).isEmpty()) {
            return "the storage account type '" + e.storageAccountType() + "' is unknown (known: "
                    + PriceSheet.STORAGE_TYPES + ")";
        }
        String bytes = bytesProblem("physicalBytesPerReplica", e.physicalBytesPerReplica());
        if (bytes == null) {
            bytes = bytesProblem("logicalBytesPerReplica", e.logicalBytesPerReplica());
        }
        if (bytes != null) {
            return bytes;
        }
        if (e.replicaCount() < 1 || e.replicaCount() > limits.maxReplicaCount()) {
            return "replicaCount " + e.replicaCount() + " is not between 1 and " + limits.maxReplicaCount();
        }
        // what is billed is all the region's replicas (no overflow: each figure and the count are bounded above)
        bytes = bytesProblem("physicalBytes of all " + e.replicaCount() + " replicas", e.physicalBytesOfAllReplicas());
        if (bytes == null) {
            bytes = bytesProblem("logicalBytes of all " + e.replicaCount() + " replicas",
                    e.logicalBytesOfAllReplicas());
        }
        return bytes != null ? bytes : timeProblem("completedAt", timeOf(e.completedAt(), event));
    }

    /** Why a deletion of a region's replicas cannot end its meter, or null. */
    String problemOf(Payloads.ReplicaDeleted e, CloudEvent event) {
        if (isBlank(e.versionId()) || isBlank(e.subscriptionId()) || isBlank(e.region())) {
            return "versionId, subscriptionId and region are required";
        }
        if (Regions.normalise(e.region()) == null) {
            return "the region '" + e.region() + "' is unknown (known: " + Regions.names() + ")";
        }
        if (e.replicaCount() < 1 || e.replicaCount() > limits.maxReplicaCount()) {
            return "replicaCount " + e.replicaCount() + " is not between 1 and " + limits.maxReplicaCount();
        }
        return timeProblem("deletedAt", timeOf(e.deletedAt(), event));
    }

    /** Why an egress cannot be billed, or null. */
    String problemOf(Payloads.EgressTransferred e, CloudEvent event) {
        if (isBlank(e.versionId()) || isBlank(e.subscriptionId()) || isBlank(e.sourceRegion())
                || isBlank(e.destinationRegion())) {
            return "versionId, subscriptionId, sourceRegion and destinationRegion are required";
        }
        for (String region : List.of(e.sourceRegion(), e.destinationRegion())) {
            if (Regions.normalise(region) == null) {
                return "the region '" + region + "' is unknown (known: " + Regions.names() + ")";
            }
        }
        String bytes = bytesProblem("bytes", e.bytes());
        return bytes != null ? bytes : timeProblem("transferredAt", timeOf(e.transferredAt(), event));
    }

    private String bytesProblem(String field, long bytes) {
        if (bytes < 0) {
            return "negative byte count: " + field + " " + bytes;
        }
        if (bytes > limits.maxBytes()) {
            return "absurd byte count: " + field + " " + bytes + " is more than " + limits.maxBytes() + " (1 PiB)";
        }
        return null;
    }

    private String timeProblem(String field, Instant t) {
        Instant latest = clock.instant().plus(limits.maxClockSkew());
        return t.isAfter(latest) ? field + " " + t + " is in the future" : null;
    }

    /** When the usage happened: the time the payload gives, else the event's time, else now. */
    public Instant timeOf(Instant given, CloudEvent event) {
        return given != null ? given : event != null && event.time() != null ? event.time() : clock.instant();
    }

    static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}

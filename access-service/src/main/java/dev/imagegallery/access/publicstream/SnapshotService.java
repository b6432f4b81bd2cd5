package dev.imagegallery.access.publicstream;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.imagegallery.common.arm.Paging;
import dev.imagegallery.common.security.Caller;
import dev.imagegallery.events.Json;
import dev.imagegallery.events.PublicEvents;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The way back for a subscriber that fell behind its stream's retention: the state its stream describes now (the
 * tenant's versions with each target region's replication, the shares it gave and received) and, per partition, the
 * offset to resume reading from. The offsets are read BEFORE the state: every event below them was relayed after its
 * transaction committed, so the state (read later) includes it; events from the offsets on may repeat what the
 * snapshot shows already (apply them by id, as upserts).
 */
@ApplicationScoped
public class SnapshotService {
    public record Replica(String region, String state, Integer replicaCount, String storageAccountType, String digest,
                          Instant completedAt) {
    }

    public record Version(String versionId, String subscriptionId, long sizeBytes, String lifecycleState,
                          String replacementVersion, List<Replica> regions) {
    }

    public record ShareReceived(String galleryUniqueName, String ownerTenantId, String location, String sharedWithType,
                                String sharedWith, String state) {
    }

    public record ShareGiven(String galleryUniqueName, String sharedWithType, String sharedWith, String state) {
    }

    public record Offset(int partition, long offset) {
    }

    /**
     * One page of a snapshot. The first page carries {@code resumeFrom} and the shares; every page carries a page of
     * versions (ordered by id) and {@code nextLink}, null on the last. Later pages read the state as it is when they
     * are asked for, which only adds what came after the first page's offsets: apply them as upserts, as the stream.
     */
    public record Snapshot(String tenantId, String topic, Instant takenAt,
                           @JsonInclude(JsonInclude.Include.NON_NULL) List<Offset> resumeFrom,
                           List<Version> versions,
                           @JsonInclude(JsonInclude.Include.NON_NULL) List<ShareReceived> sharesReceived,
                           @JsonInclude(JsonInclude.Include.NON_NULL) List<ShareGiven> sharesGiven,
                           @JsonInclude(JsonInclude.Include.ALWAYS) String nextLink) {
    }

    /** The snapshot's pages of versions: 1,000 without {@code $top}, at most 5,000. */
    public static final Paging.Limits PAGES = new Paging.Limits(1000, 5000);

    private record Keyed(String key, Version version) {
    }

    private final Pool pool;
    private final BusAdmin bus;
    private final SubscriberService subscribers;

    public SnapshotService(Pool pool, BusAdmin bus, SubscriberService subscribers) {
        this.pool = pool;
        this.bus = bus;
        this.subscribers = subscribers;
    }

    public Uni<Snapshot> of(Caller caller, String tenantId, Paging paging) {
        return subscribers.requireAdmin(caller, tenantId, "Microsoft.Gallery/eventSnapshot/read")
                .chain(() -> paging.after() == null ? bus.endOffsets(tenantId)
                        : Uni.createFrom().<Map<Integer, Long>>nullItem())
                .chain(offsets -> {
                    Instant takenAt = Instant.now();
                    List<Offset> resume = offsets == null ? null : new ArrayList<>();
                    if (offsets != null) {
                        offsets.forEach((p, o) -> resume.add(new Offset(p, o)));
                    }
                    return pool.withTransaction(c -> c.preparedQuery("SELECT v.version_key, v.version_id, "
                                    + "v.subscription_id, v.size_bytes, v.target_regions, v.lifecycle_state, "
                                    + "v.replacement_version, r.region, r.replica_count, r.storage_account_type, "
                                    + "r.digest, r.completed_at FROM (SELECT * FROM public_version WHERE tenant_id = $1 "
                                    + "AND NOT deleted AND ($2::text IS NULL OR version_key > $2) ORDER BY version_key "
                                    + "LIMIT $3) v LEFT JOIN public_replica r ON r.version_key = v.version_key "
                                    + "ORDER BY v.version_key, r.region")
                            .execute(Tuple.of(tenantId, paging.after(), paging.fetch()))
                            .map(rows -> paging.pageByKey(versions(rows), Keyed::key).map(Keyed::version))
                            .chain(page -> offsets == null
                                    ? Uni.createFrom().item(new Snapshot(tenantId, PublicEvents.topicOf(tenantId),
                                            takenAt, null, page.value(), null, null, page.nextLink()))
                                    : c.preparedQuery("SELECT gallery_unique_name, owner_tenant_id, "
                                            + "location, shared_with_type, shared_with, state, gallery_key, "
                                            + "recipient_tenant_id "
                                            + "FROM public_share WHERE recipient_tenant_id = $1 OR owner_tenant_id = $1 "
                                            + "ORDER BY gallery_unique_name, shared_with")
                                    .execute(Tuple.of(tenantId))
                                    .map(rows -> {
                                        List<ShareReceived> received = new ArrayList<>();
                                        List<ShareGiven> given = new ArrayList<>();
                                        for (Row r : rows) {
                                            if (tenantId.equals(r.getString(1))) {
                                                given.add(new ShareGiven(r.getString(0), r.getString(3),
                                                        r.getString(4), r.getString(5)));
                                            }
                                            if (tenantId.equals(r.getString(7))) {
                                                received.add(new ShareReceived(r.getString(0), r.getString(1),
                                                        r.getString(2), r.getString(3), r.getString(4),
                                                        r.getString(5)));
                                            }
                                        }
                                        return new Snapshot(tenantId, PublicEvents.topicOf(tenantId), takenAt, resume,
                                                page.value(), received, given, page.nextLink());
                                    })));
                });
    }

    private static List<PublicEvents.TargetRegion> read(String json) {
        try {
            return Json.MAPPER.readValue(json, new TypeReference<List<PublicEvents.TargetRegion>>() { });
        } catch (Exception e) {
            return List.of();
        }
    }

    private static List<Keyed> versions(io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        Map<String, Version> out = new LinkedHashMap<>();
        Map<String, Map<String, Replica>> replicas = new LinkedHashMap<>();
        for (Row r : rows) {
            String key = r.getString(0);
            if (!out.containsKey(key)) {
                List<PublicEvents.TargetRegion> targets = r.getString(4) == null ? List.of()
                        : read(r.getString(4));
                Map<String, Replica> regions = new LinkedHashMap<>();
                for (PublicEvents.TargetRegion t : targets) {
                    regions.put(t.name(), new Replica(t.name(), "Replicating", null, null, null, null));
                }
                replicas.put(key, regions);
                Long size = r.getLong(3);
                out.put(key, new Version(r.getString(1), r.getString(2), size == null ? 0 : size, r.getString(5),
                        r.getString(6), new ArrayList<>()));
            }
            String region = r.getString(7);
            if (region != null) {
                OffsetDateTime at = r.getOffsetDateTime(11);
                replicas.get(key).put(region, new Replica(region, "Completed", r.getInteger(8), r.getString(9),
                        r.getString(10), at == null ? null : at.toInstant()));
            }
        }
        out.forEach((k, v) -> v.regions().addAll(replicas.get(k).values()));
        return out.entrySet().stream().map(e -> new Keyed(e.getKey(), e.getValue())).toList();
    }
}

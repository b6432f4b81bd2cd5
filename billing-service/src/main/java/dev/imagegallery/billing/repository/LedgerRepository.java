package dev.imagegallery.billing.repository;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Writes of the metering ledger (storage meters, egress records, deletions, processed event ids, dead letters), in
 * plain SQL on one connection inside the caller's transaction, so that a whole batch of events commits at once.
 * Every ledger row written gets {@code recorded_at = clock_timestamp()}: invoicing compares it with the time a month
 * was issued to find usage that arrived late.
 */
@ApplicationScoped
public class LedgerRepository {
    /** Advisory lock classes (pg_advisory_xact_lock(class, key)). */
    public static final int LOCK_VERSION = 61;
    public static final int LOCK_SUBSCRIPTION = 62;
    public static final int LOCK_PRICES = 63;

    /** An open or the latest meter of a version in a region. */
    public record Meter(UUID id, String storageAccountType, int replicaCount, long physicalBytes, long logicalBytes,
                        Instant startedAt, Instant endedAt) {
        public boolean isOpen() {
            return endedAt == null;
        }

        public boolean sameContentAs(String type, int replicas, long physical, long logical) {
            return storageAccountType.equals(type) && replicaCount == replicas && physicalBytes == physical
                    && logicalBytes == logical;
        }
    }

    public record NewMeter(String versionKey, String versionId, String subscriptionId, String region,
                           String storageAccountType, int replicaCount, long physicalBytes, long logicalBytes,
                           Instant startedAt, Instant endedAt) {
    }

    public record NewEgress(String eventId, String versionKey, String versionId, String subscriptionId,
                            String sourceRegion, String destinationRegion, long bytes, Instant transferredAt) {
    }

    public record DeadLetter(UUID id, String topic, String key, String payload, Instant createdAt) {
    }

    /** Records event ids as processed; answers those that were not processed before (the ones to apply). */
    public Uni<Set<String>> markProcessed(SqlConnection c, List<String> ids, List<String> types) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(Set.of());
        }
        return c.preparedQuery("INSERT INTO processed_event (event_id, type, processed_at) "
                        + "SELECT i, t, clock_timestamp() FROM unnest($1::text[], $2::text[]) AS x(i, t) "
                        + "ON CONFLICT (event_id) DO NOTHING RETURNING event_id")
                .execute(Tuple.of(ids.toArray(new String[0]), types.toArray(new String[0])))
                .map(rows -> {
                    Set<String> fresh = new HashSet<>();
                    for (Row r : rows) {
                        fresh.add(r.getString(0));
                    }
                    return fresh;
                });
    }

    /** Shared locks on subscriptions (invoicing takes them exclusively), then exclusive locks on versions. */
    public Uni<Void> lock(SqlConnection c, Collection<String> subscriptions, Collection<String> versionKeys) {
        Uni<Void> subs = subscriptions.isEmpty() ? Uni.createFrom().voidItem()
                : c.preparedQuery("SELECT count(pg_advisory_xact_lock_shared(" + LOCK_SUBSCRIPTION
                                + ", hashtext(s))) FROM (SELECT s FROM unnest($1::text[]) AS s ORDER BY s) AS x")
                        .execute(Tuple.of(subscriptions.stream().sorted().distinct().toArray(String[]::new)))
                        .replaceWithVoid();
        return subs.flatMap(v -> versionKeys.isEmpty() ? Uni.createFrom().voidItem()
                : c.preparedQuery("SELECT count(pg_advisory_xact_lock(" + LOCK_VERSION
                                + ", hashtext(k))) FROM (SELECT k FROM unnest($1::text[]) AS k ORDER BY k) AS x")
                        .execute(Tuple.of(versionKeys.stream().sorted().distinct().toArray(String[]::new)))
                        .replaceWithVoid());
    }

    public Uni<Instant> deletedAt(SqlConnection c, String versionKey) {
        return c.preparedQuery("SELECT deleted_at FROM deleted_version WHERE version_key = $1")
                .execute(Tuple.of(versionKey))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getOffsetDateTime(0).toInstant());
    }

    public Uni<Meter> latestMeter(SqlConnection c, String versionKey, String region) {
        return c.preparedQuery("SELECT id, storage_account_type, replica_count, physical_bytes, logical_bytes, "
                        + "started_at, ended_at FROM storage_meter WHERE version_key = $1 AND region = $2 "
                        + "ORDER BY started_at DESC LIMIT 1")
                .execute(Tuple.of(versionKey, region))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row r = rows.iterator().next();
                    OffsetDateTime ended = r.getOffsetDateTime("ended_at");
                    return new Meter(r.getUUID("id"), r.getString("storage_account_type"),
                            r.getInteger("replica_count"), r.getLong("physical_bytes"), r.getLong("logical_bytes"),
                            r.getOffsetDateTime("started_at").toInstant(), ended == null ? null : ended.toInstant());
                });
    }

    public Uni<Void> insertMeter(SqlConnection c, NewMeter m) {
        return c.preparedQuery("INSERT INTO storage_meter (id, version_key, version_id, subscription_id, region, "
                        + "storage_account_type, replica_count, physical_bytes, logical_bytes, started_at, ended_at, "
                        + "recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, clock_timestamp())")
                .execute(Tuple.tuple().addValue(UUID.randomUUID()).addValue(m.versionKey()).addValue(m.versionId())
                        .addValue(m.subscriptionId()).addValue(m.region()).addValue(m.storageAccountType())
                        .addValue(m.replicaCount()).addValue(m.physicalBytes()).addValue(m.logicalBytes())
                        .addValue(utc(m.startedAt())).addValue(m.endedAt() == null ? null : utc(m.endedAt())))
                .replaceWithVoid();
    }

    /** Replaces what an open meter stores (a completion at the very instant the meter started). */
    public Uni<Void> updateContent(SqlConnection c, UUID id, String type, int replicas, long physical, long logical) {
        return c.preparedQuery("UPDATE storage_meter SET storage_account_type = $2, replica_count = $3, "
                        + "physical_bytes = $4, logical_bytes = $5, recorded_at = clock_timestamp() WHERE id = $1")
                .execute(Tuple.of(id, type, replicas, physical, logical))
                .replaceWithVoid();
    }

    public Uni<Void> endMeter(SqlConnection c, UUID id, Instant end) {
        return c.preparedQuery("UPDATE storage_meter SET ended_at = $2, recorded_at = clock_timestamp() WHERE id = $1")
                .execute(Tuple.of(id, utc(end)))
                .replaceWithVoid();
    }

    /** Keeps the latest deletion time of a version and ends its meters that started before it. */
    public Uni<Void> versionDeleted(SqlConnection c, String versionKey, Instant at) {
        return c.preparedQuery("INSERT INTO deleted_version (version_key, deleted_at) VALUES ($1, $2) "
                        + "ON CONFLICT (version_key) DO UPDATE SET deleted_at = "
                        + "greatest(deleted_version.deleted_at, excluded.deleted_at)")
                .execute(Tuple.of(versionKey, utc(at)))
                .flatMap(x -> c.preparedQuery("UPDATE storage_meter SET ended_at = $2, recorded_at = clock_timestamp() "
                                + "WHERE version_key = $1 AND ended_at IS NULL AND started_at < $2")
                        .execute(Tuple.of(versionKey, utc(at))))
                .replaceWithVoid();
    }

    /** One multi-row insert for a batch of egress records (an event id already recorded is skipped). */
    public Uni<Void> insertEgress(SqlConnection c, List<NewEgress> records) {
        if (records.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        int n = records.size();
        String[] ids = new String[n];
        String[] keys = new String[n];
        String[] versions = new String[n];
        String[] subs = new String[n];
        String[] sources = new String[n];
        String[] destinations = new String[n];
        Long[] bytes = new Long[n];
        OffsetDateTime[] times = new OffsetDateTime[n];
        for (int i = 0; i < n; i++) {
            NewEgress r = records.get(i);
            ids[i] = r.eventId();
            keys[i] = r.versionKey();
            versions[i] = r.versionId();
            subs[i] = r.subscriptionId();
            sources[i] = r.sourceRegion();
            destinations[i] = r.destinationRegion();
            bytes[i] = r.bytes();
            times[i] = utc(r.transferredAt());
        }
        return c.preparedQuery("INSERT INTO egress_record (event_id, version_key, version_id, subscription_id, "
                        + "source_region, destination_region, bytes, transferred_at, recorded_at) "
                        + "SELECT *, clock_timestamp() FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
                        + "$5::text[], $6::text[], $7::bigint[], $8::timestamptz[]) ON CONFLICT (event_id) DO NOTHING")
                .execute(Tuple.tuple().addValue(ids).addValue(keys).addValue(versions).addValue(subs).addValue(sources)
                        .addValue(destinations).addValue(bytes).addValue(times))
                .replaceWithVoid();
    }

    /** Dead letters go through the outbox (the relay sends each row to its own topic): written or not, with the rest. */
    public Uni<Void> insertOutbox(SqlConnection c, List<DeadLetter> letters) {
        if (letters.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<UUID> ids = new ArrayList<>();
        List<String> topics = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<String> payloads = new ArrayList<>();
        List<OffsetDateTime> times = new ArrayList<>();
        for (DeadLetter l : letters) {
            ids.add(l.id());
            topics.add(l.topic());
            keys.add(l.key());
            payloads.add(l.payload());
            times.add(utc(l.createdAt()));
        }
        return c.preparedQuery("INSERT INTO outbox (id, topic, event_key, payload, created_at) "
                        + "SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) "
                        + "ON CONFLICT (id) DO NOTHING")
                .execute(Tuple.of(ids.toArray(new UUID[0]), topics.toArray(new String[0]), keys.toArray(new String[0]),
                        payloads.toArray(new String[0]), times.toArray(new OffsetDateTime[0])))
                .replaceWithVoid();
    }

    static OffsetDateTime utc(Instant t) {
        return t.atOffset(ZoneOffset.UTC);
    }
}

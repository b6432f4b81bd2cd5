package dev.imagegallery.billing.repository;

import dev.imagegallery.billing.domain.Meter;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Writes of the metering ledger (storage meters, egress records, deletions), in plain SQL on one connection inside the
 * caller's transaction, so that a whole batch of events commits at once with its processed event ids (common's
 * {@code Inbox.recordFresh}) and dead letters (common's {@code Outbox.emitAll}).
 * Every row carries when the system knew of it ({@code known_at}, and {@code end_known_at} for a meter's end): the
 * time of the event that wrote it, never before the cutoff of an invoice already issued for the subscription.
 * Invoicing reads the ledger as of a month's cutoff, so it depends on the events only (see V4__knowledge_time.sql);
 * {@code recorded_at} keeps when the row was written, for the record.
 */
@ApplicationScoped
public class LedgerRepository {
    /** Advisory lock classes (pg_advisory_xact_lock(class, key)). */
    public static final int LOCK_VERSION = 61;
    public static final int LOCK_SUBSCRIPTION = 62;
    public static final int LOCK_PRICES = 63;

    public record NewEgress(String eventId, String versionKey, String versionId, String subscriptionId,
                            String sourceRegion, String destinationRegion, long bytes, Instant transferredAt,
                            Instant knownAt) {
    }

    /**
     * The cutoff of the latest invoice issued for each of these subscriptions (usage learnt now is known from it at
     * the earliest: an issued invoice never changes). Read under the subscriptions' shared locks.
     */
    public Uni<Map<String, Instant>> issuedCutoffs(SqlConnection c, Collection<String> subscriptions) {
        if (subscriptions.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return c.preparedQuery("SELECT subscription_id, max(as_of) FROM invoice WHERE subscription_id = ANY($1) "
                        + "GROUP BY 1")
                .execute(Tuple.of(subscriptions.toArray(new String[0])))
                .map(rows -> {
                    Map<String, Instant> cutoffs = new HashMap<>();
                    for (Row r : rows) {
                        cutoffs.put(r.getString(0), r.getOffsetDateTime(1).toInstant());
                    }
                    return cutoffs;
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

    /** The latest deletion time of each of these versions that was deleted. */
    public Uni<Map<String, Instant>> deletedVersions(SqlConnection c, Collection<String> versionKeys) {
        return c.preparedQuery("SELECT version_key, deleted_at FROM deleted_version WHERE version_key = ANY($1)")
                .execute(Tuple.of(versionKeys.toArray(new String[0])))
                .map(rows -> {
                    Map<String, Instant> deleted = new HashMap<>();
                    for (Row r : rows) {
                        deleted.put(r.getString(0), r.getOffsetDateTime(1).toInstant());
                    }
                    return deleted;
                });
    }

    /** The latest deletion time of each region's replicas of these versions (ReplicaDeleted). */
    public Uni<Map<Meter.Place, Instant>> deletedReplicas(SqlConnection c, Collection<String> versionKeys) {
        return c.preparedQuery("SELECT version_key, region, deleted_at FROM deleted_replica WHERE version_key = ANY($1)")
                .execute(Tuple.of(versionKeys.toArray(new String[0])))
                .map(rows -> {
                    Map<Meter.Place, Instant> deleted = new HashMap<>();
                    for (Row r : rows) {
                        deleted.put(new Meter.Place(r.getString(0), r.getString(1)), r.getOffsetDateTime(2).toInstant());
                    }
                    return deleted;
                });
    }

    /** The latest meter (open or not) of every region of these versions. */
    public Uni<Map<Meter.Place, Meter>> latestMeters(SqlConnection c, Collection<String> versionKeys) {
        return c.preparedQuery("SELECT DISTINCT ON (version_key, region) version_key, region, id, "
                        + "storage_account_type, replica_count, physical_bytes, logical_bytes, started_at, ended_at, "
                        + "end_known_at FROM storage_meter WHERE version_key = ANY($1) "
                        + "ORDER BY version_key, region, started_at DESC, ended_at DESC NULLS FIRST")
                .execute(Tuple.of(versionKeys.toArray(new String[0])))
                .map(rows -> {
                    Map<Meter.Place, Meter> latest = new HashMap<>();
                    for (Row r : rows) {
                        OffsetDateTime ended = r.getOffsetDateTime("ended_at");
                        OffsetDateTime endKnown = r.getOffsetDateTime("end_known_at");
                        latest.put(new Meter.Place(r.getString("version_key"), r.getString("region")),
                                new Meter(r.getUUID("id"), r.getString("storage_account_type"),
                                        r.getInteger("replica_count"), r.getLong("physical_bytes"),
                                        r.getLong("logical_bytes"), r.getOffsetDateTime("started_at").toInstant(),
                                        ended == null ? null : ended.toInstant(),
                                        endKnown == null ? null : endKnown.toInstant()));
                    }
                    return latest;
                });
    }

    /**
     * Writes a batch's storage changes in one statement: existing meters take their new content or end (closing
     * first), then new meters are inserted, so that at most one meter per (version, region) is open at any time.
     */
    public Uni<Void> writeMeters(SqlConnection c, List<Meter> changed, List<Meter.New> added) {
        if (changed.isEmpty() && added.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        int n = changed.size();
        UUID[] ids = new UUID[n];
        OffsetDateTime[] ends = new OffsetDateTime[n];
        OffsetDateTime[] endKnowns = new OffsetDateTime[n];
        for (int i = 0; i < n; i++) {
            Meter m = changed.get(i);
            ids[i] = m.id();
            ends[i] = m.endedAt() == null ? null : utc(m.endedAt());
            endKnowns[i] = m.endKnownAt() == null ? null : utc(m.endKnownAt());
        }
        int k = added.size();
        UUID[] newIds = new UUID[k];
        String[] keys = new String[k];
        String[] versions = new String[k];
        String[] subs = new String[k];
        String[] regions = new String[k];
        String[] newTypes = new String[k];
        Integer[] newReplicas = new Integer[k];
        Long[] newPhysical = new Long[k];
        Long[] newLogical = new Long[k];
        OffsetDateTime[] starts = new OffsetDateTime[k];
        OffsetDateTime[] newEnds = new OffsetDateTime[k];
        OffsetDateTime[] knowns = new OffsetDateTime[k];
        OffsetDateTime[] newEndKnowns = new OffsetDateTime[k];
        for (int i = 0; i < k; i++) {
            Meter.New m = added.get(i);
            newIds[i] = m.id();
            keys[i] = m.versionKey();
            versions[i] = m.versionId();
            subs[i] = m.subscriptionId();
            regions[i] = m.region();
            newTypes[i] = m.storageAccountType();
            newReplicas[i] = m.replicaCount();
            newPhysical[i] = m.physicalBytes();
            newLogical[i] = m.logicalBytes();
            starts[i] = utc(m.startedAt());
            newEnds[i] = m.endedAt() == null ? null : utc(m.endedAt());
            knowns[i] = utc(m.knownAt());
            newEndKnowns[i] = m.endKnownAt() == null ? null : utc(m.endKnownAt());
        }
        // the insert reads the update's count, so the update (closing meters) runs to completion before it
        // a meter's content never changes once written (a change ends it and opens another): only its end is set
        return c.preparedQuery("WITH changed AS (UPDATE storage_meter m SET ended_at = u.e, end_known_at = u.k, "
                        + "recorded_at = clock_timestamp() FROM unnest($1::uuid[], $2::timestamptz[], "
                        + "$3::timestamptz[]) AS u(id, e, k) WHERE m.id = u.id RETURNING 1) "
                        + "INSERT INTO storage_meter (id, version_key, version_id, subscription_id, region, "
                        + "storage_account_type, replica_count, physical_bytes, logical_bytes, started_at, ended_at, "
                        + "known_at, end_known_at, recorded_at) SELECT *, clock_timestamp() FROM unnest($4::uuid[], "
                        + "$5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[], $11::bigint[], "
                        + "$12::bigint[], $13::timestamptz[], $14::timestamptz[], $15::timestamptz[], "
                        + "$16::timestamptz[]) WHERE (SELECT count(*) FROM changed) >= 0")
                .execute(Tuple.tuple().addValue(ids).addValue(ends).addValue(endKnowns).addValue(newIds)
                        .addValue(keys).addValue(versions).addValue(subs).addValue(regions).addValue(newTypes)
                        .addValue(newReplicas).addValue(newPhysical).addValue(newLogical).addValue(starts)
                        .addValue(newEnds).addValue(knowns).addValue(newEndKnowns))
                .replaceWithVoid();
    }

    /** Keeps the latest deletion time of each version (VersionDeleted). */
    public Uni<Void> versionsDeleted(SqlConnection c, Map<String, Instant> deleted) {
        if (deleted.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<String> keys = new ArrayList<>(deleted.keySet());
        return c.preparedQuery("INSERT INTO deleted_version (version_key, deleted_at) "
                        + "SELECT * FROM unnest($1::text[], $2::timestamptz[]) "
                        + "ON CONFLICT (version_key) DO UPDATE SET deleted_at = "
                        + "greatest(deleted_version.deleted_at, excluded.deleted_at)")
                .execute(Tuple.of(keys.toArray(new String[0]),
                        keys.stream().map(k -> utc(deleted.get(k))).toArray(OffsetDateTime[]::new)))
                .replaceWithVoid();
    }

    /** Keeps the latest deletion time of each region's replicas of a version (ReplicaDeleted). */
    public Uni<Void> replicasDeleted(SqlConnection c, Map<Meter.Place, Instant> deleted) {
        if (deleted.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Meter.Place> places = new ArrayList<>(deleted.keySet());
        return c.preparedQuery("INSERT INTO deleted_replica (version_key, region, deleted_at) "
                        + "SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[]) "
                        + "ON CONFLICT (version_key, region) DO UPDATE SET deleted_at = "
                        + "greatest(deleted_replica.deleted_at, excluded.deleted_at)")
                .execute(Tuple.of(places.stream().map(Meter.Place::versionKey).toArray(String[]::new),
                        places.stream().map(Meter.Place::region).toArray(String[]::new),
                        places.stream().map(p -> utc(deleted.get(p))).toArray(OffsetDateTime[]::new)))
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
        OffsetDateTime[] knowns = new OffsetDateTime[n];
        for (int i = 0; i < n; i++) {
            NewEgress r = records.get(i);
            knowns[i] = utc(r.knownAt());
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
                        + "source_region, destination_region, bytes, transferred_at, known_at, recorded_at) "
                        + "SELECT *, clock_timestamp() FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
                        + "$5::text[], $6::text[], $7::bigint[], $8::timestamptz[], $9::timestamptz[]) "
                        + "ON CONFLICT (event_id) DO NOTHING")
                .execute(Tuple.tuple().addValue(ids).addValue(keys).addValue(versions).addValue(subs).addValue(sources)
                        .addValue(destinations).addValue(bytes).addValue(times).addValue(knowns))
                .replaceWithVoid();
    }

    static OffsetDateTime utc(Instant t) {
        return t.atOffset(ZoneOffset.UTC);
    }
}

package dev.imagegallery.billing.repository;

import dev.imagegallery.billing.domain.UsageCalculator.EgressDay;
import dev.imagegallery.billing.domain.UsageCalculator.StoredSpan;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads of metered usage for one subscription and time range: plain SQL on the reactive pool, read-only. */
@ApplicationScoped
public class UsageRepository {
    private final Pool pool;

    public UsageRepository(Pool pool) {
        this.pool = pool;
    }

    /** The storage meters of a subscription that ran at some time in [from, until). */
    public Uni<List<StoredSpan>> storedSpans(String subscriptionId, Instant from, Instant until) {
        return pool.preparedQuery("SELECT id, version_id, region, storage_account_type, replica_count, physical_bytes, "
                        + "logical_bytes, started_at, ended_at FROM storage_meter "
                        + "WHERE subscription_id = $1 AND started_at < $3 AND (ended_at IS NULL OR ended_at > $2) "
                        + "ORDER BY started_at, id")
                .execute(Tuple.of(subscriptionId.toLowerCase(Locale.ROOT), utc(from), utc(until)))
                .map(rows -> {
                    List<StoredSpan> spans = new ArrayList<>();
                    for (Row r : rows) {
                        OffsetDateTime ended = r.getOffsetDateTime("ended_at");
                        spans.add(new StoredSpan(r.getUUID("id"), r.getString("version_id"), r.getString("region"),
                                r.getString("storage_account_type"), r.getInteger("replica_count"),
                                r.getLong("physical_bytes"), r.getLong("logical_bytes"),
                                r.getOffsetDateTime("started_at").toInstant(),
                                ended == null ? null : ended.toInstant()));
                    }
                    return spans;
                });
    }

    /** A subscription's egress in [from, until), summed per version, source, destination and UTC day. */
    public Uni<List<EgressDay>> egressDays(String subscriptionId, Instant from, Instant until) {
        return pool.preparedQuery("SELECT min(version_id) AS version_id, source_region, destination_region, "
                        + "(transferred_at AT TIME ZONE 'UTC')::date AS day, sum(bytes) AS bytes FROM egress_record "
                        + "WHERE subscription_id = $1 AND transferred_at >= $2 AND transferred_at < $3 "
                        + "GROUP BY version_key, source_region, destination_region, day "
                        + "ORDER BY day, version_key, source_region, destination_region")
                .execute(Tuple.of(subscriptionId.toLowerCase(Locale.ROOT), utc(from), utc(until)))
                .map(rows -> {
                    List<EgressDay> days = new ArrayList<>();
                    for (Row r : rows) {
                        days.add(new EgressDay(r.getString("version_id"), r.getString("source_region"),
                                r.getString("destination_region"), r.getLocalDate("day"), r.getBigDecimal("bytes")));
                    }
                    return days;
                });
    }

    private static OffsetDateTime utc(Instant t) {
        return t.atOffset(ZoneOffset.UTC);
    }
}

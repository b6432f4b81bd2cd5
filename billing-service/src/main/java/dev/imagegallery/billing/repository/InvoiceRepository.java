package dev.imagegallery.billing.repository;

import dev.imagegallery.billing.domain.Invoice;
import dev.imagegallery.billing.domain.InvoiceCalculator.EgressUsage;
import dev.imagegallery.billing.domain.InvoiceCalculator.Line;
import dev.imagegallery.billing.domain.InvoiceCalculator.StorageUsage;
import dev.imagegallery.billing.domain.PriceBook.Period;
import dev.imagegallery.billing.domain.PriceSheet;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.imagegallery.billing.repository.LedgerRepository.utc;

/**
 * Invoices and the aggregates they are computed from. The month's usage is summed in the database per price period
 * (byte-microseconds of storage, bytes of egress), so that an invoice over a million ledger rows moves a few rows.
 */
@ApplicationScoped
public class InvoiceRepository {

    /** A time range of a subscription's ledger rows; {@code end} exclusive. */
    public record Range(Instant start, Instant end) {
    }

    /** An issued invoice: its month, when it was issued, and the knowledge cutoff it was computed as of. */
    public record Issued(YearMonth month, Instant issuedAt, Instant asOf) {
    }

    /**
     * Storage per price period, type and region: exact byte-microseconds, from the ledger as known before
     * {@code asOf} (meters known by then, with the ends known by then; a meter still open as of then counts up to it).
     */
    public Uni<List<StorageUsage>> storageUsage(SqlClient c, String sub, List<Period> periods, Instant asOf) {
        Instant from = periods.get(0).start();
        Instant to = periods.get(periods.size() - 1).end();
        return c.preparedQuery("SELECT p.idx::int AS idx, m.storage_account_type, m.region, "
                        + "sum(m.physical_bytes::numeric * round(extract(epoch FROM "
                        + "(least(coalesce(m.e, $4), p.pe) - greatest(m.started_at, p.ps))) * 1000000)) AS bm "
                        + "FROM (SELECT storage_account_type, region, physical_bytes, started_at, "
                        + "CASE WHEN end_known_at < $4 THEN ended_at END AS e FROM storage_meter "
                        + "WHERE subscription_id = $1 AND started_at < $6 AND known_at < $4) AS m "
                        + "JOIN unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY "
                        + "AS p(ps, pe, idx) ON m.started_at < p.pe AND coalesce(m.e, $4) > p.ps "
                        + "WHERE (m.e IS NULL OR m.e > $5) AND m.started_at < coalesce(m.e, $4) "
                        + "GROUP BY 1, 2, 3")
                .execute(Tuple.of(sub, starts(periods), ends(periods), utc(asOf), utc(from), utc(to)))
                .map(rows -> {
                    List<StorageUsage> usage = new ArrayList<>();
                    for (Row r : rows) {
                        usage.add(new StorageUsage(r.getInteger("idx") - 1, r.getString("storage_account_type"),
                                r.getString("region"), r.getBigDecimal("bm")));
                    }
                    return usage;
                });
    }

    /** Egress per price period and region pair, in bytes, as known before {@code asOf}. */
    public Uni<List<EgressUsage>> egressUsage(SqlClient c, String sub, List<Period> periods, Instant asOf) {
        Instant from = periods.get(0).start();
        Instant to = periods.get(periods.size() - 1).end();
        return c.preparedQuery("SELECT p.idx::int AS idx, e.source_region, e.destination_region, "
                        + "sum(e.bytes) AS bytes FROM egress_record e JOIN unnest($2::timestamptz[], "
                        + "$3::timestamptz[]) WITH ORDINALITY AS p(ps, pe, idx) "
                        + "ON e.transferred_at >= p.ps AND e.transferred_at < p.pe "
                        + "WHERE e.subscription_id = $1 AND e.transferred_at >= $4 AND e.transferred_at < $5 "
                        + "AND e.known_at < $6 GROUP BY 1, 2, 3")
                .execute(Tuple.of(sub, starts(periods), ends(periods), utc(from), utc(to), utc(asOf)))
                .map(rows -> {
                    List<EgressUsage> usage = new ArrayList<>();
                    for (Row r : rows) {
                        usage.add(new EgressUsage(r.getInteger("idx") - 1, r.getString("source_region"),
                                r.getString("destination_region"), r.getBigDecimal("bytes")));
                    }
                    return usage;
                });
    }

    /** The earliest usage of a subscription (a meter's start or a transfer), or null. */
    public Uni<Instant> firstUsage(SqlClient c, String sub) {
        return c.preparedQuery("SELECT least((SELECT min(started_at) FROM storage_meter WHERE subscription_id = $1), "
                        + "(SELECT min(transferred_at) FROM egress_record WHERE subscription_id = $1))")
                .execute(Tuple.of(sub))
                .map(rows -> instant(rows.iterator().next().getOffsetDateTime(0)));
    }

    /**
     * The time range of usage touched by what became known of a subscription in {@code [since, until)} (meters known
     * or ended then, transfers known then: usage learnt after the previous invoice's cutoff), or null if nothing.
     */
    public Uni<Range> knownBetween(SqlClient c, String sub, Instant since, Instant until) {
        return c.preparedQuery("SELECT least(s.a, e.a) AS a, greatest(s.b, e.b) AS b FROM "
                        + "(SELECT min(started_at) AS a, max(coalesce(ended_at, $3)) AS b "
                        + "FROM storage_meter WHERE subscription_id = $1 AND ((known_at >= $2 AND known_at < $3) "
                        + "OR (end_known_at >= $2 AND end_known_at < $3))) AS s, "
                        + "(SELECT min(transferred_at) AS a, max(transferred_at) + interval '1 microsecond' AS b "
                        + "FROM egress_record WHERE subscription_id = $1 AND known_at >= $2 AND known_at < $3) AS e")
                .execute(Tuple.of(sub, utc(since), utc(until)))
                .map(rows -> {
                    Row r = rows.iterator().next();
                    OffsetDateTime a = r.getOffsetDateTime("a");
                    OffsetDateTime b = r.getOffsetDateTime("b");
                    return a == null || b == null ? null : new Range(a.toInstant(), b.toInstant());
                });
    }

    /** The invoices issued for a subscription, oldest first. */
    public Uni<List<Issued>> issued(SqlClient c, String sub) {
        return c.preparedQuery("SELECT month, issued_at, as_of FROM invoice WHERE subscription_id = $1 ORDER BY month")
                .execute(Tuple.of(sub))
                .map(rows -> {
                    List<Issued> issued = new ArrayList<>();
                    for (Row r : rows) {
                        issued.add(new Issued(YearMonth.from(r.getLocalDate("month")),
                                r.getOffsetDateTime("issued_at").toInstant(), r.getOffsetDateTime("as_of").toInstant()));
                    }
                    return issued;
                });
    }

    /** Every line already invoiced for a service period: its usage lines and all its adjustments since. */
    public Uni<List<Line>> billedFor(SqlClient c, String sub, YearMonth servicePeriod) {
        return c.preparedQuery(LINES + "WHERE subscription_id = $1 AND service_period = $2 ORDER BY month, line_no")
                .execute(Tuple.of(sub, servicePeriod.atDay(1)))
                .map(rows -> {
                    List<Line> lines = new ArrayList<>();
                    rows.forEach(r -> lines.add(line(r)));
                    return lines;
                });
    }

    /** The issued invoices of a subscription (all, or one month), with their lines, oldest first. */
    public Uni<List<Invoice>> find(SqlClient c, String sub, YearMonth month) {
        String where = month == null ? "WHERE subscription_id = $1" : "WHERE subscription_id = $1 AND month = $2";
        Tuple args = month == null ? Tuple.of(sub) : Tuple.of(sub, month.atDay(1));
        return c.preparedQuery("SELECT month, issued_at, total FROM invoice " + where + " ORDER BY month")
                .execute(args)
                .flatMap(invoices -> c.preparedQuery(LINES + where + " ORDER BY month, line_no").execute(args)
                        .map(lineRows -> {
                            Map<LocalDate, List<Line>> byMonth = new LinkedHashMap<>();
                            for (Row r : lineRows) {
                                byMonth.computeIfAbsent(r.getLocalDate("month"), k -> new ArrayList<>()).add(line(r));
                            }
                            List<Invoice> result = new ArrayList<>();
                            for (Row r : invoices) {
                                LocalDate m = r.getLocalDate("month");
                                result.add(new Invoice(sub, YearMonth.from(m), Invoice.ISSUED,
                                        r.getOffsetDateTime("issued_at").toInstant(), r.getBigDecimal("total"),
                                        byMonth.getOrDefault(m, List.of())));
                            }
                            return result;
                        }));
    }

    /**
     * Writes an issued invoice (computed as of {@code asOf}) and its lines; answers the time it was issued (the
     * database's clock).
     */
    public Uni<Instant> insert(SqlConnection c, String sub, YearMonth month, Instant asOf, BigDecimal total,
                               List<Line> lines) {
        return c.preparedQuery("INSERT INTO invoice (subscription_id, month, issued_at, as_of, currency, total) "
                        + "VALUES ($1, $2, clock_timestamp(), $3, $4, $5) RETURNING issued_at")
                .execute(Tuple.of(sub, month.atDay(1), utc(asOf), PriceSheet.CURRENCY, total))
                .flatMap(rows -> {
                    Instant issuedAt = rows.iterator().next().getOffsetDateTime(0).toInstant();
                    if (lines.isEmpty()) {
                        return Uni.createFrom().item(issuedAt);
                    }
                    List<Tuple> batch = new ArrayList<>();
                    for (int i = 0; i < lines.size(); i++) {
                        Line l = lines.get(i);
                        batch.add(Tuple.tuple().addValue(sub).addValue(month.atDay(1)).addValue(i + 1)
                                .addValue(l.lineType()).addValue(l.servicePeriod().atDay(1))
                                .addValue(l.meterCategory()).addValue(l.meterSubCategory()).addValue(l.meterName())
                                .addValue(l.region()).addValue(l.unitOfMeasure()).addValue(l.quantity())
                                .addValue(l.unitPrice()).addValue(l.rate()).addValue(l.cost()));
                    }
                    return c.preparedQuery("INSERT INTO invoice_line (subscription_id, month, line_no, line_type, "
                                    + "service_period, meter_category, meter_sub_category, meter_name, region, "
                                    + "unit_of_measure, quantity, unit_price, rate, cost) "
                                    + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)")
                            .executeBatch(batch).replaceWith(issuedAt);
                });
    }

    /** Takes a subscription's invoicing lock (metering holds it shared while it writes the ledger). */
    public Uni<Void> lockSubscription(SqlConnection c, String sub) {
        return c.preparedQuery("SELECT pg_advisory_xact_lock(" + LedgerRepository.LOCK_SUBSCRIPTION + ", hashtext($1))")
                .execute(Tuple.of(sub)).replaceWithVoid();
    }

    /** The subscriptions that have any usage (for the job that issues invoices). */
    public Uni<List<String>> subscriptionsWithUsage(SqlClient c) {
        return c.query("SELECT subscription_id FROM storage_meter UNION SELECT subscription_id FROM egress_record")
                .execute()
                .map(rows -> {
                    List<String> subs = new ArrayList<>();
                    rows.forEach(r -> subs.add(r.getString(0)));
                    return subs;
                });
    }

    private static final String LINES = "SELECT month, line_type, service_period, meter_category, meter_sub_category, "
            + "meter_name, region, unit_of_measure, quantity, unit_price, rate, cost FROM invoice_line ";

    private static Line line(Row r) {
        return new Line(r.getString("line_type"), YearMonth.from(r.getLocalDate("service_period")),
                r.getString("meter_category"), r.getString("meter_sub_category"), r.getString("meter_name"),
                r.getString("region"), r.getString("unit_of_measure"), r.getBigDecimal("quantity"),
                r.getBigDecimal("unit_price"), r.getBigDecimal("rate"), r.getBigDecimal("cost"));
    }

    private static OffsetDateTime[] starts(List<Period> periods) {
        return periods.stream().map(p -> utc(p.start())).toArray(OffsetDateTime[]::new);
    }

    private static OffsetDateTime[] ends(List<Period> periods) {
        return periods.stream().map(p -> utc(p.end())).toArray(OffsetDateTime[]::new);
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}

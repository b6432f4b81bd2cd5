package dev.imagegallery.billing.repository;

import dev.imagegallery.billing.domain.PriceSheet;
import dev.imagegallery.billing.domain.PriceSheetVersion;
import dev.imagegallery.events.Json;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/** The versions of the price sheet, one row per effective date. */
@ApplicationScoped
public class PriceSheetRepository {

    public Uni<List<PriceSheetVersion>> all(SqlClient client) {
        return client.query("SELECT effective_from, rates, created_at, created_by FROM price_sheet_version "
                        + "ORDER BY effective_from")
                .execute()
                .map(rows -> {
                    List<PriceSheetVersion> versions = new ArrayList<>();
                    for (Row r : rows) {
                        var rates = Json.read(r.getString("rates"), PriceSheetVersion.Rates.class);
                        // stored rates were validated when they were written; validated again, they are trusted
                        PriceSheet sheet = PriceSheet.validated(r.getLocalDate("effective_from"), rates.storage(),
                                rates.egress(), "rates");
                        versions.add(new PriceSheetVersion(sheet, r.getOffsetDateTime("created_at").toInstant(),
                                r.getString("created_by")));
                    }
                    return versions;
                });
    }

    /** Inserts a version unless one with its effective date exists; answers whether it was inserted. */
    public Uni<Boolean> insert(SqlClient client, PriceSheetVersion v) {
        String rates = Json.write(new PriceSheetVersion.Rates(v.sheet().storage(), v.sheet().egress()));
        return client.preparedQuery("INSERT INTO price_sheet_version (effective_from, currency, rates, created_at, "
                        + "created_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (effective_from) DO NOTHING")
                .execute(Tuple.of(v.sheet().effectiveFrom(), PriceSheet.CURRENCY, rates,
                        LedgerRepository.utc(v.createdAt()), v.createdBy()))
                .map(rows -> rows.rowCount() == 1);
    }

    public Uni<Boolean> isEmpty(SqlClient client) {
        return client.query("SELECT count(*) FROM price_sheet_version").execute()
                .map(rows -> rows.iterator().next().getLong(0) == 0);
    }

    /** The latest month any invoice has been issued for (its first day), or null. */
    public Uni<LocalDate> lastInvoicedMonth(SqlClient client) {
        return client.query("SELECT max(month) FROM invoice").execute()
                .map(rows -> rows.iterator().next().getLocalDate(0));
    }

    /** Takes the price sheet lock: exclusive to change it, shared to invoice with it. */
    public Uni<Void> lock(SqlConnection c, boolean exclusive) {
        return c.query("SELECT pg_advisory_xact_lock" + (exclusive ? "" : "_shared") + "("
                        + LedgerRepository.LOCK_PRICES + ", 0)")
                .execute().replaceWithVoid();
    }
}

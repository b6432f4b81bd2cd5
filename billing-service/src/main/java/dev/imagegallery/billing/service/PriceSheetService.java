package dev.imagegallery.billing.service;

import dev.imagegallery.billing.config.BillingConfig;
import dev.imagegallery.billing.domain.PriceBook;
import dev.imagegallery.billing.domain.PriceSheet;
import dev.imagegallery.billing.domain.PriceSheetVersion;
import dev.imagegallery.billing.repository.PriceSheetRepository;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.db.StoredTime;
import dev.imagegallery.common.security.Caller;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The effective-dated price sheet: read by anyone signed in, changed by billing administrators only, one new version
 * per effective day. A version may not take effect in a month that has been invoiced (issued invoices never change).
 */
@ApplicationScoped
public class PriceSheetService {
    public static final String WRITE = "Microsoft.Consumption/priceSheets/write";
    public static final String SCOPE = "/providers/Microsoft.Consumption/priceSheets/default";

    private final Pool pool;
    private final PriceSheetRepository repository;
    private final BillingConfig config;
    private final Set<String> administrators;
    private final Clock clock = Clock.systemUTC();

    public PriceSheetService(Pool pool, PriceSheetRepository repository, BillingConfig config) {
        this.pool = pool;
        this.repository = repository;
        this.config = config;
        this.administrators = config.administrators().stream().map(a -> a.trim().toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Stores the configured first price sheet when the database has none. */
    void seed(@Observes StartupEvent start) {
        var p = config.prices();
        PriceSheet first = PriceSheet.defaults(p.effectiveFrom(), p.standardLrs(), p.standardZrs(), p.premiumLrs(),
                p.egressWithinGeography(), p.egressBetweenGeographies());
        repository.isEmpty(pool)
                .flatMap(empty -> empty ? repository.insert(pool, new PriceSheetVersion(first, StoredTime.now(clock),
                        "configuration")) : Uni.createFrom().item(false))
                .invoke(inserted -> {
                    if (inserted) {
                        Log.infof("stored the first price sheet, effective from %s", first.effectiveFrom());
                    }
                })
                .await().indefinitely();
    }

    public Uni<PriceBook> book(SqlClient client) {
        return repository.all(client).map(versions -> new PriceBook(versions.stream()
                .map(PriceSheetVersion::sheet).toList()));
    }

    public Uni<PriceBook> book() {
        return book(pool);
    }

    public Uni<List<PriceSheetVersion>> versions() {
        return repository.all(pool);
    }

    /** The version in effect on a day (today without one). */
    public Uni<PriceSheetVersion> inEffect(LocalDate day) {
        LocalDate d = day != null ? day : LocalDate.now(clock);
        return versions().map(all -> {
            PriceSheetVersion current = all.get(0);
            for (PriceSheetVersion v : all) {
                if (!v.sheet().effectiveFrom().isAfter(d)) {
                    current = v;
                }
            }
            return current;
        });
    }

    public Uni<PriceSheetVersion> version(LocalDate effectiveFrom) {
        return versions().map(all -> all.stream().filter(v -> v.sheet().effectiveFrom().equals(effectiveFrom))
                .findFirst().orElseThrow(() -> ArmException.notFound("PriceSheetVersionNotFound",
                        "No price sheet takes effect on " + effectiveFrom + ".", effectiveFrom.toString())));
    }

    public boolean isAdministrator(Caller caller) {
        return administrators.contains((caller.tenantId() + ":" + caller.principalId()).toLowerCase(Locale.ROOT));
    }

    /** 403 unless the caller is a billing administrator ({@code gallery.billing.administrators}). */
    public void requireAdministrator(Caller caller) {
        if (!isAdministrator(caller)) {
            throw ArmException.forbidden(caller.principalId(), WRITE, SCOPE);
        }
    }

    /**
     * A new version from its effective day: 403 unless the caller is a billing administrator, 400 for an invalid
     * sheet (gaps, duplicates, negative prices), for a day that already has a version (versions never overlap nor
     * change) or for a day in a month that has been invoiced.
     */
    public Uni<PriceSheetVersion> create(Caller caller, PriceSheet sheet) {
        requireAdministrator(caller);
        PriceSheetVersion version = new PriceSheetVersion(sheet, StoredTime.now(clock),
                caller.tenantId() + ":" + caller.principalId());
        LocalDate month = sheet.effectiveFrom().withDayOfMonth(1);
        return pool.withTransaction(c -> repository.lock(c, true)
                .flatMap(v -> repository.lastInvoicedMonth(c))
                .flatMap(last -> {
                    if (last != null && !last.isBefore(month)) {
                        throw ArmException.invalid("PriceSheetPeriodClosed", "Invoices have been issued for "
                                + last.toString().substring(0, 7) + "; a price change can take effect from "
                                + last.plusMonths(1) + " at the earliest, not " + sheet.effectiveFrom() + ".",
                                "properties.effectiveFrom");
                    }
                    return repository.insert(c, version);
                })
                .map(inserted -> {
                    if (!inserted) {
                        throw ArmException.invalid("PriceSheetOverlap", "A price sheet already takes effect on "
                                + sheet.effectiveFrom() + "; versions never overlap nor change: choose another day.",
                                "properties.effectiveFrom");
                    }
                    Log.infof("%s made the price sheet effective from %s", version.createdBy(),
                            sheet.effectiveFrom());
                    return version;
                }));
    }
}

package dev.imagegallery.billing.service;

import dev.imagegallery.billing.config.BillingConfig;
import dev.imagegallery.billing.domain.Invoice;
import dev.imagegallery.billing.domain.InvoiceCalculator;
import dev.imagegallery.billing.domain.InvoiceCalculator.Line;
import dev.imagegallery.billing.domain.PriceBook;
import dev.imagegallery.billing.repository.InvoiceRepository;
import dev.imagegallery.billing.repository.PriceSheetRepository;
import dev.imagegallery.common.arm.ArmException;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Monthly invoices per subscription. A month is issued once its cutoff has passed (its end plus {@code close-after}):
 * by the hourly job, or on demand when its invoice is read. An invoice is computed from the ledger as known before its
 * cutoff (see {@link dev.imagegallery.billing.repository.LedgerRepository}: knowledge comes from the events' times),
 * so that replaying every event into an empty database issues the same invoices. Issuing writes the invoice and never
 * changes it again; usage learnt after a month's cutoff (a late event) is invoiced as adjustment lines on the next
 * invoice.
 * <p>
 * Months are issued in order, each in one transaction holding the subscription's invoicing lock (metering holds it
 * shared while it writes), so an issued invoice and the ledger rows it did not see are cleanly separated by time.
 */
@ApplicationScoped
public class InvoiceService {
    private final Pool pool;
    private final InvoiceRepository invoices;
    private final PriceSheetRepository prices;
    private final PriceSheetService priceSheets;
    private final Duration closeAfter;
    private final Clock clock = Clock.systemUTC();

    public InvoiceService(Pool pool, InvoiceRepository invoices, PriceSheetRepository prices,
                          PriceSheetService priceSheets, BillingConfig config) {
        this.pool = pool;
        this.invoices = invoices;
        this.prices = prices;
        this.priceSheets = priceSheets;
        this.closeAfter = config.invoices().closeAfter();
    }

    /** The knowledge cutoff of a month's invoice: the month's end plus close-after. */
    public Instant cutoff(YearMonth month) {
        return month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().plus(closeAfter);
    }

    /** The last month that can be issued now. */
    public YearMonth lastClosable() {
        return YearMonth.from(clock.instant().minus(closeAfter).atOffset(ZoneOffset.UTC)).minusMonths(1);
    }

    /** Every invoice of a subscription, issuing those of ended months first. */
    public Uni<List<Invoice>> list(String subscriptionId) {
        String sub = sub(subscriptionId);
        return closeThrough(sub, lastClosable()).flatMap(v -> invoices.find(pool, sub, null));
    }

    /**
     * The invoice of a month: issued if the month has ended (issuing it and the months before it if need be), open
     * (computed as of now, not stored) for the running month; 404 for a later month or one before any usage.
     */
    public Uni<Invoice> get(String subscriptionId, YearMonth month) {
        String sub = sub(subscriptionId);
        YearMonth last = lastClosable();
        if (month.isAfter(last.plusMonths(1))) {
            return Uni.createFrom().failure(notFound(month));
        }
        if (month.isAfter(last)) {
            return closeThrough(sub, last).flatMap(v -> pool.withTransaction(c -> compute(c, sub, month,
                            clock.instant())
                    .map(lines -> new Invoice(sub, month, Invoice.OPEN, null, InvoiceCalculator.total(lines),
                            lines))));
        }
        return closeThrough(sub, month).flatMap(v -> invoices.find(pool, sub, month)).map(found -> {
            if (found.isEmpty()) {
                throw notFound(month);
            }
            return found.get(0);
        });
    }

    /** Issues every invoice of ended months of every subscription with usage. */
    @Scheduled(every = "${gallery.billing.invoices.close-every}", delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> closeEndedMonths() {
        YearMonth last = lastClosable();
        return invoices.subscriptionsWithUsage(pool).flatMap(subs -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (String sub : subs) {
                chain = chain.flatMap(v -> closeThrough(sub, last)
                        .onFailure().invoke(e -> Log.errorf(e, "cannot issue the invoices of %s", sub))
                        .onFailure().recoverWithNull().replaceWithVoid());
            }
            return chain;
        });
    }

    /** Issues, in order, every month of the subscription up to {@code through} that has no invoice yet. */
    public Uni<Void> closeThrough(String sub, YearMonth through) {
        return invoices.issued(pool, sub).flatMap(issued -> {
            if (!issued.isEmpty()) {
                YearMonth next = issued.get(issued.size() - 1).month().plusMonths(1);
                return issueFrom(sub, next, through);
            }
            return invoices.firstUsage(pool, sub).flatMap(first -> first == null ? Uni.createFrom().voidItem()
                    : issueFrom(sub, YearMonth.from(first.atOffset(ZoneOffset.UTC)), through));
        });
    }

    private Uni<Void> issueFrom(String sub, YearMonth from, YearMonth through) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (YearMonth m = from; !m.isAfter(through); m = m.plusMonths(1)) {
            YearMonth month = m;
            chain = chain.flatMap(v -> issue(sub, month));
        }
        return chain;
    }

    /** Issues one month's invoice unless it exists: its usage lines, then adjustments of earlier months. */
    Uni<Void> issue(String sub, YearMonth month) {
        return pool.withTransaction(c -> prices.lock(c, false)
                .flatMap(v -> invoices.lockSubscription(c, sub))
                .flatMap(v -> invoices.find(c, sub, month))
                .flatMap(existing -> {
                    if (!existing.isEmpty()) {
                        return Uni.createFrom().voidItem();
                    }
                    long started = System.nanoTime();
                    Instant asOf = cutoff(month);
                    return compute(c, sub, month, asOf).flatMap(lines -> invoices.insert(c, sub, month, asOf,
                                    InvoiceCalculator.total(lines), lines))
                            .invoke(at -> Log.infof("issued the invoice of %s for %s in %d ms", sub, month,
                                    (System.nanoTime() - started) / 1_000_000))
                            .replaceWithVoid();
                }));
    }

    /**
     * The lines of a month's invoice as of {@code asOf} (its cutoff, or now for the running month): its usage, then for
     * every earlier month touched by what became known since the previous invoice's cutoff, the difference between
     * its usage as of {@code asOf} and what was invoiced for it.
     */
    public Uni<List<Line>> compute(SqlConnection c, String sub, YearMonth month, Instant asOf) {
        return priceSheets.book(c).flatMap(book -> usage(c, sub, month, book, asOf).flatMap(usage ->
                invoices.issued(c, sub).flatMap(issued -> {
                    List<InvoiceRepository.Issued> before = issued.stream()
                            .filter(i -> i.month().isBefore(month)).toList();
                    if (before.isEmpty()) {
                        return Uni.createFrom().item(usage);
                    }
                    Instant since = before.get(before.size() - 1).asOf();
                    return invoices.knownBetween(c, sub, since, asOf).flatMap(range -> {
                        if (range == null) {
                            return Uni.createFrom().item(usage);
                        }
                        List<Line> all = new ArrayList<>(usage);
                        Uni<Void> chain = Uni.createFrom().voidItem();
                        YearMonth first = YearMonth.from(range.start().atOffset(ZoneOffset.UTC));
                        YearMonth lastTouched = YearMonth.from(range.end().minusNanos(1).atOffset(ZoneOffset.UTC));
                        for (YearMonth p = first; p.isBefore(month) && !p.isAfter(lastTouched); p = p.plusMonths(1)) {
                            YearMonth period = p;
                            chain = chain.flatMap(v -> usage(c, sub, period, book, asOf)
                                    .flatMap(recomputed -> invoices.billedFor(c, sub, period)
                                            .invoke(billed -> all.addAll(InvoiceCalculator.adjustments(period,
                                                    recomputed, billed))))
                                    .replaceWithVoid());
                        }
                        return chain.map(v -> {
                            all.sort(InvoiceCalculator.ORDER);
                            return all;
                        });
                    });
                })));
    }

    /** The usage lines of a month as known before {@code asOf} (up to {@code asOf} for the running month). */
    private Uni<List<Line>> usage(SqlClient c, String sub, YearMonth month, PriceBook book, Instant asOf) {
        Instant start = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant end = month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        if (end.isAfter(asOf)) {
            end = asOf.isAfter(start) ? asOf : start.plusNanos(1000);
        }
        var periods = book.periods(start, end);
        return invoices.storageUsage(c, sub, periods, asOf)
                .flatMap(storage -> invoices.egressUsage(c, sub, periods, asOf)
                        .map(egress -> InvoiceCalculator.usageLines(month, periods, storage, egress)));
    }

    private static ArmException notFound(YearMonth month) {
        return ArmException.notFound("InvoiceNotFound", "There is no invoice for " + month + ".", month.toString());
    }

    static String sub(String subscriptionId) {
        return subscriptionId.toLowerCase(Locale.ROOT);
    }
}

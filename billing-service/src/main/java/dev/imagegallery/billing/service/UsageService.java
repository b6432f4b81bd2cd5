package dev.imagegallery.billing.service;

import dev.imagegallery.billing.domain.UsageCalculator;
import dev.imagegallery.billing.domain.UsageLine;
import dev.imagegallery.billing.domain.UsagePeriod;
import dev.imagegallery.billing.repository.UsageRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/** Usage details: a subscription's metered storage and egress as daily, priced lines. Read-only. */
@ApplicationScoped
public class UsageService {
    private final UsageRepository usage;
    private final PriceSheetService prices;
    private final Clock clock = Clock.systemUTC();

    public UsageService(UsageRepository usage, PriceSheetService prices) {
        this.usage = usage;
        this.prices = prices;
    }

    /** The period a query names (see {@link UsagePeriod}), relative to today in UTC. */
    public UsagePeriod period(String startDate, String endDate) {
        return UsagePeriod.of(startDate, endDate, LocalDate.now(clock));
    }

    /** The same, naming {@code $filter} in a refusal of a day the filter set ({@link UsagePeriod#of}). */
    public UsagePeriod period(String startDate, String endDate, String startTarget, String endTarget) {
        return UsagePeriod.of(startDate, endDate, LocalDate.now(clock), startTarget, endTarget);
    }

    /** Today, UTC: the last day of a query that names none. */
    public LocalDate today() {
        return LocalDate.now(clock);
    }

    /** The daily lines of a subscription in a period; storage that is still running counts up to now. */
    public Uni<List<UsageLine>> usageDetails(String subscriptionId, UsagePeriod period) {
        Instant now = clock.instant();
        return prices.book().flatMap(book -> usage.storedSpans(subscriptionId, period.from(), period.until())
                .flatMap(spans -> usage.egressDays(subscriptionId, period.from(), period.until())
                        .map(egress -> UsageCalculator.lines(spans, egress, period, now, book))));
    }
}

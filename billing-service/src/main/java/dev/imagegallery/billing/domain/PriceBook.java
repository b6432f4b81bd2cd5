package dev.imagegallery.billing.domain;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Every version of the price sheet, ordered by the day each takes effect. A version applies from its day (00:00 UTC)
 * until the next version's day; before the first version, the first applies.
 */
public record PriceBook(List<PriceSheet> versions) {

    /** A stretch of time priced by one version. */
    public record Period(Instant start, Instant end, PriceSheet sheet) {
    }

    public PriceBook {
        if (versions.isEmpty()) {
            throw new IllegalArgumentException("a price book needs at least one version");
        }
        versions = versions.stream().sorted(Comparator.comparing(PriceSheet::effectiveFrom)).toList();
    }

    public static PriceBook of(PriceSheet... versions) {
        return new PriceBook(List.of(versions));
    }

    /** The version in effect on a UTC day. */
    public PriceSheet on(LocalDate day) {
        PriceSheet current = versions.get(0);
        for (PriceSheet s : versions) {
            if (s.effectiveFrom().isAfter(day)) {
                break;
            }
            current = s;
        }
        return current;
    }

    /** [from, to) cut at every version's effective day inside it, each piece with the version in effect. */
    public List<Period> periods(Instant from, Instant to) {
        List<Period> periods = new ArrayList<>();
        Instant start = from;
        PriceSheet sheet = on(LocalDate.ofInstant(from, ZoneOffset.UTC));
        for (PriceSheet s : versions) {
            Instant effective = s.effectiveFrom().atStartOfDay(ZoneOffset.UTC).toInstant();
            if (effective.isAfter(from) && effective.isBefore(to)) {
                periods.add(new Period(start, effective, sheet));
                start = effective;
                sheet = s;
            }
        }
        periods.add(new Period(start, to, sheet));
        return periods;
    }
}

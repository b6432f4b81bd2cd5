package dev.imagegallery.billing.domain;

import dev.imagegallery.billing.domain.PriceBook.Period;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a month's metered usage, summed per price period, into invoice lines: one line per meter, region and price.
 * Quantities are summed exactly (byte-microseconds, bytes) before anything is rounded; each line's cost is the exact
 * quantity times the exact rate, rounded half-even to the cent once; the total is the sum of the rounded lines.
 */
public final class InvoiceCalculator {
    public static final String USAGE = "Usage";
    public static final String ADJUSTMENT = "Adjustment";
    /** Bytes x microseconds in one GiB-hour. */
    static final BigDecimal BYTE_MICROS_PER_GIB_HOUR = UsageCalculator.BYTES_PER_GIB
            .multiply(BigDecimal.valueOf(3_600_000_000L));

    /** Byte-microseconds stored in one price period (index into the month's periods) by type and region. */
    public record StorageUsage(int period, String storageAccountType, String region, BigDecimal byteMicros) {
    }

    /** Bytes moved in one price period from one region to another. */
    public record EgressUsage(int period, String sourceRegion, String destinationRegion, BigDecimal bytes) {
    }

    /** A line of an invoice. {@code rate} is the exact price the cost comes from (per GiB-month or per GiB). */
    public record Line(String lineType, YearMonth servicePeriod, String meterCategory, String meterSubCategory,
                       String meterName, String region, String unitOfMeasure, BigDecimal quantity,
                       BigDecimal unitPrice, BigDecimal rate, BigDecimal cost) {

        Key key() {
            return new Key(meterCategory, meterName, region, rate.stripTrailingZeros());
        }
    }

    record Key(String meterCategory, String meterName, String region, BigDecimal rate) {
    }

    public static final Comparator<Line> ORDER = Comparator.comparing(Line::lineType, Comparator.reverseOrder())
            .thenComparing(Line::servicePeriod)
            .thenComparing(Line::meterCategory, Comparator.reverseOrder())
            .thenComparing(Line::meterName)
            .thenComparing(Line::region)
            .thenComparing(Line::rate);

    private InvoiceCalculator() {
    }

    /** The usage lines of a month from its usage per price period ({@code periods} from the price book). */
    public static List<Line> usageLines(YearMonth month, List<Period> periods, List<StorageUsage> storage,
                                        List<EgressUsage> egress) {
        Map<Key, BigDecimal[]> exact = new LinkedHashMap<>();
        Map<Key, Line> proto = new LinkedHashMap<>();
        for (StorageUsage s : storage) {
            if (s.byteMicros().signum() == 0) {
                continue;
            }
            BigDecimal rate = periods.get(s.period()).sheet().storagePerGiBMonth(s.storageAccountType(), s.region());
            Line l = new Line(USAGE, month, UsageCalculator.STORAGE, UsageCalculator.STORAGE_SUB_CATEGORY,
                    s.storageAccountType() + " Stored GiB-hours", s.region(), UsageCalculator.GIB_HOUR, null,
                    PriceSheet.perHour(rate), rate, null);
            proto.putIfAbsent(l.key(), l);
            exact.computeIfAbsent(l.key(), k -> new BigDecimal[]{BigDecimal.ZERO})[0] =
                    exact.get(l.key())[0].add(s.byteMicros());
        }
        for (EgressUsage e : egress) {
            if (e.bytes().signum() == 0) {
                continue;
            }
            BigDecimal rate = periods.get(e.period()).sheet().egressPerGiB(e.sourceRegion(), e.destinationRegion());
            boolean within = PriceSheet.sameGeography(e.sourceRegion(), e.destinationRegion());
            Line l = new Line(USAGE, month, UsageCalculator.BANDWIDTH,
                    within ? UsageCalculator.WITHIN_GEOGRAPHY : UsageCalculator.BETWEEN_GEOGRAPHIES,
                    "Inter-region egress " + e.sourceRegion() + " to " + e.destinationRegion(), e.sourceRegion(),
                    UsageCalculator.GIB, null, rate, rate, null);
            proto.putIfAbsent(l.key(), l);
            exact.computeIfAbsent(l.key(), k -> new BigDecimal[]{BigDecimal.ZERO})[0] =
                    exact.get(l.key())[0].add(e.bytes());
        }
        List<Line> lines = new ArrayList<>();
        for (var entry : proto.entrySet()) {
            Line p = entry.getValue();
            BigDecimal amount = exact.get(entry.getKey())[0];
            BigDecimal quantity;
            BigDecimal cost;
            if (UsageCalculator.STORAGE.equals(p.meterCategory())) {
                quantity = amount.divide(BYTE_MICROS_PER_GIB_HOUR, PriceSheet.SCALE, RoundingMode.HALF_EVEN);
                cost = amount.multiply(p.rate()).divide(BYTE_MICROS_PER_GIB_HOUR.multiply(PriceSheet.HOURS_PER_MONTH),
                        2, RoundingMode.HALF_EVEN);
            } else {
                quantity = amount.divide(UsageCalculator.BYTES_PER_GIB, PriceSheet.SCALE, RoundingMode.HALF_EVEN);
                cost = amount.multiply(p.rate()).divide(UsageCalculator.BYTES_PER_GIB, 2, RoundingMode.HALF_EVEN);
            }
            lines.add(new Line(p.lineType(), p.servicePeriod(), p.meterCategory(), p.meterSubCategory(),
                    p.meterName(), p.region(), p.unitOfMeasure(), quantity, p.unitPrice(), p.rate(), cost));
        }
        lines.sort(ORDER);
        return lines;
    }

    /**
     * The adjustment lines for an earlier month: what its usage is now ({@code recomputed}) minus what was already
     * invoiced for it ({@code billed}: its usage lines and every adjustment of it since), per meter, region and price.
     */
    public static List<Line> adjustments(YearMonth servicePeriod, List<Line> recomputed, List<Line> billed) {
        Map<Key, Line> now = new LinkedHashMap<>();
        recomputed.forEach(l -> now.merge(l.key(), l, InvoiceCalculator::plus));
        Map<Key, Line> before = new LinkedHashMap<>();
        billed.forEach(l -> before.merge(l.key(), l, InvoiceCalculator::plus));
        List<Line> lines = new ArrayList<>();
        for (Key k : union(now, before)) {
            Line n = now.get(k);
            Line b = before.get(k);
            Line proto = n != null ? n : b;
            BigDecimal quantity = (n == null ? BigDecimal.ZERO : n.quantity())
                    .subtract(b == null ? BigDecimal.ZERO : b.quantity());
            BigDecimal cost = (n == null ? BigDecimal.ZERO : n.cost()).subtract(b == null ? BigDecimal.ZERO : b.cost());
            if (quantity.signum() != 0 || cost.signum() != 0) {
                lines.add(new Line(ADJUSTMENT, servicePeriod, proto.meterCategory(), proto.meterSubCategory(),
                        proto.meterName(), proto.region(), proto.unitOfMeasure(),
                        quantity.setScale(PriceSheet.SCALE, RoundingMode.UNNECESSARY), proto.unitPrice(),
                        proto.rate(), cost.setScale(2, RoundingMode.UNNECESSARY)));
            }
        }
        lines.sort(ORDER);
        return lines;
    }

    /** The sum of the (already rounded) line costs. */
    public static BigDecimal total(List<Line> lines) {
        return lines.stream().map(Line::cost).reduce(BigDecimal.ZERO.setScale(2), BigDecimal::add);
    }

    private static Line plus(Line a, Line b) {
        return new Line(a.lineType(), a.servicePeriod(), a.meterCategory(), a.meterSubCategory(), a.meterName(),
                a.region(), a.unitOfMeasure(), a.quantity().add(b.quantity()), a.unitPrice(), a.rate(),
                a.cost().add(b.cost()));
    }

    private static List<Key> union(Map<Key, Line> a, Map<Key, Line> b) {
        List<Key> keys = new ArrayList<>(a.keySet());
        b.keySet().stream().filter(k -> !a.containsKey(k)).forEach(keys::add);
        return keys;
    }

}

package dev.imagegallery.billing.domain;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * What publishing a version would cost, before it is published: per target region, a month of storage of the used
 * bytes on every replica, and the one-time egress of copying the used bytes from the source region (a copy within the
 * source region moves nothing). Prices from the sheet in effect; each line carries its formula.
 */
public final class CostEstimate {
    public static final long MAX_BYTES = 1L << 50; // 1 PiB

    public record Target(String region, int replicaCount, String storageAccountType) {
    }

    /** One explained line: what is billed, how much of it, at what price, and how the cost follows. */
    public record Line(String kind, String region, String meterName, BigDecimal quantity, String unitOfMeasure,
                       BigDecimal unitPrice, BigDecimal cost, String formula) {
    }

    public record Result(BigDecimal monthlyStorageCost, BigDecimal oneTimeEgressCost, BigDecimal firstMonthCost,
                         List<Line> storage, List<Line> egress) {
    }

    /** An estimate and the day from which the price sheet it was priced with applies. */
    public record Quote(java.time.LocalDate priceSheetEffectiveFrom, Result result) {
    }

    private CostEstimate() {
    }

    public static Result of(long sizeBytes, long usedBytes, String sourceRegion, List<Target> targets,
                            PriceSheet prices) {
        BigDecimal used = BigDecimal.valueOf(usedBytes);
        BigDecimal usedGiB = used.divide(UsageCalculator.BYTES_PER_GIB, PriceSheet.SCALE, RoundingMode.HALF_EVEN);
        List<Line> storage = new ArrayList<>();
        List<Line> egress = new ArrayList<>();
        for (Target t : targets) {
            BigDecimal price = prices.storagePerGiBMonth(t.storageAccountType(), t.region());
            BigDecimal physical = used.multiply(BigDecimal.valueOf(t.replicaCount()));
            BigDecimal gib = physical.divide(UsageCalculator.BYTES_PER_GIB, PriceSheet.SCALE, RoundingMode.HALF_EVEN);
            BigDecimal cost = physical.multiply(price).divide(UsageCalculator.BYTES_PER_GIB, 2, RoundingMode.HALF_EVEN);
            storage.add(new Line("Storage", t.region(), t.storageAccountType() + " Stored GiB-months", gib,
                    "1 GiB-Month", price, cost, usedGiB.stripTrailingZeros().toPlainString() + " GiB used (of "
                    + BigDecimal.valueOf(sizeBytes).divide(UsageCalculator.BYTES_PER_GIB, 3, RoundingMode.HALF_EVEN)
                    .stripTrailingZeros().toPlainString() + " GiB provisioned; only used bytes are stored) x "
                    + t.replicaCount() + " replica(s) x " + price.toPlainString() + " USD per GiB-month ("
                    + t.storageAccountType() + " in " + t.region() + ", 730 hours) = "
                    + cost.toPlainString() + " USD per month"));
            if (!t.region().equals(sourceRegion)) {
                BigDecimal egressPrice = prices.egressPerGiB(sourceRegion, t.region());
                BigDecimal egressCost = used.multiply(egressPrice)
                        .divide(UsageCalculator.BYTES_PER_GIB, 2, RoundingMode.HALF_EVEN);
                boolean within = PriceSheet.sameGeography(sourceRegion, t.region());
                egress.add(new Line("Egress", t.region(), "Inter-region egress " + sourceRegion + " to "
                        + t.region(), usedGiB, "1 GiB", egressPrice, egressCost, usedGiB.stripTrailingZeros()
                        .toPlainString() + " GiB copied once from " + sourceRegion + " to " + t.region() + " x "
                        + egressPrice.toPlainString() + " USD per GiB (" + (within ? "within one geography"
                        : "between geographies") + ") = " + egressCost.toPlainString()
                        + " USD once; further replicas in the region are copied within it at no egress cost"));
            }
        }
        BigDecimal monthly = storage.stream().map(Line::cost).reduce(BigDecimal.ZERO.setScale(2), BigDecimal::add);
        BigDecimal once = egress.stream().map(Line::cost).reduce(BigDecimal.ZERO.setScale(2), BigDecimal::add);
        return new Result(monthly, once, monthly.add(once), storage, egress);
    }
}

package dev.imagegallery.billing.domain;

import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.events.Regions;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * One version of the price sheet, in USD, in effect from {@code effectiveFrom} (a UTC day) until the next version:
 * storage per GiB-month by storage account type and region (billed per GiB-hour, a month being 730 hours as in Azure's
 * price sheet), and inter-region egress per GiB by the pair of geographies (source, destination).
 * <p>
 * A storage rate without a region is the type's price in every region that has no rate of its own. A sheet is
 * complete: every storage type has a price in every known region and every ordered pair of known geographies has an
 * egress price; no rate is negative and none is given twice ({@link #validated}).
 */
public final class PriceSheet {
    public static final String CURRENCY = "USD";
    /** Hours in a billing month, as Azure prices hourly meters. */
    public static final BigDecimal HOURS_PER_MONTH = BigDecimal.valueOf(730);
    /** Scale of quantities and unit prices in usage and invoice lines (costs are rounded to the cent). */
    public static final int SCALE = 12;
    /** The largest price accepted for any rate (a guard against typing cents as dollars times a thousand). */
    public static final BigDecimal MAX_PRICE = new BigDecimal("1000");

    public static final String STANDARD_LRS = "Standard_LRS";
    public static final String STANDARD_ZRS = "Standard_ZRS";
    public static final String PREMIUM_LRS = "Premium_LRS";
    public static final List<String> STORAGE_TYPES = List.of(STANDARD_LRS, STANDARD_ZRS, PREMIUM_LRS);

    /** A storage price; {@code region} null: every region without a rate of its own. */
    public record StorageRate(String storageAccountType, String region, BigDecimal pricePerGiBMonth) {
    }

    /** An egress price from a region of one geography to a region of another (or the same) geography. */
    public record EgressRate(String sourceGeography, String destinationGeography, BigDecimal pricePerGiB) {
    }

    public static final LocalDate DEFAULT_EFFECTIVE_FROM = LocalDate.of(2000, 1, 1);
    public static final PriceSheet DEFAULTS = defaults(DEFAULT_EFFECTIVE_FROM, new BigDecimal("0.05"),
            new BigDecimal("0.05"), new BigDecimal("0.132"), new BigDecimal("0.02"), new BigDecimal("0.05"));

    private final LocalDate effectiveFrom;
    private final List<StorageRate> storage;
    private final List<EgressRate> egress;
    private final Map<String, BigDecimal> storageByKey = new HashMap<>();
    private final Map<String, BigDecimal> egressByPair = new HashMap<>();
    private final BigDecimal highestEgress;

    private PriceSheet(LocalDate effectiveFrom, List<StorageRate> storage, List<EgressRate> egress) {
        this.effectiveFrom = effectiveFrom;
        this.storage = List.copyOf(storage);
        this.egress = List.copyOf(egress);
        for (StorageRate r : storage) {
            storageByKey.put(r.storageAccountType() + "|" + (r.region() == null ? "*" : r.region()),
                    r.pricePerGiBMonth());
        }
        BigDecimal highest = BigDecimal.ZERO;
        for (EgressRate r : egress) {
            egressByPair.put(r.sourceGeography() + "|" + r.destinationGeography(), r.pricePerGiB());
            highest = highest.max(r.pricePerGiB());
        }
        this.highestEgress = highest;
    }

    /** The list prices: one price per storage type for every region, egress within and between geographies. */
    public static PriceSheet defaults(LocalDate effectiveFrom, BigDecimal standardLrs, BigDecimal standardZrs,
                                      BigDecimal premiumLrs, BigDecimal egressWithinGeography,
                                      BigDecimal egressBetweenGeographies) {
        List<StorageRate> storage = List.of(new StorageRate(STANDARD_LRS, null, standardLrs),
                new StorageRate(STANDARD_ZRS, null, standardZrs), new StorageRate(PREMIUM_LRS, null, premiumLrs));
        List<EgressRate> egress = new ArrayList<>();
        for (String a : geographies()) {
            for (String b : geographies()) {
                egress.add(new EgressRate(a, b, a.equals(b) ? egressWithinGeography : egressBetweenGeographies));
            }
        }
        return validated(effectiveFrom, storage, egress, "gallery.billing.prices");
    }

    /** The sheet for those rates, or a 400 ARM error naming the offending field under {@code target}. */
    public static PriceSheet validated(LocalDate effectiveFrom, List<StorageRate> storage, List<EgressRate> egress,
                                       String target) {
        if (effectiveFrom == null) {
            throw ArmException.invalid("InvalidPriceSheet", "effectiveFrom (yyyy-MM-dd) is required.",
                    target + ".effectiveFrom");
        }
        if (storage == null || storage.isEmpty()) {
            throw ArmException.invalid("PriceSheetGap", "The price sheet has no storage prices.", target + ".storage");
        }
        if (egress == null || egress.isEmpty()) {
            throw ArmException.invalid("PriceSheetGap", "The price sheet has no egress prices.", target + ".egress");
        }
        List<StorageRate> s = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < storage.size(); i++) {
            StorageRate r = storage.get(i);
            String at = target + ".storage[" + i + "]";
            if (r == null) {
                throw ArmException.invalid("InvalidPriceSheet", "A storage price is empty.", at);
            }
            String type = storageType(r.storageAccountType()).orElseThrow(() -> ArmException.invalid(
                    "InvalidPriceSheet", "The storage account type '" + r.storageAccountType() + "' is not one of "
                            + STORAGE_TYPES + ".", at + ".storageAccountType"));
            String region = null;
            if (r.region() != null && !r.region().isBlank() && !r.region().equals("*")) {
                region = Regions.normalise(r.region());
                if (region == null) {
                    throw ArmException.invalid("InvalidPriceSheet", "The region '" + r.region() + "' is not one of "
                            + Regions.names() + ".", at + ".region");
                }
            }
            requirePrice(r.pricePerGiBMonth(), at + ".pricePerGiBMonth");
            String key = type + "|" + (region == null ? "*" : region);
            Integer before = seen.put(key, i);
            if (before != null) {
                throw ArmException.invalid("PriceSheetOverlap", "The storage price of " + type + " in "
                        + (region == null ? "every region" : region) + " is given twice (storage[" + before
                        + "] and storage[" + i + "]).", at);
            }
            s.add(new StorageRate(type, region, r.pricePerGiBMonth()));
        }
        for (String type : STORAGE_TYPES) {
            for (String region : new TreeSet<>(Regions.names())) {
                if (!seen.containsKey(type + "|" + region) && !seen.containsKey(type + "|*")) {
                    throw ArmException.invalid("PriceSheetGap", "The price sheet has no storage price for " + type
                            + " in " + region + " (give one for the region, or one without a region for all).",
                            target + ".storage");
                }
            }
        }
        List<EgressRate> e = new ArrayList<>();
        Map<String, Integer> pairs = new HashMap<>();
        for (int i = 0; i < egress.size(); i++) {
            EgressRate r = egress.get(i);
            String at = target + ".egress[" + i + "]";
            if (r == null) {
                throw ArmException.invalid("InvalidPriceSheet", "An egress price is empty.", at);
            }
            String from = geography(r.sourceGeography(), at + ".sourceGeography");
            String to = geography(r.destinationGeography(), at + ".destinationGeography");
            requirePrice(r.pricePerGiB(), at + ".pricePerGiB");
            Integer before = pairs.put(from + "|" + to, i);
            if (before != null) {
                throw ArmException.invalid("PriceSheetOverlap", "The egress price from " + from + " to " + to
                        + " is given twice (egress[" + before + "] and egress[" + i + "]).", at);
            }
            e.add(new EgressRate(from, to, r.pricePerGiB()));
        }
        for (String a : geographies()) {
            for (String b : geographies()) {
                if (!pairs.containsKey(a + "|" + b)) {
                    throw ArmException.invalid("PriceSheetGap", "The price sheet has no egress price from " + a
                            + " to " + b + ".", target + ".egress");
                }
            }
        }
        return new PriceSheet(effectiveFrom, s, e);
    }

    /**
     * A price as the message shows it: written out when short, else in exponent form. {@code toPlainString} of
     * {@code 1e999999999} wrote a billion digits (an OutOfMemoryError, a 500 on the event loop: a hostile probe) and of
     * {@code 1e2147483647} threw.
     */
    static String shown(BigDecimal price) {
        long digits = (long) price.precision() - price.scale();
        return digits <= 40 && price.scale() <= 40 ? price.toPlainString() : price.toString();
    }

    private static void requirePrice(BigDecimal price, String target) {
        if (price == null) {
            throw ArmException.invalid("InvalidPriceSheet", "The price is required.", target);
        }
        if (price.signum() < 0) {
            throw ArmException.invalid("NegativePrice", "A price must be zero or more, not " + shown(price) + ".",
                    target);
        }
        if (price.compareTo(MAX_PRICE) > 0) {
            throw ArmException.invalid("InvalidPriceSheet", "A price above " + MAX_PRICE + " USD is not plausible: "
                    + shown(price) + ".", target);
        }
        if (price.stripTrailingZeros().scale() > SCALE) {
            throw ArmException.invalid("InvalidPriceSheet", "A price has at most " + SCALE + " decimal places.",
                    target);
        }
    }

    private static String geography(String name, String target) {
        if (name != null) {
            for (String g : geographies()) {
                if (g.equalsIgnoreCase(name.trim())) {
                    return g;
                }
            }
        }
        throw ArmException.invalid("InvalidPriceSheet", "The geography '" + name + "' is not one of " + geographies()
                + ".", target);
    }

    /** The known geographies, sorted. */
    public static List<String> geographies() {
        return List.copyOf(new TreeSet<>(Regions.geographies()));
    }

    /** The canonical name of a storage account type (case-insensitive), if it is one that is billed. */
    public static Optional<String> storageType(String name) {
        if (name == null) {
            return Optional.empty();
        }
        return STORAGE_TYPES.stream().filter(t -> t.toLowerCase(Locale.ROOT)
                .equals(name.trim().toLowerCase(Locale.ROOT))).findFirst();
    }

    public LocalDate effectiveFrom() {
        return effectiveFrom;
    }

    public List<StorageRate> storage() {
        return storage;
    }

    public List<EgressRate> egress() {
        return egress;
    }

    /** USD per GiB-month of a storage account type in a region (the type's price for all regions if it has none). */
    public BigDecimal storagePerGiBMonth(String storageAccountType, String region) {
        BigDecimal price = storageByKey.get(storageAccountType + "|" + region);
        if (price == null) {
            price = storageByKey.get(storageAccountType + "|*");
        }
        if (price == null) {
            // a region the sheet does not know: the highest price of the type, never nothing
            price = storage.stream().filter(r -> r.storageAccountType().equals(storageAccountType))
                    .map(StorageRate::pricePerGiBMonth).max(BigDecimal::compareTo)
                    .orElseThrow(() -> new IllegalArgumentException("no storage price for '" + storageAccountType
                            + "'"));
        }
        return price;
    }

    /** The hourly unit price shown on a line: the monthly price / 730, to {@link #SCALE} places. */
    public static BigDecimal perHour(BigDecimal perMonth) {
        return perMonth.divide(HOURS_PER_MONTH, SCALE, RoundingMode.HALF_EVEN);
    }

    /** USD per GiB moved from one region to another (a region of unknown geography: the highest egress price). */
    public BigDecimal egressPerGiB(String sourceRegion, String destinationRegion) {
        String a = Regions.geographyOf(sourceRegion);
        String b = Regions.geographyOf(destinationRegion);
        BigDecimal price = a == null || b == null ? null : egressByPair.get(a + "|" + b);
        return price != null ? price : highestEgress;
    }

    public static boolean sameGeography(String sourceRegion, String destinationRegion) {
        String a = Regions.geographyOf(sourceRegion);
        return a != null && a.equals(Regions.geographyOf(destinationRegion));
    }

    /** The same rates in effect from another day. */
    public PriceSheet from(LocalDate day) {
        return new PriceSheet(day, storage, egress);
    }
}

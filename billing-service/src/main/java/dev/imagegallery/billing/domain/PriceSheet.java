package dev.imagegallery.billing.domain;

import dev.imagegallery.events.Regions;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What usage costs, in USD: storage per GiB-month by storage account type (billed per GiB-hour, a month being 730
 * hours as in Azure's price sheet), and inter-region egress per GiB, cheaper within one geography than between two.
 */
public final class PriceSheet {
    public static final String CURRENCY = "USD";
    /** Hours in a billing month, as Azure prices hourly meters. */
    public static final BigDecimal HOURS_PER_MONTH = BigDecimal.valueOf(730);
    /** Scale of quantities and unit prices in usage lines (cost is rounded to the cent). */
    public static final int SCALE = 12;

    public static final String STANDARD_LRS = "Standard_LRS";
    public static final String STANDARD_ZRS = "Standard_ZRS";
    public static final String PREMIUM_LRS = "Premium_LRS";

    public static final PriceSheet DEFAULTS = of(new BigDecimal("0.05"), new BigDecimal("0.05"),
            new BigDecimal("0.132"), new BigDecimal("0.02"), new BigDecimal("0.05"));

    private final Map<String, BigDecimal> storagePerGiBMonth;
    private final BigDecimal egressWithinGeography;
    private final BigDecimal egressBetweenGeographies;

    private PriceSheet(Map<String, BigDecimal> storagePerGiBMonth, BigDecimal egressWithinGeography,
                       BigDecimal egressBetweenGeographies) {
        this.storagePerGiBMonth = storagePerGiBMonth;
        this.egressWithinGeography = egressWithinGeography;
        this.egressBetweenGeographies = egressBetweenGeographies;
    }

    public static PriceSheet of(BigDecimal standardLrs, BigDecimal standardZrs, BigDecimal premiumLrs,
                                BigDecimal egressWithinGeography, BigDecimal egressBetweenGeographies) {
        Map<String, BigDecimal> storage = new LinkedHashMap<>();
        storage.put(STANDARD_LRS, requireNonNegative(standardLrs, "standard-lrs"));
        storage.put(STANDARD_ZRS, requireNonNegative(standardZrs, "standard-zrs"));
        storage.put(PREMIUM_LRS, requireNonNegative(premiumLrs, "premium-lrs"));
        return new PriceSheet(Map.copyOf(storage), requireNonNegative(egressWithinGeography, "egress-within-geography"),
                requireNonNegative(egressBetweenGeographies, "egress-between-geographies"));
    }

    private static BigDecimal requireNonNegative(BigDecimal price, String name) {
        if (price == null || price.signum() < 0) {
            throw new IllegalArgumentException("the price " + name + " must be zero or more, not " + price);
        }
        return price;
    }

    /** The canonical name of a storage account type this sheet prices (case-insensitive), if any. */
    public Optional<String> storageType(String name) {
        if (name == null) {
            return Optional.empty();
        }
        return storagePerGiBMonth.keySet().stream()
                .filter(t -> t.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))).findFirst();
    }

    /** USD per GiB-month of a storage account type; fails for a type the sheet does not price. */
    public BigDecimal storagePerGiBMonth(String storageAccountType) {
        BigDecimal price = storagePerGiBMonth.get(storageAccountType);
        if (price == null) {
            throw new IllegalArgumentException("no storage price for '" + storageAccountType + "'");
        }
        return price;
    }

    /** The hourly unit price shown on a line: the monthly price / 730, to {@link #SCALE} places. */
    public BigDecimal storagePerGiBHour(String storageAccountType) {
        return storagePerGiBMonth(storageAccountType).divide(HOURS_PER_MONTH, SCALE, RoundingMode.HALF_EVEN);
    }

    /** USD per GiB moved from one region to another. A region of unknown geography counts as another geography. */
    public BigDecimal egressPerGiB(String sourceRegion, String destinationRegion) {
        return sameGeography(sourceRegion, destinationRegion) ? egressWithinGeography : egressBetweenGeographies;
    }

    public static boolean sameGeography(String sourceRegion, String destinationRegion) {
        String a = Regions.geographyOf(sourceRegion);
        return a != null && a.equals(Regions.geographyOf(destinationRegion));
    }
}

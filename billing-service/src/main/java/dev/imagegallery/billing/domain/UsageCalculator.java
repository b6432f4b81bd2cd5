package dev.imagegallery.billing.domain;

import dev.imagegallery.events.Regions;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Turns metered facts into daily usage lines. Quantities and unit prices carry {@link PriceSheet#SCALE} decimal
 * places; a line's cost is computed from the exact quantity and the exact price, then rounded half-even to the cent,
 * once.
 */
public final class UsageCalculator {
    public static final BigDecimal BYTES_PER_GIB = BigDecimal.valueOf(1L << 30);
    static final BigDecimal NANOS_PER_HOUR = BigDecimal.valueOf(Duration.ofHours(1).toNanos());

    public static final String STORAGE = "Storage";
    public static final String STORAGE_SUB_CATEGORY = "Compute Gallery Image Replicas";
    public static final String GIB_HOUR = "1 GiB-Hour";
    public static final String BANDWIDTH = "Bandwidth";
    public static final String WITHIN_GEOGRAPHY = "Intra-Geography Data Transfer";
    public static final String BETWEEN_GEOGRAPHIES = "Inter-Geography Data Transfer";
    public static final String GIB = "1 GiB";

    /** A storage meter as read for a usage query; {@code endedAt} null while it runs. */
    public record StoredSpan(UUID meterId, String versionId, String region, String storageAccountType,
                             int replicaCount, long physicalBytes, long logicalBytes, Instant startedAt,
                             Instant endedAt) {
    }

    /** The bytes one version moved from one region to another on one UTC day. */
    public record EgressDay(String versionId, String sourceRegion, String destinationRegion, LocalDate date,
                            BigDecimal bytes) {
    }

    public static final Comparator<UsageLine> ORDER = Comparator.comparing(UsageLine::date)
            .thenComparing(UsageLine::meterCategory, Comparator.reverseOrder())
            .thenComparing(UsageLine::resourceId, String.CASE_INSENSITIVE_ORDER)
            .thenComparing(UsageLine::resourceLocation)
            .thenComparing(UsageLine::meterName)
            .thenComparing(UsageLine::name);

    private UsageCalculator() {
    }

    /** All lines of a period, in date order (storage before bandwidth within a day). */
    public static List<UsageLine> lines(List<StoredSpan> spans, List<EgressDay> egress, UsagePeriod period,
                                        Instant now, PriceBook prices) {
        List<UsageLine> lines = new ArrayList<>();
        for (StoredSpan s : spans) {
            lines.addAll(storage(s, period, now, prices));
        }
        for (EgressDay e : egress) {
            if (!e.date().isBefore(period.start()) && !e.date().isAfter(period.end())) {
                lines.add(egress(e, prices));
            }
        }
        lines.sort(ORDER);
        return lines;
    }

    /**
     * One line per UTC day of the period during which the meter ran (up to {@code now} for an open meter): the
     * GiB-hours stored that day, i.e. physical GiB x hours.
     */
    public static List<UsageLine> storage(StoredSpan s, UsagePeriod period, Instant now, PriceBook prices) {
        Instant end = s.endedAt() == null || s.endedAt().isAfter(now) ? now : s.endedAt();
        if (!end.isAfter(s.startedAt())) {
            return List.of();
        }
        LocalDate first = max(period.start(), dayOf(s.startedAt()));
        LocalDate last = min(period.end(), dayOf(end.minusNanos(1)));
        BigDecimal bytes = BigDecimal.valueOf(s.physicalBytes());
        List<UsageLine> lines = new ArrayList<>();
        for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
            // a new price sheet takes effect at the start of a UTC day: each daily line has one price
            BigDecimal monthly = prices.on(d).storagePerGiBMonth(s.storageAccountType(), s.region());
            BigDecimal unitPrice = PriceSheet.perHour(monthly);
            Instant dayStart = d.atStartOfDay(ZoneOffset.UTC).toInstant();
            Instant from = s.startedAt().isAfter(dayStart) ? s.startedAt() : dayStart;
            Instant dayEnd = dayStart.plus(Duration.ofDays(1));
            Instant to = end.isBefore(dayEnd) ? end : dayEnd;
            if (!to.isAfter(from)) {
                continue;
            }
            BigDecimal nanos = BigDecimal.valueOf(Duration.between(from, to).toNanos());
            BigDecimal byteNanos = bytes.multiply(nanos);
            BigDecimal gibHourDivisor = BYTES_PER_GIB.multiply(NANOS_PER_HOUR);
            BigDecimal quantity = byteNanos.divide(gibHourDivisor, PriceSheet.SCALE, RoundingMode.HALF_EVEN);
            BigDecimal cost = byteNanos.multiply(monthly)
                    .divide(gibHourDivisor.multiply(PriceSheet.HOURS_PER_MONTH), 2, RoundingMode.HALF_EVEN);
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("storageAccountType", s.storageAccountType());
            info.put("replicaCount", s.replicaCount());
            info.put("physicalBytes", s.physicalBytes());
            info.put("logicalBytes", s.logicalBytes());
            info.put("hours", nanos.divide(NANOS_PER_HOUR, 6, RoundingMode.HALF_EVEN));
            lines.add(new UsageLine(lineName("storage", s.meterId().toString(), d.toString()), d, STORAGE,
                    STORAGE_SUB_CATEGORY, s.storageAccountType() + " Stored GiB-hours", GIB_HOUR, s.versionId(),
                    s.region(), quantity, unitPrice, cost, info));
        }
        return lines;
    }

    /** The GiB one version moved between two regions on one day, at the geography-dependent price. */
    public static UsageLine egress(EgressDay e, PriceBook prices) {
        BigDecimal price = prices.on(e.date()).egressPerGiB(e.sourceRegion(), e.destinationRegion());
        boolean within = PriceSheet.sameGeography(e.sourceRegion(), e.destinationRegion());
        BigDecimal quantity = e.bytes().divide(BYTES_PER_GIB, PriceSheet.SCALE, RoundingMode.HALF_EVEN);
        BigDecimal cost = e.bytes().multiply(price).divide(BYTES_PER_GIB, 2, RoundingMode.HALF_EVEN);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("bytes", e.bytes());
        info.put("sourceRegion", e.sourceRegion());
        info.put("destinationRegion", e.destinationRegion());
        info.put("sourceGeography", Regions.geographyOf(e.sourceRegion()));
        info.put("destinationGeography", Regions.geographyOf(e.destinationRegion()));
        return new UsageLine(lineName("egress", e.versionId().toLowerCase(java.util.Locale.ROOT), e.sourceRegion(),
                e.destinationRegion(), e.date().toString()), e.date(), BANDWIDTH,
                within ? WITHIN_GEOGRAPHY : BETWEEN_GEOGRAPHIES,
                "Inter-region egress " + e.sourceRegion() + " to " + e.destinationRegion(), GIB, e.versionId(),
                e.sourceRegion(), quantity, price, cost, info);
    }

    static LocalDate dayOf(Instant t) {
        return LocalDate.ofInstant(t, ZoneOffset.UTC);
    }

    private static LocalDate max(LocalDate a, LocalDate b) {
        return a.isAfter(b) ? a : b;
    }

    private static LocalDate min(LocalDate a, LocalDate b) {
        return a.isBefore(b) ? a : b;
    }

    private static String lineName(String... parts) {
        return UUID.nameUUIDFromBytes(String.join("|", parts).getBytes(StandardCharsets.UTF_8)).toString();
    }
}

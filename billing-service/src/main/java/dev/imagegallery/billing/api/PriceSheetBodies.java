package dev.imagegallery.billing.api;

import dev.imagegallery.billing.domain.Dates;
import dev.imagegallery.billing.domain.PriceSheet;
import dev.imagegallery.billing.domain.PriceSheetVersion;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.arm.ArmList;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;

/**
 * The price sheet's wire format, ARM-like: {@code /providers/Microsoft.Consumption/priceSheets/default} and its
 * versions {@code .../versions/{effectiveFrom}}. A storage price without {@code region} applies to every region that
 * has none of its own.
 */
public final class PriceSheetBodies {
    public static final String SHEET_ID = "/providers/Microsoft.Consumption/priceSheets/default";
    public static final String VERSION_TYPE = "Microsoft.Consumption/priceSheets/versions";

    private PriceSheetBodies() {
    }

    public record StoragePrice(String storageAccountType, String region, BigDecimal pricePerGiBMonth) {
    }

    public record EgressPrice(String sourceGeography, String destinationGeography, BigDecimal pricePerGiB) {
    }

    public record Properties(String effectiveFrom, String effectiveTo, String currency, List<StoragePrice> storage,
                             List<EgressPrice> egress, String createdAt, String createdBy) {
    }

    public record PriceSheetBody(String id, String name, String type, Properties properties) {
    }

    /** The domain sheet a PUT body asks for; 400 naming the field for anything invalid. */
    public static PriceSheet toSheet(PriceSheetBody body) {
        if (body == null || body.properties() == null) {
            throw ArmException.invalid("InvalidRequestContent", "The body needs properties.", "properties");
        }
        Properties p = body.properties();
        if (p.currency() != null && !PriceSheet.CURRENCY.equals(p.currency())) {
            throw ArmException.invalid("InvalidPriceSheet", "Prices are in " + PriceSheet.CURRENCY + ", not "
                    + p.currency() + ".", "properties.currency");
        }
        LocalDate from = date(p.effectiveFrom(), "properties.effectiveFrom");
        return PriceSheet.validated(from,
                p.storage() == null ? null : p.storage().stream().map(s -> s == null ? null
                        : new PriceSheet.StorageRate(s.storageAccountType(), s.region(), s.pricePerGiBMonth()))
                        .toList(),
                p.egress() == null ? null : p.egress().stream().map(e -> e == null ? null
                        : new PriceSheet.EgressRate(e.sourceGeography(), e.destinationGeography(), e.pricePerGiB()))
                        .toList(),
                "properties");
    }

    public static LocalDate date(String value, String target) {
        return Dates.day(value, target);
    }

    public static PriceSheetBody body(PriceSheetVersion v, LocalDate effectiveTo) {
        PriceSheet s = v.sheet();
        String name = s.effectiveFrom().toString();
        return new PriceSheetBody(SHEET_ID + "/versions/" + name, name, VERSION_TYPE, new Properties(name,
                effectiveTo == null ? null : effectiveTo.toString(), PriceSheet.CURRENCY,
                s.storage().stream().map(r -> new StoragePrice(r.storageAccountType(), r.region(),
                        r.pricePerGiBMonth())).toList(),
                s.egress().stream().map(r -> new EgressPrice(r.sourceGeography(), r.destinationGeography(),
                        r.pricePerGiB())).toList(),
                v.createdAt().toString(), v.createdBy()));
    }

    /** Every version, each with the day the next one takes over. */
    public static ArmList<PriceSheetBody> list(List<PriceSheetVersion> versions) {
        return ArmList.of(versions.stream().map(v -> body(v, next(versions, v))).toList());
    }

    public static LocalDate next(List<PriceSheetVersion> versions, PriceSheetVersion v) {
        return versions.stream().map(x -> x.sheet().effectiveFrom())
                .filter(d -> d.isAfter(v.sheet().effectiveFrom())).min(LocalDate::compareTo).orElse(null);
    }
}

package dev.imagegallery.billing.api;

import dev.imagegallery.billing.api.UsageDetailBodies.LegacyProperties;
import dev.imagegallery.billing.api.UsageDetailBodies.MeterDetails;
import dev.imagegallery.billing.api.UsageDetailBodies.UsageDetail;
import dev.imagegallery.billing.domain.PriceSheet;
import dev.imagegallery.billing.domain.UsageCalculator;
import dev.imagegallery.billing.domain.UsageLine;
import dev.imagegallery.events.Json;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Maps usage lines to the ARM body of {@code Microsoft.Consumption/usageDetails}. */
public final class UsageDetailMapper {
    public static final String TYPE = "Microsoft.Consumption/usageDetails";
    public static final String KIND = "legacy";
    static final Pattern RESOURCE_GROUP = Pattern.compile("(?i)/resourceGroups/([^/]+)");
    static final DateTimeFormatter INSTANT = DateTimeFormatter.ISO_INSTANT;

    private UsageDetailMapper() {
    }

    public static UsageDetail detail(String subscriptionId, UsageLine l) {
        String id = "/subscriptions/" + subscriptionId + "/providers/" + TYPE + "/" + l.name();
        LocalDate periodStart = l.date().withDayOfMonth(1);
        LocalDate periodEnd = l.date().withDayOfMonth(l.date().lengthOfMonth());
        boolean storage = UsageCalculator.STORAGE.equals(l.meterCategory());
        MeterDetails meter = new MeterDetails(l.meterName(), l.meterCategory(), l.meterSubCategory(),
                l.unitOfMeasure(), storage ? "Storage" : "Networking");
        return new UsageDetail(id, l.name(), TYPE, KIND, new LegacyProperties(
                startOfDay(periodStart), startOfDay(periodEnd), startOfDay(l.date()), subscriptionId,
                l.resourceId(), lastSegment(l.resourceId()), resourceGroupOf(l.resourceId()), l.resourceLocation(),
                "Microsoft.Compute", meterId(l), l.meterCategory(), l.meterSubCategory(), l.meterName(),
                l.unitOfMeasure(), meter, l.quantity(), l.unitPrice(), l.unitPrice(), l.cost(), PriceSheet.CURRENCY,
                "Usage", "UsageBased", "Azure", Json.write(l.additionalInfo())));
    }

    static String startOfDay(LocalDate d) {
        return INSTANT.format(d.atStartOfDay(ZoneOffset.UTC));
    }

    /** A meter's id: stable per category and name, as Azure's meter GUIDs are. */
    static String meterId(UsageLine l) {
        return UUID.nameUUIDFromBytes(("meter|" + l.meterCategory() + "|" + l.meterName())
                .getBytes(StandardCharsets.UTF_8)).toString();
    }

    static String lastSegment(String resourceId) {
        return resourceId == null ? null : resourceId.substring(resourceId.lastIndexOf('/') + 1);
    }

    static String resourceGroupOf(String resourceId) {
        if (resourceId == null) {
            return null;
        }
        Matcher m = RESOURCE_GROUP.matcher(resourceId);
        return m.find() ? m.group(1) : null;
    }
}

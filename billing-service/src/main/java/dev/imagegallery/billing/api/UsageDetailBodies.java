package dev.imagegallery.billing.api;

import java.math.BigDecimal;
import java.util.List;

/** The Microsoft.Consumption/usageDetails wire format (kind {@code legacy}), as Azure writes it. */
public final class UsageDetailBodies {
    private UsageDetailBodies() {
    }

    public record UsageDetail(String id, String name, String type, String kind, LegacyProperties properties) {
    }

    public record MeterDetails(String meterName, String meterCategory, String meterSubCategory, String unitOfMeasure,
                               String serviceFamily) {
    }

    /**
     * The properties of a legacy usage detail. {@code additionalInfo} is a JSON document in a string, as in Azure:
     * for storage it carries {@code physicalBytes} and {@code logicalBytes} (the deduplication savings) and
     * {@code replicaCount}; for bandwidth the bytes and both regions' geographies.
     */
    public record LegacyProperties(
            String billingPeriodStartDate,
            String billingPeriodEndDate,
            String date,
            String subscriptionId,
            String resourceId,
            String resourceName,
            String resourceGroup,
            String resourceLocation,
            String consumedService,
            String meterId,
            String meterCategory,
            String meterSubCategory,
            String meterName,
            String unitOfMeasure,
            MeterDetails meterDetails,
            BigDecimal quantity,
            BigDecimal unitPrice,
            BigDecimal effectivePrice,
            BigDecimal cost,
            String billingCurrency,
            String chargeType,
            String frequency,
            String publisherType,
            String additionalInfo) {
    }
}

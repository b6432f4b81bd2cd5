package dev.imagegallery.billing.domain;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Map;

/**
 * One daily line of metered usage: what was consumed on one UTC day by one resource on one meter, and its cost in
 * {@link PriceSheet#CURRENCY}. {@code name} is stable: the same usage yields the same name on every query.
 */
public record UsageLine(
        String name,
        LocalDate date,
        String meterCategory,
        String meterSubCategory,
        String meterName,
        String unitOfMeasure,
        String resourceId,
        String resourceLocation,
        BigDecimal quantity,
        BigDecimal unitPrice,
        BigDecimal cost,
        Map<String, Object> additionalInfo) {
}

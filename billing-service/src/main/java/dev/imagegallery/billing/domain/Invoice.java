package dev.imagegallery.billing.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;

/**
 * A subscription's invoice for a month: {@code Issued} once the month has ended (never changed afterwards), or
 * {@code Open} for the running month (what it would be if issued now). Its total is the sum of its rounded lines.
 */
public record Invoice(String subscriptionId, YearMonth month, String status, Instant issuedAt, BigDecimal total,
                      List<InvoiceCalculator.Line> lines) {
    public static final String ISSUED = "Issued";
    public static final String OPEN = "Open";
}

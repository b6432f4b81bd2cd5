package dev.imagegallery.billing.api;

import dev.imagegallery.billing.domain.Invoice;
import dev.imagegallery.billing.domain.InvoiceCalculator;
import dev.imagegallery.billing.domain.InvoiceCalculator.Line;
import dev.imagegallery.billing.domain.PriceSheet;
import dev.imagegallery.common.arm.ArmList;

import java.math.BigDecimal;
import java.util.List;

/** The wire format of {@code Microsoft.Consumption/invoices} (JSON and CSV). */
public final class InvoiceBodies {
    public static final String TYPE = "Microsoft.Consumption/invoices";

    private InvoiceBodies() {
    }

    public record Amount(String currency, BigDecimal value) {
    }

    public record LineItem(String lineType, String servicePeriod, String meterCategory, String meterSubCategory,
                           String meterName, String region, BigDecimal quantity, String unitOfMeasure,
                           BigDecimal unitPrice, BigDecimal cost) {
    }

    public record Properties(String invoicePeriodStartDate, String invoicePeriodEndDate, String status,
                             String invoiceDate, String billingCurrency, Amount usageAmount,
                             Amount adjustmentAmount, Amount totalAmount, List<LineItem> lineItems) {
    }

    public record InvoiceBody(String id, String name, String type, Properties properties) {
    }

    public static String id(String sub, Invoice i) {
        return "/subscriptions/" + sub + "/providers/" + TYPE + "/" + i.month();
    }

    public static InvoiceBody body(String sub, Invoice i) {
        BigDecimal usage = sum(i.lines(), InvoiceCalculator.USAGE);
        BigDecimal adjustments = sum(i.lines(), InvoiceCalculator.ADJUSTMENT);
        return new InvoiceBody(id(sub, i), i.month().toString(), TYPE, new Properties(
                i.month().atDay(1).toString(), i.month().atEndOfMonth().toString(), i.status(),
                i.issuedAt() == null ? null : i.issuedAt().toString(), PriceSheet.CURRENCY,
                new Amount(PriceSheet.CURRENCY, usage), new Amount(PriceSheet.CURRENCY, adjustments),
                new Amount(PriceSheet.CURRENCY, i.total()),
                i.lines().stream().map(InvoiceBodies::item).toList()));
    }

    static LineItem item(Line l) {
        return new LineItem(l.lineType(), l.servicePeriod().toString(), l.meterCategory(), l.meterSubCategory(),
                l.meterName(), l.region(), l.quantity(), l.unitOfMeasure(), l.unitPrice(), l.cost());
    }

    public static ArmList<InvoiceBody> list(String sub, List<Invoice> invoices) {
        return ArmList.of(invoices.stream().map(i -> body(sub, i)).toList());
    }

    static final String CSV_HEADER = "invoice,lineType,servicePeriod,meterCategory,meterSubCategory,meterName,region,"
            + "quantity,unitOfMeasure,unitPrice,cost,currency";

    /** One row per line item, then a Total row: the sum of the line costs. */
    public static String csv(String sub, Invoice i) {
        StringBuilder b = new StringBuilder(CSV_HEADER).append("\r\n");
        String id = i.month().toString();
        for (Line l : i.lines()) {
            b.append(String.join(",", id, l.lineType(), l.servicePeriod().toString(), q(l.meterCategory()),
                    q(l.meterSubCategory()), q(l.meterName()), q(l.region()), l.quantity().toPlainString(),
                    q(l.unitOfMeasure()), l.unitPrice().toPlainString(), l.cost().toPlainString(),
                    PriceSheet.CURRENCY)).append("\r\n");
        }
        b.append(String.join(",", id, "Total", "", "", "", "", "", "", "", "", i.total().toPlainString(),
                PriceSheet.CURRENCY)).append("\r\n");
        return b.toString();
    }

    private static String q(String s) {
        if (s == null) {
            return "";
        }
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private static BigDecimal sum(List<Line> lines, String type) {
        return lines.stream().filter(l -> l.lineType().equals(type)).map(Line::cost)
                .reduce(BigDecimal.ZERO.setScale(2), BigDecimal::add);
    }
}

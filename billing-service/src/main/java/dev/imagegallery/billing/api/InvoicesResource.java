package dev.imagegallery.billing.api;

import dev.imagegallery.billing.api.InvoiceBodies.InvoiceBody;
import dev.imagegallery.billing.service.InvoiceService;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.arm.ArmList;
import dev.imagegallery.common.security.Authorizer;
import dev.imagegallery.common.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.YearMonth;
import java.time.format.DateTimeParseException;

/**
 * A subscription's monthly invoices ({@code yyyy-MM}); reading one of an ended month issues it (and the months before
 * it) if the hourly job has not yet. JSON, or CSV with {@code Accept: text/csv} or {@code /invoices/{month}/csv}.
 */
@Path("/subscriptions/{subscriptionId}/providers/Microsoft.Consumption/invoices")
@Authenticated
public class InvoicesResource {
    static final String READ = "Microsoft.Consumption/invoices/read";
    static final String CSV = "text/csv";

    private final InvoiceService invoices;
    private final Authorizer authorizer;
    private final CurrentCaller caller;

    public InvoicesResource(InvoiceService invoices, Authorizer authorizer, CurrentCaller caller) {
        this.invoices = invoices;
        this.authorizer = authorizer;
        this.caller = caller;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<ArmList<InvoiceBody>> list(@PathParam("subscriptionId") String sub) {
        UsageDetailsResource.requireGuid(sub);
        return authorizer.require(caller.get(), "/subscriptions/" + sub, READ)
                .flatMap(v -> invoices.list(sub))
                .map(all -> InvoiceBodies.list(sub, all));
    }

    @GET
    @Path("{month}")
    @Produces({MediaType.APPLICATION_JSON, CSV})
    public Uni<Response> get(@PathParam("subscriptionId") String sub, @PathParam("month") String month,
                             @HeaderParam(HttpHeaders.ACCEPT) String accept) {
        boolean csv = accept != null && accept.contains(CSV) && !accept.contains(MediaType.APPLICATION_JSON);
        return invoice(sub, month, csv);
    }

    @GET
    @Path("{month}/csv")
    @Produces(CSV)
    public Uni<Response> csv(@PathParam("subscriptionId") String sub, @PathParam("month") String month) {
        return invoice(sub, month, true);
    }

    private Uni<Response> invoice(String sub, String month, boolean csv) {
        UsageDetailsResource.requireGuid(sub);
        return authorizer.require(caller.get(), "/subscriptions/" + sub, READ)
                .flatMap(v -> invoices.get(sub, month(month)))
                .map(i -> csv
                        ? Response.ok(InvoiceBodies.csv(sub, i), CSV + ";charset=UTF-8")
                        .header("Content-Disposition", "attachment; filename=\"invoice-" + i.month() + ".csv\"")
                        .build()
                        : Response.ok(InvoiceBodies.body(sub, i), MediaType.APPLICATION_JSON).build());
    }

    static YearMonth month(String value) {
        try {
            if (value == null || !value.matches("\\d{4}-\\d{2}")) {
                throw new DateTimeParseException("not yyyy-MM", String.valueOf(value), 0);
            }
            return YearMonth.parse(value);
        } catch (DateTimeParseException e) {
            throw ArmException.invalidParameter("invoiceName", "The invoice name '" + value
                    + "' is not a month in the format yyyy-MM.");
        }
    }
}

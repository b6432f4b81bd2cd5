package dev.imagegallery.billing.api;

import dev.imagegallery.billing.api.PriceSheetBodies.PriceSheetBody;
import dev.imagegallery.billing.service.PriceSheetService;
import dev.imagegallery.common.arm.ArmList;
import dev.imagegallery.common.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The price sheet: anyone signed in reads it (the version in effect today, or on {@code ?date=}, and every version);
 * billing administrators add versions with PUT (201), each effective from its day.
 */
@Path("/providers/Microsoft.Consumption/priceSheets/default")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class PriceSheetResource {
    private final PriceSheetService prices;
    private final CurrentCaller caller;

    public PriceSheetResource(PriceSheetService prices, CurrentCaller caller) {
        this.prices = prices;
        this.caller = caller;
    }

    @GET
    public Uni<PriceSheetBody> current(@QueryParam("date") String date) {
        caller.get();
        var day = date == null || date.isBlank() ? null : PriceSheetBodies.date(date, "date");
        return prices.versions().flatMap(all -> prices.inEffect(day)
                .map(v -> PriceSheetBodies.body(v, PriceSheetBodies.next(all, v))));
    }

    @GET
    @Path("versions")
    public Uni<ArmList<PriceSheetBody>> versions() {
        caller.get();
        return prices.versions().map(PriceSheetBodies::list);
    }

    @GET
    @Path("versions/{effectiveFrom}")
    public Uni<PriceSheetBody> version(@PathParam("effectiveFrom") String effectiveFrom) {
        caller.get();
        var day = PriceSheetBodies.date(effectiveFrom, "effectiveFrom");
        return prices.versions().flatMap(all -> prices.version(day)
                .map(v -> PriceSheetBodies.body(v, PriceSheetBodies.next(all, v))));
    }

    /** A new version of the sheet, effective from {@code properties.effectiveFrom}. */
    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> put(PriceSheetBody body) {
        var who = caller.get();
        prices.requireAdministrator(who); // 403 before looking at the body
        var sheet = PriceSheetBodies.toSheet(body);
        return prices.create(who, sheet).flatMap(created -> prices.versions().map(all -> Response.status(201)
                .entity(PriceSheetBodies.body(created, PriceSheetBodies.next(all, created))).build()));
    }
}

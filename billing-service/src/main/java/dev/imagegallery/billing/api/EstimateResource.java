package dev.imagegallery.billing.api;

import dev.imagegallery.billing.api.EstimateBodies.EstimateRequest;
import dev.imagegallery.billing.api.EstimateBodies.EstimateResponse;
import dev.imagegallery.billing.domain.CostEstimate;
import dev.imagegallery.billing.domain.EstimateSpec;
import dev.imagegallery.billing.domain.PriceSheet;
import dev.imagegallery.billing.service.EstimateService;
import dev.imagegallery.common.security.Authorizer;
import dev.imagegallery.common.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** What publishing a version would cost, before publishing it: monthly storage and one-time egress, explained. */
@Path("/subscriptions/{subscriptionId}/providers/Microsoft.Consumption/estimateImageVersionCost")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class EstimateResource {
    static final String READ = "Microsoft.Consumption/pricesheets/read";

    private final EstimateService estimates;
    private final Authorizer authorizer;
    private final CurrentCaller caller;

    public EstimateResource(EstimateService estimates, Authorizer authorizer, CurrentCaller caller) {
        this.estimates = estimates;
        this.authorizer = authorizer;
        this.caller = caller;
    }

    @POST
    public Uni<EstimateResponse> estimate(@PathParam("subscriptionId") String sub,
                                          @jakarta.ws.rs.QueryParam("date") String date, EstimateRequest body) {
        UsageDetailsResource.requireGuid(sub);
        EstimateRequest request = withDate(body, date);
        return authorizer.require(caller.get(), "/subscriptions/" + sub, READ)
                .flatMap(v -> estimates.estimate(spec(request)))
                .map(EstimateResource::response);
    }

    /** The request as the domain's command: shape only, the rules are {@link EstimateSpec#check}'s. */
    static EstimateSpec spec(EstimateRequest r) {
        return r == null ? null : new EstimateSpec(r.sizeBytes(), r.usedBytes(), r.sourceRegion(),
                r.targetRegions() == null ? null : r.targetRegions().stream().map(t -> t == null ? null
                        : new EstimateSpec.Target(t.name(), t.regionalReplicaCount(), t.storageAccountType())).toList(),
                r.date());
    }

    static EstimateResponse response(CostEstimate.Quote q) {
        var result = q.result();
        return new EstimateResponse(PriceSheet.CURRENCY, q.priceSheetEffectiveFrom().toString(),
                result.monthlyStorageCost(), result.oneTimeEgressCost(), result.firstMonthCost(), result.storage(),
                result.egress());
    }

    /**
     * The price sheet's day may come as {@code ?date=yyyy-MM-dd} as well as in the body; it is checked either way (a
     * date such as 2026-99-99 used to be ignored and priced as today), and the two must agree.
     */
    static EstimateRequest withDate(EstimateRequest body, String date) {
        if (date == null) {
            return body;
        }
        PriceSheetBodies.date(date, "date");
        if (body != null && body.date() != null && !body.date().trim().equals(date.trim())) {
            throw dev.imagegallery.common.arm.ArmException.invalidParameter("date", "The date in the query ('" + date
                    + "') and in the body ('" + body.date() + "') differ.");
        }
        return body == null ? null : new EstimateRequest(body.sizeBytes(), body.usedBytes(), body.sourceRegion(),
                body.targetRegions(), date);
    }
}

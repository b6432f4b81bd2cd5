package dev.imagegallery.billing.api;

import dev.imagegallery.billing.api.UsageDetailBodies.UsageDetail;
import dev.imagegallery.billing.domain.UsageCalculator;
import dev.imagegallery.billing.domain.UsageFilter;
import dev.imagegallery.billing.domain.UsageLine;
import dev.imagegallery.billing.service.UsageService;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.arm.ArmList;
import dev.imagegallery.common.arm.Paging;
import dev.imagegallery.common.security.Authorizer;
import dev.imagegallery.common.security.CurrentCaller;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;

import java.util.List;
import java.util.UUID;

/**
 * {@code Microsoft.Consumption/usageDetails} of a subscription: daily lines of stored GiB-hours and inter-region
 * egress, priced. Owner and Reader (any role allowing {@value #READ}) may read them.
 */
@Path("/subscriptions/{subscriptionId}/providers/Microsoft.Consumption")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class UsageDetailsResource {
    static final String READ = "Microsoft.Consumption/usageDetails/read";
    /** Usage pages: {@code $top} 1000 lines by default, at most 5000. */
    static final Paging.Limits PAGES = new Paging.Limits(1000, 5000);

    private final UsageService usage;
    private final Authorizer authorizer;
    private final CurrentCaller caller;

    public UsageDetailsResource(UsageService usage, Authorizer authorizer, CurrentCaller caller) {
        this.usage = usage;
        this.authorizer = authorizer;
        this.caller = caller;
    }

    /**
     * Lines of the UTC days from {@code startDate} to {@code endDate} (yyyy-MM-dd, inclusive; default this month),
     * narrowed by {@code $filter} ({@link UsageFilter}: its dates, resource group, name or id), {@code $top} per page
     * with a {@code nextLink} while more remain.
     */
    @GET
    @Path("usageDetails")
    public Uni<ArmList<UsageDetail>> usageDetails(@PathParam("subscriptionId") String sub,
                                                  @QueryParam("startDate") String startDate,
                                                  @QueryParam("endDate") String endDate,
                                                  @QueryParam("$filter") String filter,
                                                  @QueryParam("$top") String top,
                                                  @QueryParam("$skiptoken") String skipToken,
                                                  @QueryParam("metric") String metric,
                                                  @Context UriInfo uri) {
        requireGuid(sub);
        requireMetric(metric);
        return authorizer.require(caller.get(), "/subscriptions/" + sub, READ)
                .map(v -> UsageFilter.parse(filter))
                .flatMap(f -> {
                    Paging paging = Paging.of(uri, top, skipToken, PAGES);
                    if (f.excludesAll(startDate, endDate, usage.today())) {
                        return Uni.createFrom().item(paging.slice(List.<UsageDetail>of()));
                    }
                    return usage.usageDetails(sub, usage.period(f.startDate(startDate), f.endDate(endDate),
                                    f.startTarget(startDate), f.endTarget(endDate)))
                            .map(lines -> paging.sliceByKey(lines.stream().filter(l -> f.lines().test(line(l)))
                                            .toList(), UsageDetailsResource::keyOf, UsageDetailsResource::upTo)
                                    .map(l -> UsageDetailMapper.detail(sub, l)));
                });
    }

    /**
     * A line's place in the list's order ({@link UsageCalculator#ORDER}): its sort fields. Pages resume after it, so
     * usage metered between two reads (today's lines of a version made meanwhile) neither repeats a line on the next
     * page nor skips one; an offset did both (a hostile probe summed two lines twice).
     */
    static String keyOf(UsageLine l) {
        return dev.imagegallery.events.Json.write(List.of(l.date().toString(), l.meterCategory(), l.resourceId(),
                l.resourceLocation(), l.meterName(), l.name()));
    }

    /** The lines at or before the one a key names; a key that is none of ours is the token's 400. */
    static java.util.function.Predicate<UsageLine> upTo(String key) {
        UsageLine probe;
        try {
            List<?> k = dev.imagegallery.events.Json.read(key, List.class);
            probe = new UsageLine((String) k.get(5), java.time.LocalDate.parse((String) k.get(0)), (String) k.get(1),
                    null, (String) k.get(4), null, (String) k.get(2), (String) k.get(3), null, null, null, null);
            if (k.size() != 6 || k.stream().anyMatch(java.util.Objects::isNull)) {
                throw new IllegalArgumentException();
            }
        } catch (RuntimeException e) {
            throw ArmException.invalidParameter("$skiptoken", "The '$skiptoken' is not one this list issued; follow "
                    + "the nextLink of the previous page.");
        }
        return l -> UsageCalculator.ORDER.compare(l, probe) <= 0;
    }

    private static UsageFilter.Line line(UsageLine l) {
        return new UsageFilter.Line(l.resourceId(), UsageDetailMapper.resourceGroupOf(l.resourceId()),
                UsageDetailMapper.lastSegment(l.resourceId()));
    }

    /** Azure's three kinds of usage record; {@code null}: the default, actual cost. */
    static final List<String> METRICS = List.of("actualcost", "amortizedcost", "usage");

    /**
     * {@code metric} is one of Azure's three, in any case. Each gives the same lines here: nothing is bought ahead
     * (reservations, savings plans) whose cost amortizing would spread, and every line carries both quantity and cost.
     * Another value was read as the default: a caller that misspelt {@code amortizedcost} got actual cost and no word.
     */
    static void requireMetric(String metric) {
        if (metric != null && !METRICS.contains(metric.toLowerCase(java.util.Locale.ROOT))) {
            throw ArmException.invalidParameter("metric", "The value '" + metric + "' of 'metric' is not one of "
                    + String.join(", ", METRICS) + ".");
        }
    }

    static void requireGuid(String sub) {
        try {
            if (sub.length() != 36) {
                throw new IllegalArgumentException();
            }
            UUID.fromString(sub);
        } catch (IllegalArgumentException e) {
            throw ArmException.invalid("InvalidSubscriptionId", "The subscription id '" + sub + "' is not a GUID.",
                    "subscriptionId");
        }
    }
}

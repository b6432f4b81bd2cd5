package dev.imagegallery.billing.service;

import dev.imagegallery.billing.config.BillingConfig;
import dev.imagegallery.billing.domain.CostEstimate;
import dev.imagegallery.billing.domain.EstimateSpec;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Cost estimates before publishing, priced with the sheet in effect today (or on the requested day). Read-only: the
 * request's rules are {@link EstimateSpec}'s, the pricing {@link CostEstimate}'s.
 */
@ApplicationScoped
public class EstimateService {
    private final PriceSheetService prices;
    private final BillingConfig.Metering limits;

    public EstimateService(PriceSheetService prices, BillingConfig config) {
        this.prices = prices;
        this.limits = config.metering();
    }

    public Uni<CostEstimate.Quote> estimate(EstimateSpec spec) {
        var r = EstimateSpec.check(spec, limits.maxBytes(), limits.maxReplicaCount());
        return prices.inEffect(r.day()).map(v -> new CostEstimate.Quote(v.sheet().effectiveFrom(),
                CostEstimate.of(r.sizeBytes(), r.usedBytes(), r.sourceRegion(), r.targets(), v.sheet())));
    }
}

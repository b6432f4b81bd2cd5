package dev.imagegallery.billing.api;

import dev.imagegallery.billing.domain.CostEstimate;

import java.math.BigDecimal;
import java.util.List;

/** Request and answer of {@code estimateImageVersionCost}. */
public final class EstimateBodies {
    private EstimateBodies() {
    }

    public record TargetRegion(String name, Integer regionalReplicaCount, String storageAccountType) {
    }

    public record EstimateRequest(Long sizeBytes, Long usedBytes, String sourceRegion,
                                  List<TargetRegion> targetRegions, String date) {
    }

    public record EstimateResponse(String currency, String priceSheetEffectiveFrom, BigDecimal monthlyStorageCost,
                                   BigDecimal oneTimeEgressCost, BigDecimal firstMonthCost,
                                   List<CostEstimate.Line> storage, List<CostEstimate.Line> egress) {
    }
}

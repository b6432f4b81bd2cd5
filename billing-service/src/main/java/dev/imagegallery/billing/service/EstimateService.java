package dev.imagegallery.billing.service;

import dev.imagegallery.billing.api.EstimateBodies.EstimateRequest;
import dev.imagegallery.billing.api.EstimateBodies.EstimateResponse;
import dev.imagegallery.billing.api.EstimateBodies.TargetRegion;
import dev.imagegallery.billing.api.PriceSheetBodies;
import dev.imagegallery.billing.config.BillingConfig;
import dev.imagegallery.billing.domain.CostEstimate;
import dev.imagegallery.billing.domain.PriceSheet;
import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.events.Regions;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Cost estimates before publishing, priced with the sheet in effect today (or on {@code date}). Read-only. */
@ApplicationScoped
public class EstimateService {
    private final PriceSheetService prices;
    private final BillingConfig.Metering limits;

    public EstimateService(PriceSheetService prices, BillingConfig config) {
        this.prices = prices;
        this.limits = config.metering();
    }

    public Uni<EstimateResponse> estimate(EstimateRequest r) {
        if (r == null) {
            throw ArmException.invalid("InvalidRequestContent", "The request needs a body.", null);
        }
        long size = bytes(r.sizeBytes(), "sizeBytes", true);
        long used = r.usedBytes() == null ? size : bytes(r.usedBytes(), "usedBytes", false);
        if (used > size) {
            throw ArmException.invalid("InvalidEstimate", "usedBytes (" + used + ") cannot exceed sizeBytes (" + size
                    + ").", "usedBytes");
        }
        String source = region(r.sourceRegion(), "sourceRegion");
        if (r.targetRegions() == null || r.targetRegions().isEmpty()) {
            throw ArmException.invalid("InvalidEstimate", "At least one target region is required.",
                    "targetRegions");
        }
        List<CostEstimate.Target> targets = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < r.targetRegions().size(); i++) {
            TargetRegion t = r.targetRegions().get(i);
            String at = "targetRegions[" + i + "]";
            if (t == null) {
                throw ArmException.invalid("InvalidEstimate", "A target region is empty.", at);
            }
            String name = region(t.name(), at + ".name");
            if (!seen.add(name)) {
                throw ArmException.invalid("InvalidEstimate", "The region " + name + " is listed twice.", at + ".name");
            }
            int replicas = t.regionalReplicaCount() == null ? 1 : t.regionalReplicaCount();
            if (replicas < 1 || replicas > limits.maxReplicaCount()) {
                throw ArmException.invalid("InvalidEstimate", "regionalReplicaCount must be from 1 to "
                        + limits.maxReplicaCount() + ".", at + ".regionalReplicaCount");
            }
            String type = t.storageAccountType() == null ? PriceSheet.STANDARD_LRS
                    : PriceSheet.storageType(t.storageAccountType()).orElseThrow(() -> ArmException.invalid(
                    "InvalidEstimate", "The storage account type '" + t.storageAccountType() + "' is not one of "
                            + PriceSheet.STORAGE_TYPES + ".", at + ".storageAccountType"));
            targets.add(new CostEstimate.Target(name, replicas, type));
        }
        var day = r.date() == null ? null : PriceSheetBodies.date(r.date(), "date");
        return prices.inEffect(day).map(v -> {
            var result = CostEstimate.of(size, used, source, targets, v.sheet());
            return new EstimateResponse(PriceSheet.CURRENCY, v.sheet().effectiveFrom().toString(),
                    result.monthlyStorageCost(), result.oneTimeEgressCost(), result.firstMonthCost(),
                    result.storage(), result.egress());
        });
    }

    private long bytes(Long value, String field, boolean required) {
        if (value == null) {
            if (required) {
                throw ArmException.invalid("InvalidEstimate", field + " is required.", field);
            }
            return 0;
        }
        if (value < 0 || value > limits.maxBytes()) {
            throw ArmException.invalid("InvalidEstimate", field + " must be from 0 to " + limits.maxBytes()
                    + " (1 PiB), not " + value + ".", field);
        }
        return value;
    }

    private static String region(String name, String target) {
        String r = Regions.normalise(name);
        if (r == null) {
            throw ArmException.invalid("InvalidEstimate", "The region '" + name + "' is not one of "
                    + Regions.names() + ".", target);
        }
        return r;
    }
}

package dev.imagegallery.billing.domain;

import dev.imagegallery.common.arm.ArmException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The rules of a cost estimate's request, without Quarkus. */
class EstimateSpecTest {
    static final long PIB = 1L << 50;

    static ArmException refused(EstimateSpec spec) {
        return assertThrows(ArmException.class, () -> EstimateSpec.check(spec, PIB, 1000));
    }

    static EstimateSpec.Target to(String region) {
        return new EstimateSpec.Target(region, null, null);
    }

    @Test
    void usedBytesDefaultToTheSizeAndTargetsToOneStandardReplica() {
        var r = EstimateSpec.check(new EstimateSpec(100L, null, "WestEurope", List.of(to("eastus")), "2026-01-31"),
                PIB, 1000);
        assertEquals(100, r.usedBytes());
        assertEquals("westeurope", r.sourceRegion());
        assertEquals(List.of(new CostEstimate.Target("eastus", 1, PriceSheet.STANDARD_LRS)), r.targets());
        assertEquals(java.time.LocalDate.parse("2026-01-31"), r.day());
    }

    @Test
    void eachRefusalNamesItsField() {
        assertEquals("sizeBytes", refused(new EstimateSpec(null, null, "westeurope", List.of(to("eastus")), null))
                .target());
        assertEquals("usedBytes", refused(new EstimateSpec(10L, 11L, "westeurope", List.of(to("eastus")), null))
                .target());
        assertEquals("sizeBytes", refused(new EstimateSpec(PIB + 1, null, "westeurope", List.of(to("eastus")), null))
                .target());
        assertEquals("targetRegions", refused(new EstimateSpec(1L, null, "westeurope", List.of(), null)).target());
        assertEquals("targetRegions[1].name", refused(new EstimateSpec(1L, null, "westeurope",
                List.of(to("eastus"), to("EastUS")), null)).target());
        assertEquals("targetRegions[0]", refused(new EstimateSpec(1L, null, "westeurope",
                Arrays.asList((EstimateSpec.Target) null), null)).target());
        assertEquals("targetRegions[0].regionalReplicaCount", refused(new EstimateSpec(1L, null, "westeurope",
                List.of(new EstimateSpec.Target("eastus", 1001, null)), null)).target());
        assertEquals("targetRegions[0].storageAccountType", refused(new EstimateSpec(1L, null, "westeurope",
                List.of(new EstimateSpec.Target("eastus", 1, "Tape")), null)).target());
        assertEquals("date", refused(new EstimateSpec(1L, null, "westeurope", List.of(to("eastus")), "2026-02-30"))
                .target());
        // a region left out is missing, not "The region 'null' is not one of [...]" as it was
        assertEquals("sourceRegion is required.", refused(new EstimateSpec(1L, null, null, List.of(to("eastus")),
                null)).getMessage());
        assertEquals("targetRegions[0].name is required.", refused(new EstimateSpec(1L, null, "westeurope",
                List.of(to(null)), null)).getMessage());
        assertEquals("InvalidRequestContent", assertThrows(ArmException.class,
                () -> EstimateSpec.check(null, PIB, 1000)).code());
    }
}

package dev.imagegallery.common.arm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * One rule for a resource group's name in every service, with ARM's code: catalog-service answered a bad one with
 * {@code InvalidResourceGroupName} and access-service with {@code InvalidResourceGroup}, each from its own copy.
 */
class ArmNamesTest {
    @Test
    void aResourceGroupIsCheckedAsArmChecksIt() {
        for (String ok : new String[]{"rg", "a", "rg-images_1.(prod)", "x".repeat(90)}) {
            assertEquals(ok, ArmNames.resourceGroup(ok));
        }
        for (String bad : new String[]{"", "rg.", "x".repeat(91), "rg space", "rg/x", "rg%", null}) {
            ArmException e = assertThrows(ArmException.class, () -> ArmNames.resourceGroup(bad), String.valueOf(bad));
            assertEquals(400, e.status());
            assertEquals("InvalidResourceGroup", e.code());
            assertEquals("resourceGroupName", e.target());
        }
    }
}

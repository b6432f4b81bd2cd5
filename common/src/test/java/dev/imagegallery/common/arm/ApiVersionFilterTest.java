package dev.imagegallery.common.arm;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The api-version table of the root README, per resource type. */
class ApiVersionFilterTest {
    static final String RG = "/subscriptions/c0de0000-0000-4000-8000-00000000c001/resourceGroups/rg";
    static final String GALLERY = RG + "/providers/Microsoft.Compute/galleries/g";
    static final String[] GALLERY_PATHS = {GALLERY, RG + "/providers/Microsoft.Compute/galleries",
            "/subscriptions/s/providers/Microsoft.Compute/galleries", GALLERY + "/images/d",
            GALLERY + "/images/d/versions/1.0.0", GALLERY + "/share", GALLERY + "/sharingProfile",
            GALLERY + "/softDeletedArtifactTypes/Images/artifacts/d/versions",
            "/subscriptions/s/providers/Microsoft.Compute/locations/westeurope/sharedGalleries",
            "/subscriptions/s/providers/Microsoft.Compute/locations/westeurope/communityGalleries/p",
            "/subscriptions/s/providers/Microsoft.Compute/locations/westeurope/resolveImageReference"};
    static final String[] MANAGED_IMAGE_PATHS = {RG + "/providers/Microsoft.Compute/images/src",
            RG + "/providers/Microsoft.Compute/images", "/subscriptions/s/providers/Microsoft.Compute/images",
            RG + "/providers/microsoft.compute/IMAGES/src"};
    static final String OPERATION = "/subscriptions/s/providers/Microsoft.Compute/locations/westeurope/operations/x";

    static ArmExceptionMappers.Failure check(String path, String version) {
        return ApiVersionFilter.check(path, () -> version);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2022-03-03", "2022-08-03", "2023-07-03", "2024-03-03", "2025-03-03", "2025-12-03"})
    void galleriesAndTheirChildrenTakeTheGalleryVersions(String version) {
        for (String path : GALLERY_PATHS) {
            assertNull(check(path, version), path);
        }
        assertNull(check(OPERATION, version));
        assertNull(check(OPERATION.replace("/operations/", "/operationResults/"), version));
    }

    @Test
    void aVersionGivenTwiceAlikeIsThatVersionAndTwoDifferentOnesAreRefused() {
        assertNull(ApiVersionFilter.given(java.util.List.of()));
        assertEquals("2024-03-03", ApiVersionFilter.given(java.util.List.of("2024-03-03", "2024-03-03")));
        assertNull(ApiVersionFilter.check(GALLERY, () -> ApiVersionFilter.given(
                java.util.List.of("2024-03-03", "2024-03-03"))));
        ArmExceptionMappers.Failure f = ApiVersionFilter.check(GALLERY, () -> ApiVersionFilter.given(
                java.util.List.of("2024-03-03", "2025-03-03")));
        refused(f, GALLERY);
        assertTrue(f.body().error().message().contains("'2024-03-03,2025-03-03'")
                && f.body().error().message().contains("more than one"),
                f.body().error().message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2024-03-01", "2024-07-01", "2024-11-01", "2025-04-01", "2026-04-01",
        // what Debian's python3-azure (azure-mgmt-compute 29) sends, and the versions before it (a probe: 400)
        "2022-08-01", "2021-03-01", "2022-03-01", "2022-11-01", "2023-03-01", "2023-07-01", "2023-09-01"})
    void managedImagesTakeTheComputeProvidersVersions(String version) {
        for (String path : MANAGED_IMAGE_PATHS) {
            assertNull(check(path, version), path);
        }
        assertNull(check(OPERATION, version));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2024-03-01", "2024-07-01", "2025-04-01", "2026-04-01"})
    void aComputeProviderVersionIsRefusedOnAGallery(String version) {
        for (String path : GALLERY_PATHS) {
            refused(check(path, version), path);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"2024-03-03", "2025-03-03", "2025-12-03", "2022-03-03"})
    void aGalleryVersionIsRefusedOnAManagedImage(String version) {
        for (String path : MANAGED_IMAGE_PATHS) {
            refused(check(path, version), path);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"2019-01-01", "2026-12-01", "2024-03-03-preview", "latest", "2025-12-03 "})
    void anUnknownVersionIsRefused(String version) {
        refused(check(GALLERY, version), GALLERY);
        refused(check(MANAGED_IMAGE_PATHS[0], version), MANAGED_IMAGE_PATHS[0]);
        refused(check(OPERATION, version), OPERATION);
    }

    @Test
    void aGalleryNamedLikeAManagedImageTypeIsStillAGallery() {
        assertNull(check(RG + "/providers/Microsoft.Compute/galleries/images", "2024-03-03"));
        assertNull(check(RG + "/providers/Microsoft.Compute/galleries/images/images/images", "2025-12-03"));
        assertNull(check("/subscriptions/s/providers/Microsoft.Compute/locations/operations", "2024-03-03"));
        refused(check("/subscriptions/s/providers/Microsoft.Compute/locations/operations", "2024-07-01"), "");
    }

    /**
     * ARM's subscriptions at what older SDKs send (azure-mgmt-resource 22: 2021-01-01), and resource groups at the
     * Microsoft.Resources versions (2022-09-01 was answered "use 2022-12-01", which then was a 404).
     */
    @Test
    void subscriptionsAndResourceGroupsTakeArmsOwnVersions() {
        assertNull(check("/subscriptions", "2021-01-01"));
        assertNull(check("/subscriptions/s", "2016-06-01"));
        assertNull(check("/subscriptions/s/resourcegroups/rg", "2022-09-01"));
        assertNull(check("/subscriptions/s/resourceGroups", "2021-04-01"));
        refused(check("/subscriptions/s/resourceGroups/rg", "2022-12-01"), "");
        assertNull(check("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g", "2024-03-03"));
    }

    /**
     * ARM's provider registry is Microsoft.Resources whatever namespace it names: the Python SDK's
     * {@code providers.get('Microsoft.Compute')} sent 2022-09-01 and was refused as a gallery call.
     */
    @Test
    void theProviderRegistryTakesMicrosoftResourcesVersions() {
        assertNull(check("/subscriptions/s/providers", "2022-09-01"));
        assertNull(check("/subscriptions/s/providers/Microsoft.Compute", "2022-09-01"));
        assertNull(check("//subscriptions/s/providers/microsoft.compute/register", "2021-04-01"));
        assertNull(check("/subscriptions/s/providers/Microsoft.Compute/unregister/", "2024-11-01"));
        assertNull(check("/providers/Microsoft.Gallery", "2019-05-01"));
        assertNull(check("/providers", "2025-04-01"));
        refused(check("/subscriptions/s/providers/Microsoft.Compute", "2024-03-03"), "");
        // a resource type after the namespace is that provider's call
        assertNull(check("/subscriptions/s/providers/Microsoft.Compute/galleries", "2024-03-03"));
        assertNull(check("/providers/Microsoft.Gallery/eventSchemas", "2026-12-01"));
    }

    /**
     * A resource named "providers" is a name (a hostile probe): the last "/providers/" anywhere was taken, so a gallery
     * of that name took only the subscriptions' api-version for its images, and a definition so named for its versions.
     */
    @Test
    void aResourceNamedProvidersIsANameNotAProvider() {
        assertNull(check(RG + "/providers/Microsoft.Compute/galleries/providers/images/d1", "2024-03-03"));
        assertNull(check(RG + "/providers/Microsoft.Compute/galleries/g/images/providers/versions", "2025-12-03"));
        assertNull(check(RG + "/providers/Microsoft.Compute/galleries/providers/providers/Microsoft.Authorization/"
                + "roleAssignments/x", "2022-04-01"));
        assertNull(check(RG + "/providers/Microsoft.Compute/images/providers", "2024-07-01"));
        refused(check(RG + "/providers/Microsoft.Compute/galleries/providers/images", "2022-12-01"), "");
        assertNull(check("/" + RG + "/providers/Microsoft.Compute/galleries/g/providers/Microsoft.Authorization/"
                + "roleDefinitions", "2022-04-01"));
    }

    @Test
    void aMissingVersionNamesTheParameter() {
        ArmExceptionMappers.Failure f = check(MANAGED_IMAGE_PATHS[0], null);
        assertNotNull(f);
        assertEquals("MissingApiVersionParameter", f.body().error().code());
        assertEquals("api-version", f.body().error().target());
    }

    static void refused(ArmExceptionMappers.Failure f, String path) {
        assertNotNull(f, path);
        assertEquals(400, f.status(), path);
        assertEquals("InvalidApiVersionParameter", f.body().error().code(), path);
        assertEquals("api-version", f.body().error().target(), path);
    }

    /** A query parameter given twice with different values was read as one of them, silently (a hostile probe). */
    @Test
    void aQueryParameterGivenTwiceWithDifferentValuesIsRefused() {
        var f = ApiVersionFilter.repeated(java.util.Map.of("$top", java.util.List.of("1", "2")));
        org.junit.jupiter.api.Assertions.assertNotNull(f);
        org.junit.jupiter.api.Assertions.assertEquals(400, f.status());
        org.junit.jupiter.api.Assertions.assertNull(ApiVersionFilter.repeated(java.util.Map.of("$top",
                java.util.List.of("5", "5"), "api-version", java.util.List.of("a", "b"), "x", java.util.List.of("1"))));
    }

    /** A coded ARM body was read as if it were not (a plain one labelled gzip was taken; a hostile probe). */
    @Test
    void anArmBodyWithAContentCodingIs415() {
        org.junit.jupiter.api.Assertions.assertEquals(415,
                ApiVersionFilter.contentCoding(java.util.List.of("gzip")).status());
        org.junit.jupiter.api.Assertions.assertEquals(415,
                ApiVersionFilter.contentCoding(java.util.List.of("identity, br")).status());
        org.junit.jupiter.api.Assertions.assertNull(ApiVersionFilter.contentCoding(java.util.List.of("identity")));
        org.junit.jupiter.api.Assertions.assertNull(ApiVersionFilter.contentCoding(null));
    }
}

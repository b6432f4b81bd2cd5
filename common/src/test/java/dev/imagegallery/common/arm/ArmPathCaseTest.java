package dev.imagegallery.common.arm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class ArmPathCaseTest {
    static final String SUB = "/subscriptions/c0de0000-0000-4000-8000-00000000c001";

    @Test
    void fixedWordsTakeTheRoutesCaseAndNamesKeepTheirs() {
        assertEquals(SUB + "/resourceGroups/RG/providers/Microsoft.Compute/galleries/Images/images/Versions/versions/"
                        + "1.0.0", ArmPathCase.canonical("/SUBSCRIPTIONS/c0de0000-0000-4000-8000-00000000c001/"
                        + "resourcegroups/RG/PROVIDERS/microsoft.compute/GALLERIES/Images/Images/Versions/VERSIONS/1.0.0"));
        // a role assignment at a gallery's scope: a second provider after a name
        assertEquals(SUB + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/providers/"
                        + "Microsoft.Authorization/roleAssignments/Share",
                ArmPathCase.canonical(SUB + "/resourcegroups/rg/providers/microsoft.compute/galleries/g/providers/"
                        + "MICROSOFT.AUTHORIZATION/roleassignments/Share"));
        // actions and the words after a name
        assertEquals(SUB + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/share/share",
                ArmPathCase.canonical(SUB + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/share/SHARE"));
        assertEquals(SUB + "/providers/Microsoft.Compute/locations/WestEurope/resolveImageReference",
                ArmPathCase.canonical(SUB + "/providers/microsoft.compute/Locations/WestEurope/resolveimagereference"));
        assertEquals("/providers/Microsoft.Consumption/priceSheets/Default/versions/2026-01-01",
                ArmPathCase.canonical("/providers/microsoft.consumption/pricesheets/Default/VERSIONS/2026-01-01"));
        assertEquals("/tenants/Contoso/providers/Microsoft.Gallery/eventSubscribers/Eventsubscribers",
                ArmPathCase.canonical("/Tenants/Contoso/providers/microsoft.gallery/eventsubscribers/Eventsubscribers"));
        // a trailing slash stays
        assertEquals(SUB + "/resourceGroups/", ArmPathCase.canonical(SUB + "/resourcegroups/"));
    }

    /** A version's download URL ends with the version's id: its words in any case (they were a 404; a hostile probe). */
    @Test
    void aDownloadUrlReadsItsVersionIdAsArmDoes() {
        assertEquals("/download/westeurope" + SUB + "/resourceGroups/RG/providers/Microsoft.Compute/galleries/G/images/"
                + "I/versions/1.0.0", ArmPathCase.canonical("/download/westeurope" + SUB + "/resourcegroups/RG/providers/"
                + "microsoft.compute/GALLERIES/G/IMAGES/I/Versions/1.0.0"));
        String canonical = "/download/westeurope" + SUB + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g";
        assertSame(canonical, ArmPathCase.canonical(canonical));
        assertSame("/download/westeurope", ArmPathCase.canonical("/download/westeurope"));
    }

    @Test
    void whatIsAlreadyCanonicalOrNoArmPathIsTheSameString() {
        for (String p : new String[] {SUB + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g",
                "/blobs/WestEurope/s/Subscriptions", "/download/x", "/q/health", "/ping", "/", "",
                "/subscriptions", SUB + "/providers/Microsoft.Unknown/Things/x"}) {
            assertSame(p, ArmPathCase.canonical(p), p);
        }
        assertSame(null, ArmPathCase.canonical(null));
        // ARM's case is ASCII's: a long s or a Kelvin sign spells no fixed word
        for (String p : new String[] {"/\u017Fubscriptions/x/resourceGroups/rg", SUB + "/\u212Aeys",
                SUB + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/\u017Fhare"}) {
            assertSame(p, ArmPathCase.canonical(p), p);
        }
    }

    @Test
    void aRoutesWordsAreKnownAndItsNamesAreNot() {
        assertEquals(java.util.List.of(), ArmPathCase.unknownWords("/subscriptions/{subscriptionId}/resourceGroups/"
                + "{resourceGroupName}/providers/Microsoft.Compute/galleries/{galleryName}/images/{imageName}"));
        assertEquals(java.util.List.of("Things", "frobnicate"), ArmPathCase.unknownWords("/subscriptions/{s}/providers/"
                + "Microsoft.Compute/Things/{t}/frobnicate"));
        // a word known in another case is unknown: the routes must spell it as canonical() writes it
        assertEquals(java.util.List.of("resourcegroups"), ArmPathCase.unknownWords("/subscriptions/{s}/resourcegroups"));
        assertEquals(java.util.List.of(), ArmPathCase.unknownWords("/blobs/{region}/{s}/{name}"));
    }
}

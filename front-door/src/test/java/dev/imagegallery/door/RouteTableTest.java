package dev.imagegallery.door;

import dev.imagegallery.door.routing.RouteTable;
import dev.imagegallery.door.routing.Upstream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The route table's edges, without a server: the last provider in a path decides, case does not matter. */
class RouteTableTest {
    static Upstream to(String path) {
        return RouteTable.route(path).upstream().orElse(null);
    }

    @Test
    void theLastProviderNamespaceInThePathDecides() {
        String gallery = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g";
        assertEquals(Upstream.CATALOG, to(gallery));
        assertEquals(Upstream.ACCESS, to(gallery + "/providers/Microsoft.Authorization/roleAssignments/x"));
        assertEquals(Upstream.ACCESS, to("/subscriptions/s/providers/microsoft.authorization/roleDefinitions"));
        assertEquals(Upstream.BILLING, to("/subscriptions/s/providers/MICROSOFT.CONSUMPTION/usageDetails"));
    }

    @Test
    void theShareActionAndSharingViewsGoToAccessAndAGalleryNamedShareDoesNot() {
        String rg = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/";
        assertEquals(Upstream.ACCESS, to(rg + "g/share"));
        assertEquals(Upstream.ACCESS, to(rg + "g/sharingProfile"));
        assertEquals(Upstream.CATALOG, to(rg + "share"));
        assertEquals(Upstream.CATALOG, to(rg + "g/images/share"));
        assertEquals(Upstream.ACCESS, to("/providers/Microsoft.Compute/sharingInvitations"));
        assertEquals(Upstream.CATALOG, to("/subscriptions/s/providers/Microsoft.Compute/sharingInvitations"));
    }

    @Test
    void theDataPlaneGoesToReplicationWhateverItsPathHolds() {
        assertEquals(Upstream.REPLICATION, to("/blobs/westeurope/s/disk.raw"));
        assertEquals(Upstream.REPLICATION,
                to("/download/westeurope/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g"
                        + "/images/i/versions/1.0.0"));
        assertEquals(null, to("/blobsx/westeurope"));
    }

    @Test
    void subscriptionsAndTenantsWithoutAProviderGoToAccessAndUnknownProvidersToNobody() {
        assertEquals(Upstream.ACCESS, to("/subscriptions"));
        assertEquals(Upstream.ACCESS, to("/subscriptions/s/resourceGroups/rg"));
        assertEquals(Upstream.ACCESS, to("/tenants"));
        assertEquals(null, to("/subscriptionsx"));
        RouteTable.Match m = RouteTable.route("/subscriptions/s/providers/Microsoft.Network/virtualNetworks/v");
        assertTrue(m.unknownProvider());
        assertEquals("Microsoft.Network", m.namespace());
        assertTrue(RouteTable.route("/").upstream().isEmpty());
        assertTrue(!RouteTable.route("/").unknownProvider());
    }

    /** ARM's provider registry, whichever namespace it names, is access-service's (Microsoft.Resources). */
    @Test
    void theProviderRegistryGoesToAccess() {
        assertEquals(Upstream.ACCESS, to("/subscriptions/s/providers"));
        assertEquals(Upstream.ACCESS, to("/subscriptions/s/providers/Microsoft.Compute"));
        assertEquals(Upstream.ACCESS, to("//subscriptions/s/providers/Microsoft.Compute/register"));
        assertEquals(Upstream.ACCESS, to("/subscriptions/s/providers/Microsoft.Consumption/unregister"));
        assertEquals(Upstream.ACCESS, to("/subscriptions/s/providers/Microsoft.Network"));
        assertEquals(Upstream.ACCESS, to("/providers"));
        assertEquals(Upstream.ACCESS, to("/providers/Microsoft.Compute/"));
        assertEquals(Upstream.CATALOG, to("/subscriptions/s/providers/Microsoft.Compute/galleries"));
        assertEquals(Upstream.BILLING, to("/subscriptions/s/providers/Microsoft.Consumption/usageDetails"));
        assertEquals(Upstream.CATALOG, to("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute"));
    }

    /**
     * A resource named "providers" is a name, as ARM reads ids (type/name pairs after the namespace): the last
     * "/providers/" anywhere was taken, so a gallery of that name could be made and its images, versions and role
     * assignments were 404 "namespace 'images'" (a hostile probe).
     */
    @Test
    void aResourceNamedProvidersIsANameNotAProvider() {
        String rg = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/";
        assertEquals(Upstream.CATALOG, to(rg + "providers"));
        assertEquals(Upstream.CATALOG, to(rg + "providers/images/d1"));
        assertEquals(Upstream.CATALOG, to(rg + "g/images/providers/versions"));
        assertEquals(Upstream.CATALOG, to(rg + "g/images/providers/versions/1.0.0"));
        assertEquals(Upstream.ACCESS, to(rg + "providers/providers/Microsoft.Authorization/roleAssignments/x"));
        assertEquals(Upstream.ACCESS, to(rg + "providers/share"));
        assertEquals(Upstream.CATALOG, to("/subscriptions/s/resourceGroups/providers/providers/Microsoft.Compute/"
                + "galleries/g"));
        assertEquals(Upstream.CATALOG, to("/subscriptions/providers/providers/Microsoft.Compute/galleries"));
        assertEquals(Upstream.ACCESS, to(rg + "g/images/i/versions/1.0.0/providers/Microsoft.Authorization/"
                + "roleAssignments"));
        assertEquals(Upstream.ACCESS, to("/tenants/contoso/providers/Microsoft.Gallery/eventSubscribers/x"));
        assertEquals(Upstream.CATALOG, to("/subscriptions/s/providers/Microsoft.Compute/locations/westeurope/"
                + "communityGalleries/providers/images/i/versions/latest"));
        assertEquals(Upstream.ACCESS, to("/subscriptions/s/resourceGroups/rg/"));
        // the SDKs send "//" after a base URL that ends in "/": an empty segment is none (it was a 404 NotFound)
        assertEquals(Upstream.ACCESS, to("//subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g"
                + "/providers/Microsoft.Authorization/roleDefinitions"));
        assertEquals(Upstream.CATALOG, to("/subscriptions//s/resourceGroups/rg//providers/Microsoft.Compute/galleries/"
                + "providers//images/d1"));
        // a scope that is no resource id: the last provider named decides (its service says what is wrong)
        assertEquals(Upstream.ACCESS, to("/subscriptions/s/bogus/providers/Microsoft.Authorization/roleAssignments/x"));
        RouteTable.Match m = RouteTable.route("//subscriptions/s/providers/Microsoft.Network/virtualNetworks");
        assertEquals("Microsoft.Network", m.namespace());
    }
}

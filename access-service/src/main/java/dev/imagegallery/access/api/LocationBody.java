package dev.imagegallery.access.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.imagegallery.events.Regions;

import java.util.List;
import java.util.Map;

/**
 * A region of the deployment as ARM's subscription locations list answers it ({@code Location} in Azure's SDKs:
 * {@code az account list-locations}, Python's {@code subscriptions.list_locations}, Java's {@code listLocations}).
 * The regions are the deployment's ({@code gallery.regions}); a region Azure also has gets Azure's display name, any
 * other its name.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LocationBody(String id, String subscriptionId, String name, String type, String displayName,
                           String regionalDisplayName, Metadata metadata) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Metadata(String regionType, String regionCategory, String geographyGroup) {
    }

    /** Azure's display names of its regions (those a deployment most often names). */
    static final Map<String, String> AZURE_NAMES = Map.ofEntries(
            Map.entry("eastus", "East US"), Map.entry("eastus2", "East US 2"), Map.entry("westus", "West US"),
            Map.entry("westus2", "West US 2"), Map.entry("westus3", "West US 3"), Map.entry("centralus", "Central US"),
            Map.entry("northcentralus", "North Central US"), Map.entry("southcentralus", "South Central US"),
            Map.entry("westcentralus", "West Central US"), Map.entry("canadacentral", "Canada Central"),
            Map.entry("canadaeast", "Canada East"), Map.entry("brazilsouth", "Brazil South"),
            Map.entry("northeurope", "North Europe"), Map.entry("westeurope", "West Europe"),
            Map.entry("uksouth", "UK South"), Map.entry("ukwest", "UK West"), Map.entry("francecentral", "France Central"),
            Map.entry("germanywestcentral", "Germany West Central"), Map.entry("norwayeast", "Norway East"),
            Map.entry("swedencentral", "Sweden Central"), Map.entry("switzerlandnorth", "Switzerland North"),
            Map.entry("polandcentral", "Poland Central"), Map.entry("italynorth", "Italy North"),
            Map.entry("spaincentral", "Spain Central"), Map.entry("eastasia", "East Asia"),
            Map.entry("southeastasia", "Southeast Asia"), Map.entry("japaneast", "Japan East"),
            Map.entry("japanwest", "Japan West"), Map.entry("koreacentral", "Korea Central"),
            Map.entry("centralindia", "Central India"), Map.entry("southindia", "South India"),
            Map.entry("australiaeast", "Australia East"), Map.entry("australiasoutheast", "Australia Southeast"),
            Map.entry("southafricanorth", "South Africa North"), Map.entry("uaenorth", "UAE North"),
            Map.entry("qatarcentral", "Qatar Central"), Map.entry("israelcentral", "Israel Central"));

    static LocationBody of(String subscriptionId, String region) {
        String display = AZURE_NAMES.getOrDefault(region, region);
        String geography = Regions.geographyOf(region);
        return new LocationBody("/subscriptions/" + subscriptionId + "/locations/" + region, subscriptionId, region,
                "Region", display, geography == null ? display : "(" + geography + ") " + display,
                new Metadata("Physical", "Recommended", geography));
    }

    /** The deployment's regions, by name. */
    static List<LocationBody> all(String subscriptionId) {
        return Regions.names().stream().sorted().map(r -> of(subscriptionId, r)).toList();
    }
}

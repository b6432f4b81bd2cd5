package dev.imagegallery.catalog.domain;

import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.events.BlobRef;

import java.util.Locale;
import java.util.Map;

/**
 * A managed image as a PUT asks for it: what the client sent, null where absent.
 *
 * @param osDisk null when the request carried no {@code properties.storageProfile.osDisk}
 */
public record ManagedImageSpec(String location, Map<String, String> tags, OsDisk osDisk) {
    public record OsDisk(String osType, String osState, String blobUri) {
    }
    public static final String BLOB_URI_TARGET = "properties.storageProfile.osDisk.blobUri";

    /** A managed image's properties, validated; whether its blob exists is for the blob catalog to say. */
    public record Checked(String location, String osType, String osState, BlobRef blob, String blobUri) {
    }

    /**
     * The rules of a PUT that need no database: the names, the location, the OS type and state, and a blob URI that
     * the one {@link BlobRef} parser accepts, on this system's data plane ({@code dataPlaneUrl}, one of its
     * {@code aliases}, or {@code called}: the origin the client called through a proxy, where its uploads' URIs name
     * it too; null if none), in the image's location and subscription. Each failure names its field.
     */
    public static Checked check(ManagedImageSpec spec, String rg, String name, String sub, String dataPlaneUrl,
                                java.util.List<String> aliases, String called) {
        Validation.resourceGroup(rg);
        Validation.resourceName("image", name);
        if (spec == null || spec.osDisk() == null) {
            throw ArmException.invalidParameter("properties.storageProfile.osDisk", "The value of "
                    + "'properties.storageProfile.osDisk' is required.");
        }
        var disk = spec.osDisk();
        String location = Validation.region(spec.location(), "location");
        String osType = Validation.oneOf(Validation.OS_TYPES, disk.osType(), null,
                "properties.storageProfile.osDisk.osType");
        String osState = Validation.oneOf(Validation.OS_STATES, disk.osState(), null,
                "properties.storageProfile.osDisk.osState");
        String blobUri = disk.blobUri();
        BlobRef blob;
        try {
            blob = BlobRef.parse(blobUri);
        } catch (IllegalArgumentException e) {
            throw ArmException.invalidParameter(BLOB_URI_TARGET, e.getMessage());
        }
        String dataPlane = origin(dataPlaneUrl);
        if (!blob.baseUrl().equals(dataPlane) && !blob.baseUrl().equals(called)
                && aliases.stream().map(ManagedImageSpec::origin).noneMatch(blob.baseUrl()::equals)) {
            // through a proxy, the origin the client called: the service's own address is none of its business (it
            // was named here)
            throw ArmException.invalidParameter(BLOB_URI_TARGET, "The blob URI must be on this system's data plane, "
                    + (called != null ? called : dataPlane) + ", where the disk was uploaded.");
        }
        if (!blob.region().equals(location)) {
            throw ArmException.invalidParameter(BLOB_URI_TARGET, "The blob is in region '" + blob.region()
                    + "' but the image's location is '" + location + "'.");
        }
        if (!blob.subscriptionId().equalsIgnoreCase(sub)) {
            throw ArmException.invalidParameter(BLOB_URI_TARGET, "The blob belongs to another subscription.");
        }
        return new Checked(location, osType, osState, blob, blobUri);
    }

    private static String origin(String url) {
        return url.trim().replaceAll("/+$", "").toLowerCase(Locale.ROOT);
    }
}

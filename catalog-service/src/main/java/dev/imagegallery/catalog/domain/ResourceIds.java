package dev.imagegallery.catalog.domain;

import java.util.Locale;

/** ARM resource ids of the Microsoft.Compute resources, and their lower-case keys. */
public final class ResourceIds {
    private ResourceIds() {
    }

    public static String resourceGroup(String sub, String rg) {
        return "/subscriptions/" + sub + "/resourceGroups/" + rg;
    }

    public static String gallery(String sub, String rg, String gallery) {
        return resourceGroup(sub, rg) + "/providers/Microsoft.Compute/galleries/" + gallery;
    }

    public static String definition(String sub, String rg, String gallery, String image) {
        return gallery(sub, rg, gallery) + "/images/" + image;
    }

    public static String version(String sub, String rg, String gallery, String image, String version) {
        return definition(sub, rg, gallery, image) + "/versions/" + version;
    }

    public static String managedImage(String sub, String rg, String name) {
        return resourceGroup(sub, rg) + "/providers/Microsoft.Compute/images/" + name;
    }

    public static String key(String id) {
        return id.toLowerCase(Locale.ROOT);
    }
}

package dev.imagegallery.devstack;

/** Versions of the distributions the devstack modules unpack; keep in step with their poms. */
public final class Versions {
    public static final String KEYCLOAK = "26.7.3";

    private Versions() {
    }
}

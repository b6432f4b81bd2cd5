package dev.imagegallery.door.routing;

/** The services behind the front door, each a resource provider (or the data plane) as ARM routes to them. */
public enum Upstream {
    ACCESS("access-service"),
    CATALOG("catalog-service"),
    BILLING("billing-service"),
    REPLICATION("replication-service");

    private final String service;

    Upstream(String service) {
        this.service = service;
    }

    public String service() {
        return service;
    }
}

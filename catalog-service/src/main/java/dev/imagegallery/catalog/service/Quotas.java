package dev.imagegallery.catalog.service;

import dev.imagegallery.common.arm.ArmException;
import io.smallrye.mutiny.Uni;

/** Quotas per subscription and region (galleries, definitions, versions). */
final class Quotas {
    private Quotas() {
    }

    /** 409 QuotaExceeded when a subscription already holds the limit of a kind of resource in a region. */
    static Uni<Void> check(Uni<Long> count, int limit, String what, String location) {
        return count.map(n -> {
            if (n >= limit) {
                throw ArmException.conflict("QuotaExceeded", "The subscription already holds " + n + " " + what
                        + " in region '" + location + "', its limit; delete some or ask for a higher quota.",
                        "location");
            }
            return null;
        });
    }
}

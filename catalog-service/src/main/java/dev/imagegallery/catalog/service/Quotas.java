package dev.imagegallery.catalog.service;

import dev.imagegallery.common.arm.ArmException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

import java.util.Locale;

/** Quotas per subscription and region (galleries, definitions, versions). */
final class Quotas {
    private Quotas() {
    }

    /**
     * 409 QuotaExceeded when a subscription already holds the limit of a kind of resource in a region. Call it inside
     * the transaction that creates the resource: it first takes a transaction-scoped advisory lock on (kind,
     * subscription, region), so that concurrent creates count one after another instead of each counting the rows
     * before the others' inserts and passing the quota together. {@code count} runs after the lock.
     */
    static Uni<Void> check(String subscription, Uni<Long> count, int limit, String what, String location) {
        String key = "quota/" + what + "/" + subscription.toLowerCase(Locale.ROOT) + "/" + location;
        return Panache.getSession()
                .chain(s -> s.createNativeQuery("SELECT 1 FROM pg_advisory_xact_lock(hashtext(?1))")
                        .setParameter(1, key).getSingleResult())
                .chain(() -> count)
                .map(n -> {
                    if (n >= limit) {
                        throw ArmException.conflict("QuotaExceeded", "The subscription holds " + n + " " + what
                                + " in region '" + location + "' and its limit is " + limit
                                + "; delete some or ask for a higher quota.", "location");
                    }
                    return null;
                });
    }
}

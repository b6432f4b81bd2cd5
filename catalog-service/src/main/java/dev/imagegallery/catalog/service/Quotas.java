package dev.imagegallery.catalog.service;

import dev.imagegallery.common.arm.ArmException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Quotas per subscription and region (galleries, definitions, versions), exact under concurrent creates without
 * making every create wait for the one before it to commit.
 *
 * <p>Each create takes a transaction-scoped advisory lock on (kind, subscription, region) before it counts, and holds
 * it to its commit. Far from the limit the lock is <b>shared</b>: creates run side by side. Near it, <b>exclusive</b>:
 * a create then waits for every create in flight to commit, counts them all, and the next waits for it. Where the line
 * lies: creates in flight at once are at most PostgreSQL's {@code max_connections} ({@code K}, each holds a connection
 * of its own), so a shared create that counts fewer than {@code limit - K} rows cannot pass the limit whatever the
 * others in flight do. The path is chosen on a count taken before any lock ({@code limit - 2K}), so that a shared
 * holder never has to become exclusive (two doing that would deadlock); in the rare case that K creates commit between
 * that count and the one under the lock, the create is answered 429 with {@code Retry-After}, which ARM clients retry.
 *
 * <p>Before, every create took the lock exclusively: creates in one subscription and region ran one after another
 * from the lock to their commit (several round trips and the commit's fsync each), and a burst of 1,000 versions from
 * 8 clients took 130 to 230 s where the same PUTs one at a time took 30 ms each (bench/replication/burst.sh).
 */
final class Quotas {
    /** PostgreSQL's {@code max_connections}, read once (a restart of PostgreSQL with another value restarts us). */
    private static final AtomicLong MAX_CONNECTIONS = new AtomicLong();

    private Quotas() {
    }

    /**
     * 409 QuotaExceeded when a subscription already holds the limit of a kind of resource in a region. Call it inside
     * the transaction that creates the resource, right before its inserts. {@code count} is subscribed to twice (before
     * and after the lock): it must run its query at each subscription, as Panache's counts do.
     */
    static Uni<Void> check(String subscription, Uni<Long> count, int limit, String what, String location) {
        String key = "quota/" + what + "/" + subscription.toLowerCase(Locale.ROOT) + "/" + location;
        return maxConnections().chain(k -> count.chain(before -> {
            boolean shared = before < limit - 2 * k;
            String lock = shared ? "pg_advisory_xact_lock_shared" : "pg_advisory_xact_lock";
            return Panache.getSession()
                    .chain(s -> s.createNativeQuery("SELECT 1 FROM " + lock + "(hashtext(?1))")
                            .setParameter(1, key).getSingleResult())
                    .chain(() -> count)
                    .map(n -> {
                        if (shared && n >= limit - k) {
                            throw new ArmException(429, "TooManyRequests", "Too many " + what + " are being "
                                    + "created in region '" + location + "' at once to count them against the "
                                    + "quota; retry.", null);
                        }
                        if (n >= limit) {
                            throw ArmException.conflict("QuotaExceeded", "The subscription holds " + n + " " + what
                                    + " in region '" + location + "' and its limit is " + limit
                                    + "; delete some or ask for a higher quota.", "location");
                        }
                        return null;
                    });
        }));
    }

    private static Uni<Long> maxConnections() {
        long known = MAX_CONNECTIONS.get();
        if (known > 0) {
            return Uni.createFrom().item(known);
        }
        return Panache.getSession()
                .chain(s -> s.createNativeQuery("SELECT current_setting('max_connections')::bigint", Long.class)
                        .getSingleResult())
                .map(n -> {
                    MAX_CONNECTIONS.set(n);
                    return n;
                });
    }
}

package dev.imagegallery.access.service;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/**
 * Transaction-scoped PostgreSQL advisory locks, for writes that must be serialised on a key before the row it names
 * exists (two PUTs of one new subscription id): the second waits for the first to commit and then sees its row, so
 * it answers 200 rather than losing a unique-key race.
 */
final class Locks {
    private Locks() {
    }

    /** Waits for, and then holds until the transaction ends, the lock of {@code key}. */
    static Uni<Void> exclusive(String key) {
        return Panache.getSession().flatMap(s -> s.createNativeQuery(
                        "SELECT 1 FROM pg_advisory_xact_lock(hashtext(:key))", Integer.class)
                .setParameter("key", key).getSingleResult()).replaceWithVoid();
    }
}

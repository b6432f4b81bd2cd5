package dev.imagegallery.common.arm;

import io.smallrye.mutiny.Uni;

import java.util.function.Supplier;

/**
 * A write that lost a race with a concurrent request on the same rows: a unique key the other created first, a row it
 * changed or deleted first (a stale version), a row referred to that it deleted. The other request has committed by
 * then (PostgreSQL makes the loser wait for it), so the write, run again in a transaction of its own, sees what the
 * other wrote and answers as if the two had come one after the other: an identical PUT its 200, a definition that
 * wanted the same identifier its {@code GalleryImageIdentifierConflict}, a child of a deleted gallery its 404. A write
 * that still loses after {@link #ATTEMPTS} is the client's 409 {@code Conflict} ({@link ArmExceptionMappers}).
 */
public final class ConcurrentChange {
    /** Runs of a write in all; each loss means another request committed, so a fourth is seldom worth it. */
    public static final int ATTEMPTS = 3;

    private ConcurrentChange() {
    }

    /** Whether {@code e} is a write's loss to a concurrent request. */
    public static boolean is(Throwable e) {
        return ArmExceptionMappers.isUniqueViolation(e)
                || ArmExceptionMappers.causeOf(e, jakarta.persistence.OptimisticLockException.class) != null
                || ArmExceptionMappers.causeOf(e, org.hibernate.StaleStateException.class) != null;
    }

    /**
     * {@code write} (a call of a {@code @WithTransaction} method: each call a transaction of its own), called again
     * at once after a loss to a concurrent request, up to {@link #ATTEMPTS} calls in all. At once: on the same event
     * loop, where the reactive session must stay.
     */
    public static <T> Uni<T> retried(Supplier<Uni<? extends T>> write) {
        return Uni.createFrom().<T>deferred(write).onFailure(ConcurrentChange::is).retry().atMost(ATTEMPTS - 1);
    }
}

package dev.imagegallery.common.db;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

import java.time.Duration;

/**
 * Waits for a row that an event under way is about to write into a service's read model: a blob uploaded a moment ago
 * (catalog-service), a gallery created a moment ago (access-service). Asks {@code query} every
 * {@value #POLL_MILLIS} ms until it answers a row or {@code wait} is over. No transaction is open while it waits, and
 * it polls with a timer of the caller's Vert.x context, so the request goes on where it started.
 */
public final class RowWait {
    /** How often the query is asked again. */
    public static final long POLL_MILLIS = 100;

    private RowWait() {
    }

    /** True once {@code query} with {@code args} answers a row; false when {@code wait} is over first. */
    public static Uni<Boolean> until(Pool pool, Vertx vertx, String query, Tuple args, Duration wait) {
        return poll(pool, vertx, query, args, System.nanoTime() + wait.toNanos());
    }

    private static Uni<Boolean> poll(Pool pool, Vertx vertx, String query, Tuple args, long deadline) {
        return pool.preparedQuery(query).execute(args).flatMap(rows -> {
            if (rows.size() > 0) {
                return Uni.createFrom().item(true);
            }
            if (System.nanoTime() + POLL_MILLIS * 1_000_000 > deadline) {
                return Uni.createFrom().item(false);
            }
            return Uni.createFrom().<Long>emitter(em -> vertx.setTimer(POLL_MILLIS, em::complete))
                    .flatMap(x -> poll(pool, vertx, query, args, deadline));
        });
    }
}

package dev.imagegallery.common.db;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.DatabaseException;

import java.time.Duration;
import java.util.Set;

/**
 * A failure that is the state of the database (or another service a request needs), not of the request or event: the
 * connection refused (PostgreSQL restarting, failing over, its host down), a connection closed under a statement, the
 * server shutting down or starting up ({@code 57P01}, {@code 57P03}), out of connections or space (class {@code 53}), a
 * connection failure (class {@code 08}). The same request succeeds once the database is back, so the API answers it
 * 503 {@code ServiceUnavailable} with {@code Retry-After} (Azure's SDKs retry it), not 500, and an event consumer waits
 * for the database ({@link #waitedOut}) rather than giving the event up after a few attempts: a restart of PostgreSQL
 * longer than those attempts (about 20 s) lost every event that arrived meanwhile.
 */
public final class Unavailable {
    /** SQLSTATEs of a server that is going away or coming back, beside classes 08 and 53. */
    static final Set<String> STATES = Set.of("57P01", "57P02", "57P03", "57P05");
    /** The longest wait between two attempts while the database is away. */
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private Unavailable() {
    }

    /** Whether {@code e}, or a cause of it, says the database (or a service needed) cannot be reached now. */
    public static boolean is(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof java.net.NoRouteToHostException
                    || t instanceof ClosedConnectionException || t instanceof java.nio.channels.ClosedChannelException) {
                return true;
            }
            if (t instanceof DatabaseException db && state(db.getSqlState())) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    static boolean state(String sqlState) {
        return sqlState != null && (sqlState.startsWith("08") || sqlState.startsWith("53") || STATES.contains(sqlState));
    }

    /**
     * {@code work} (a Uni that runs anew on each subscription) run again, waiting up to {@link #MAX_BACKOFF} between
     * attempts, for as long as it fails on an unavailable database; any other failure passes on at once. For event
     * consumers: the partition waits for the database, and its offset does not move meanwhile.
     */
    public static <T> Uni<T> waitedOut(Uni<T> work, String what) {
        return waitedOut(work, what, Duration.ofMillis(200), MAX_BACKOFF);
    }

    static <T> Uni<T> waitedOut(Uni<T> work, String what, Duration first, Duration most) {
        // each attempt on the caller's Vert.x context: a retry after a delay resubscribes on a timer's thread, where a
        // reactive Hibernate session cannot be opened. The first attempt (on that context already) runs inline: a hop
        // there would cost every consumed event one more event-loop task
        io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
        Uni<T> onContext = context == null ? work
                : work.runSubscriptionOn(task -> {
                    if (io.vertx.core.Vertx.currentContext() == context) {
                        task.run();
                    } else {
                        context.runOnContext(v -> task.run());
                    }
                });
        return onContext.onFailure(Unavailable::is).invoke(e -> Log.warnf("%s: the database is unavailable (%s); "
                        + "trying again", what, e.getMessage()))
                .onFailure(Unavailable::is).retry().withBackOff(first, most)
                .atMost(Long.MAX_VALUE);
    }
}

package dev.imagegallery.door.server;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client connection must send a whole request head within {@code gallery.door.listen.header-timeout} of opening, and
 * of the end of its last response (a kept-alive connection waiting for its next request): else it is closed, as
 * nginx's {@code client_header_timeout} does. The idle timeout alone let a client keep a connection, and its buffers,
 * for ever by sending a byte of headers every few seconds (Vert.x has no bound on the time a request head takes). A
 * connection with a request in progress (an upload, a slow download) is never closed by this.
 */
final class HeaderDeadline {
    private final Vertx vertx;
    private final long timeoutMillis;
    private final Map<HttpConnection, State> connections = new ConcurrentHashMap<>();

    /** A connection's requests in progress and the timer that closes it while there are none. */
    private static final class State {
        int inProgress;
        long timer = -1;
    }

    HeaderDeadline(Vertx vertx, Duration timeout) {
        this.vertx = vertx;
        this.timeoutMillis = Math.max(1, timeout.toMillis());
    }

    /** A new connection (on its event loop): its first request head is due. */
    void opened(HttpConnection connection) {
        State state = new State();
        connections.put(connection, state);
        connection.closeHandler(v -> {
            State s = connections.remove(connection);
            if (s != null && s.timer >= 0) {
                vertx.cancelTimer(s.timer);
            }
        });
        arm(connection, state);
    }

    /** A request head arrived (on the connection's event loop): nothing is due until its response has ended. */
    void begun(HttpServerRequest request) {
        HttpConnection connection = request.connection();
        State state = connections.get(connection);
        if (state == null) {
            return; // closed meanwhile
        }
        state.inProgress++;
        if (state.timer >= 0) {
            vertx.cancelTimer(state.timer);
            state.timer = -1;
        }
        request.response().endHandler(v -> {
            // a pipelined request may have begun before this one's response ended
            if (--state.inProgress == 0 && connections.get(connection) == state) {
                arm(connection, state);
            }
        });
    }

    private void arm(HttpConnection connection, State state) {
        state.timer = vertx.setTimer(timeoutMillis, id -> {
            if (state.timer == id && state.inProgress == 0) {
                connection.close();
            }
        });
    }
}

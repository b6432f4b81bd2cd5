package dev.imagegallery.door.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;

/**
 * Closes a connection whose answer went out before its request body was read (the door's 413) without losing that
 * answer: the rest of the body is read and dropped, and the connection closed once the client has sent all of it, has
 * sent nothing for {@link #IDLE_MS}, or after {@link #MAX_MS} in all (RFC 9112, section 9.6; nginx's lingering close).
 * Closed at once, the socket still held bytes the door had not read, and the kernel answers those with a reset: a
 * client still sending its body, or reading to the end of the connection, got "connection reset" in place of the 413.
 */
final class Linger {
    /** A client that sends nothing for this long has stopped: nginx's {@code lingering_timeout} is 5 s. */
    static final long IDLE_MS = 1_000;
    /** However much a client goes on sending, the connection is closed after this (nginx: 30 s). */
    static final long MAX_MS = 10_000;

    private final HttpServerRequest request;
    private final HttpConnection connection;
    private final long start = System.nanoTime();
    private long lastRead = start;
    private boolean closed;

    private Linger(HttpServerRequest request) {
        this.request = request;
        this.connection = request.connection();
    }

    /** Called once the answer is written (on the request's event loop). */
    static void close(HttpServerRequest request) {
        if (request.isEnded()) {
            request.connection().close(); // nothing of the request is left to read
            return;
        }
        new Linger(request).drain();
    }

    /**
     * For an answer written whole but not ended, to a request the HTTP decoder refused (Vert.x closes such a connection
     * the moment its answer ends, whatever is still unread): ends it after {@link #IDLE_MS}, or at once if the client
     * closes first. The decoder drops what follows without showing it, so a client's silence cannot be told here.
     */
    static void endLater(HttpServerRequest request) {
        var response = request.response();
        request.handler(piece -> { }); // keep reading (and dropping): a paused request stops the reads
        request.resume();
        Vertx vertx = Vertx.currentContext().owner();
        long timer = vertx.setTimer(IDLE_MS, t -> {
            if (!response.ended() && !response.closed()) {
                response.end();
            }
        });
        response.closeHandler(v -> vertx.cancelTimer(timer));
    }

    private void drain() {
        // the request is taken from whoever read it (the proxy's pipe): what comes now is dropped
        request.handler(piece -> lastRead = System.nanoTime());
        request.endHandler(v -> close());
        request.exceptionHandler(e -> close()); // the client closed, or its body was not valid HTTP
        request.resume();
        Vertx.currentContext().owner().setTimer(IDLE_MS, this::check);
    }

    private void check(long timer) {
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        long idle = (now - lastRead) / 1_000_000;
        if (idle >= IDLE_MS || (now - start) / 1_000_000 >= MAX_MS) {
            close();
        } else {
            Vertx.currentContext().owner().setTimer(IDLE_MS - idle, this::check);
        }
    }

    private void close() {
        if (!closed) {
            closed = true;
            connection.close();
        }
    }
}

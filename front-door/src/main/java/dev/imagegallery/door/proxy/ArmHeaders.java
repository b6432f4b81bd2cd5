package dev.imagegallery.door.proxy;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The headers ARM puts on every response, whoever answered (a service, or the door itself with an error):
 * {@code x-ms-request-id} (new for each request), {@code x-ms-correlation-request-id} (the client's when it sent a
 * usable one, else new) and {@code x-ms-client-request-id} echoed when the client asks with
 * {@code x-ms-return-client-request-id: true}. The ids also go to the service as request headers, so that its log can
 * name them.
 */
final class ArmHeaders {
    static final String REQUEST_ID = "x-ms-request-id";
    static final String CORRELATION_ID = "x-ms-correlation-request-id";
    static final String CLIENT_REQUEST_ID = "x-ms-client-request-id";
    static final String RETURN_CLIENT_REQUEST_ID = "x-ms-return-client-request-id";
    /** What the door repeats back of a client's id: ARM's are GUIDs; anything printable up to 256 characters. */
    private static final Pattern SAFE = Pattern.compile("[\\x21-\\x7e]{1,256}");

    private ArmHeaders() {
    }

    /** Gives the request its ids and arranges for the response to carry them, however it ends. */
    static void apply(HttpServerRequest request) {
        String requestId = newId();
        String correlation = usable(request.getHeader(CORRELATION_ID));
        String correlationId = correlation != null ? correlation : newId();
        String clientId = "true".equalsIgnoreCase(request.getHeader(RETURN_CLIENT_REQUEST_ID))
                ? usable(request.getHeader(CLIENT_REQUEST_ID)) : null;
        request.headers().set(REQUEST_ID, requestId).set(CORRELATION_ID, correlationId);
        HttpServerResponse response = request.response();
        response.headersEndHandler(v -> {
            response.headers().set(REQUEST_ID, requestId).set(CORRELATION_ID, correlationId);
            if (clientId != null) {
                response.headers().set(CLIENT_REQUEST_ID, clientId);
            } else {
                response.headers().remove(CLIENT_REQUEST_ID);
            }
            int status = response.getStatusCode();
            if (status == 304 || status == 204 || status < 200) {
                // an answer that never has a body has no body framing either (FrontDoor's NoBody)
                response.headers().remove(io.vertx.core.http.HttpHeaders.TRANSFER_ENCODING)
                        .remove(io.vertx.core.http.HttpHeaders.CONTENT_LENGTH);
            }
        });
    }

    /**
     * A random (version 4) UUID from the thread's generator: an id names a request, it guards nothing, and
     * {@link UUID#randomUUID()} takes a lock on the JVM's one SecureRandom for every request.
     */
    static String newId() {
        var r = java.util.concurrent.ThreadLocalRandom.current();
        long hi = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lo = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(hi, lo).toString();
    }

    private static String usable(String value) {
        return value != null && SAFE.matcher(value).matches() ? value : null;
    }
}

package dev.imagegallery.common.http;

import dev.imagegallery.common.arm.ArmExceptionMappers;
import dev.imagegallery.common.arm.ArmPathCase;
import dev.imagegallery.common.arm.BodyLimitFilter;
import io.quarkus.logging.Log;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.Json;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.Map;

/**
 * The first thing every request meets, in every service, ahead of authentication and of every route (hand-written
 * Vert.x routes included):
 * <ul>
 *   <li>a path with a literal {@code ;} is refused: JAX-RS would take what follows as matrix parameters and drop it,
 *       so {@code galleries/rel-fz;x} would silently act on {@code rel-fz} (a name that needs the character sends it
 *       percent-encoded, {@code %3B});</li>
 *   <li>a query parameter that is not valid percent-encoding, or whose name or value holds a control character
 *       (NUL among them: PostgreSQL refuses it), is refused with the parameter in {@code target};</li>
 *   <li>an ARM body (any path but the data plane's {@code /blobs}) declared larger than
 *       {@link HttpGuardConfig#maxJsonBody()} is refused with 413 before it is read, and its connection closed once
 *       the client has stopped sending ({@link Linger}: the rest is read and dropped, so that the client reads the
 *       413 and not a reset); Quarkus' own check of {@code quarkus.http.limits.max-body-size},
 *       which runs after this one, answered it with an empty 413;</li>
 *   <li>ARM's fixed path words written in another case ({@code resourcegroups}, {@code microsoft.compute}) are
 *       routed as the routes spell them ({@link ArmPathCase});</li>
 *   <li>a request that has not been answered {@link HttpGuardConfig#requestTimeout()} after its headers arrived is
 *       answered 504 and its connection closed, so no request outlives its timeout whatever it waits on (its
 *       transaction is bounded by PostgreSQL's {@code idle_in_transaction_session_timeout} and
 *       {@code statement_timeout}, set for every connection in the shared configuration).</li>
 * </ul>
 */
@ApplicationScoped
public class RequestGuard {
    /** Ahead of Quarkus' security and metrics handlers and of catalog's early resolve route (order -1,000,000). */
    static final int PRIORITY = 2_000_000;

    private final HttpGuardConfig config;
    private final Vertx vertx;

    public RequestGuard(HttpGuardConfig config, Vertx vertx) {
        this.config = config;
        this.vertx = vertx;
    }

    void install(@Observes Filters filters) {
        filters.register(this::guard, PRIORITY);
    }

    void guard(RoutingContext rc) {
        String rawPath = rc.request().path();
        if (rawPath != null && rawPath.indexOf(';') >= 0) {
            refuse(rc, ArmExceptionMappers.failure(400, "InvalidRequestUri", "The request path contains ';'. Resource "
                    + "names cannot hold it unencoded (send it as %3B where a name may contain it).", null));
            return;
        }
        ArmExceptionMappers.Failure bad = checkQuery(rc);
        if (bad != null) {
            refuse(rc, bad);
            return;
        }
        if (rawPath == null || !rawPath.startsWith("/blobs")) {
            ArmExceptionMappers.Failure large = BodyLimitFilter.check(
                    rc.request().getHeader(HttpHeaders.CONTENT_LENGTH), config.maxJsonBody());
            if (large != null) {
                rc.response().setStatusCode(large.status())
                        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                        .putHeader(HttpHeaders.CONNECTION, "close")
                        .end(Json.encode(large.body()))
                        .onComplete(x -> Linger.close(rc.request()));
                return;
            }
        }
        String canonical = ArmPathCase.canonical(rawPath);
        if (canonical != rawPath) {
            // ARM's fixed words in any case (resourcegroups, microsoft.compute): routed again as the routes spell
            // them, through every handler from the first (this one included, which then finds nothing to change)
            String query = rc.request().query();
            rc.reroute(query == null ? canonical : canonical + "?" + query);
            return;
        }
        if (!exempt(rawPath)) {
            long ms = Math.max(1, config.requestTimeout().toMillis());
            long timer = vertx.setTimer(ms, id -> expire(rc));
            rc.addEndHandler(x -> vertx.cancelTimer(timer));
        }
        rc.next();
    }

    private boolean exempt(String path) {
        if (path == null) {
            return false;
        }
        for (String prefix : config.timeoutExempt()) {
            if (path.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    static ArmExceptionMappers.Failure checkQuery(RoutingContext rc) {
        String query = rc.request().query();
        if (query == null || query.isEmpty()) {
            return null;
        }
        io.vertx.core.MultiMap params;
        try {
            params = rc.queryParams();
        } catch (RuntimeException e) {
            return ArmExceptionMappers.failure(400, "InvalidQueryString", "The query string is not valid "
                    + "percent-encoding.", null);
        }
        for (Map.Entry<String, String> e : params) {
            if (hasControl(e.getKey()) || hasControl(e.getValue())) {
                return ArmExceptionMappers.failure(400, "InvalidParameter", "The query parameter '"
                        + printable(e.getKey()) + "' contains a control character.", printable(e.getKey()));
            }
        }
        return null;
    }

    static boolean hasControl(String s) {
        if (s == null) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 100; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return b.toString();
    }

    private void expire(RoutingContext rc) {
        HttpServerResponse response = rc.response();
        if (response.ended() || response.closed()) {
            return;
        }
        // a body still arriving is the client's doing (it stalled, or sent less than its Content-Length): 408, a 4xx,
        // not the 504 of a request the service could not finish in time
        // (a request that declares no body has none to wait for: one held up before its end was read, by a token's
        // verification waiting on the identity provider, is the service's 504, not the client's 408)
        boolean bodyPending = !rc.request().isEnded() && declaresBody(rc.request());
        int status = bodyPending ? 408 : 504;
        Log.warnf("%s %s was not answered within %s: answered %d and its connection closed",
                rc.request().method(), rc.request().path(), config.requestTimeout(), status);
        if (response.headWritten()) {
            rc.request().connection().close();
            return;
        }
        var f = bodyPending
                ? ArmExceptionMappers.failure(408, "RequestTimeout", "The request body did not arrive in full within "
                        + config.requestTimeout().toSeconds() + " seconds (fewer bytes than its Content-Length, or a "
                        + "client that stopped sending); nothing was changed.", null)
                : ArmExceptionMappers.failure(504, "GatewayTimeout", "The request was not completed within "
                        + config.requestTimeout().toSeconds() + " seconds and was abandoned; retry it.", null);
        response.setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end(Json.encode(f.body()))
                .onComplete(x -> Linger.close(rc.request()));
    }

    /** Whether the client said it sends a body: a {@code Content-Length} above zero, or chunked coding. */
    static boolean declaresBody(io.vertx.core.http.HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        return request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null
                || (length != null && !length.trim().equals("0"));
    }

    private static void refuse(RoutingContext rc, ArmExceptionMappers.Failure f) {
        rc.response().setStatusCode(f.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(Json.encode(f.body()));
    }
}

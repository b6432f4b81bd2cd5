package dev.imagegallery.catalog.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagegallery.catalog.domain.Validation;
import dev.imagegallery.catalog.service.ResolutionService;
import dev.imagegallery.common.arm.ApiVersionFilter;
import dev.imagegallery.common.arm.ArmExceptionMappers;
import dev.imagegallery.common.arm.BodyLimitFilter;
import dev.imagegallery.common.http.HttpGuardConfig;
import dev.imagegallery.common.http.Origins;
import dev.imagegallery.common.security.CallerProducer;
import io.quarkus.logging.Log;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticator;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.impl.HttpServerRequestInternal;
import io.vertx.core.net.impl.URIDecoder;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code POST /subscriptions/{sub}/providers/Microsoft.Compute/locations/{location}/resolveImageReference}: what a
 * VM-creation flow calls on every VM it creates, so the one hot endpoint of the catalog.
 * <p>
 * A Vert.x route rather than a JAX-RS method: RESTEasy's per-request machinery (request scope, context propagation
 * of every Mutiny step, reader and writer lookup, the filter chain) cost more than resolving itself. Everything else
 * a JAX-RS request gets, it gets the same way: authentication through Quarkus' HTTP security (the same mechanisms and
 * token cache), the api-version, path and body-size checks of {@link ApiVersionFilter} and {@link BodyLimitFilter}, the
 * application's {@link ObjectMapper}, and its errors from {@link ArmExceptionMappers#describe}. Its OpenAPI description
 * is in {@code META-INF/openapi.yaml}.
 */
@ApplicationScoped
public class ResolveRoute {
    static final String PATH = "/subscriptions/:subscriptionId/providers/Microsoft.Compute/locations/:location"
            + "/resolveImageReference";
    static final String TEMPLATE = "/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}"
            + "/resolveImageReference";
    private static final String SUFFIX = "/resolveImageReference";
    private static final Pattern RAW = Pattern.compile(
            "/subscriptions/([^/]+)/providers/Microsoft\\.Compute/locations/([^/]+)/resolveImageReference");
    /** Before the security and metrics filters (orders -1 x their priority: hundreds), after Quarkus' own first handlers. */
    private static final int EARLY = -1_000_000;
    /** Where Quarkus' HTTP metrics look for a request's URI template (as RESTEasy's observability handler puts it). */
    private static final String URL_PATH_TEMPLATE = "UrlPathTemplate";
    private static final String JSON = "application/json";

    private final ResolutionService resolution;
    private final ObjectMapper mapper;
    private final HttpAuthenticator authenticator;
    private final long maxBody;

    public ResolveRoute(ResolutionService resolution, ObjectMapper mapper, HttpAuthenticator authenticator,
                        HttpGuardConfig http) {
        this.resolution = resolution;
        this.mapper = mapper;
        this.authenticator = authenticator;
        this.maxBody = http.maxJsonBody();
    }

    void install(@Observes Router router) {
        // Ahead of every filter: a request for this endpoint is answered here without Vert.x normalising its path
        // (slow for any path with a dot, as every ARM path has) or RESTEasy's observability handler matching it.
        router.route().order(EARLY).handler(rc -> {
            var request = rc.request();
            String path = request.path();
            if (request.method() == HttpMethod.POST && path.endsWith(SUFFIX)) {
                var m = RAW.matcher(path);
                if (m.matches()) {
                    handle(rc, m.group(1), m.group(2), true);
                    return;
                }
            }
            rc.next();
        });
        // the same endpoint for the spellings the pattern above leaves to the router (dot segments, double slashes)
        router.post(PATH).order(RouteConstants.ROUTE_ORDER_BEFORE_DEFAULT)
                .handler(rc -> handle(rc, rc.pathParam("subscriptionId"), rc.pathParam("location"), false));
        router.route(PATH).order(RouteConstants.ROUTE_ORDER_BEFORE_DEFAULT + 1).handler(rc -> {
            rc.response().putHeader(HttpHeaders.ALLOW, "POST");
            end(rc, ArmExceptionMappers.failure(405, "MethodNotAllowed", "resolveImageReference accepts only POST.",
                    null));
        });
    }

    /**
     * @param early whether this runs ahead of the HTTP filters: then {@code sub} and {@code location} are still
     *              percent-encoded, and this authenticates the request itself (the same {@link HttpAuthenticator} the
     *              filter uses) and names the metrics' URI template.
     */
    void handle(RoutingContext rc, String sub, String location, boolean early) {
        try {
            if (early) {
                receive(rc, URIDecoder.decodeURIComponent(sub, false), URIDecoder.decodeURIComponent(location, false),
                        true);
            } else {
                receive(rc, sub, location, false);
            }
        } catch (RuntimeException e) {
            // whatever fails before the answer is under way is an ARM error too, never Vert.x's bare 500 page
            rc.request().resume();
            end(rc, ArmExceptionMappers.describe(e));
        }
    }

    private void receive(RoutingContext rc, String sub, String location, boolean early) {
        var request = rc.request();
        if (early) {
            ((HttpServerRequestInternal) request).context().putLocal(URL_PATH_TEMPLATE, TEMPLATE);
        }
        ArmExceptionMappers.Failure refused = ApiVersionFilter.check(request.path(),
                () -> ApiVersionFilter.given(request.params().getAll("api-version")));
        if (refused == null) {
            refused = BodyLimitFilter.check(request.getHeader(HttpHeaders.CONTENT_LENGTH), maxBody);
        }
        if (refused == null && request.headers().contains(HttpHeaders.TRANSFER_ENCODING)
                && request.getHeader(HttpHeaders.CONTENT_LENGTH) == null) {
            refused = ArmExceptionMappers.failure(411, "LengthRequired", "The request body must be sent with a "
                    + "Content-Length header.", "Content-Length");
        }
        if (refused == null && !isJson(request.getHeader(HttpHeaders.CONTENT_TYPE))) {
            refused = ArmExceptionMappers.failure(415, "UnsupportedMediaType", "The request content must be "
                    + "application/json.", "Content-Type");
        }
        if (refused != null) {
            request.resume(); // a body sent with the refused request is read and dropped, so the client sees the answer
            end(rc, refused);
            return;
        }
        if (VertxContext.isOnDuplicatedContext()) {
            // the cache misses open Hibernate Reactive sessions, which need a context marked safe for them
            VertxContextSafetyToggle.setCurrentContextSafe(true);
        }
        // a body handler ahead of this route (some extensions install one) has read the body already
        Future<Buffer> received;
        if (rc.body().available()) {
            received = Future.succeededFuture(rc.body().buffer());
        } else {
            received = request.body();
            request.resume(); // the router pauses each request until a handler asks for its body
        }
        received.onComplete(read -> {
            if (read.failed()) {
                Log.debugf("resolveImageReference: the request body could not be read: %s", read.cause());
                end(rc, ArmExceptionMappers.failure(400, "InvalidRequestContent", "The request body could not be "
                        + "read.", null));
                return;
            }
            Buffer raw = read.result() == null ? Buffer.buffer() : read.result();
            Uni<SecurityIdentity> who = early ? authenticator.attemptAuthentication(rc)
                    : QuarkusHttpUser.getSecurityIdentity(rc, authenticator.getIdentityProviderManager());
            Uni<Bodies.ResolveResult> answer = who
                    .flatMap((SecurityIdentity identity) -> {
                        // as for a JAX-RS method: who is asking before what is asked
                        var caller = CallerProducer.fromIdentity(identity);
                        Bodies.ResolveRequest body;
                        try {
                            body = raw.length() == 0 ? null : mapper.readValue(raw.getBytes(),
                                    Bodies.ResolveRequest.class);
                        } catch (java.io.IOException e) {
                            return Uni.createFrom().failure(e);
                        }
                        Validation.subscriptionId(sub);
                        return resolution.resolve(caller, sub, location, Requests.resolve(body),
                                        Origins.forwarded(rc.request()))
                                .map(Requests::resolution);
                    });
            answer.subscribe().with(result -> ok(rc, result), failure -> end(rc, ArmExceptionMappers.describe(failure)));
        });
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return true;
        }
        String type = contentType.toLowerCase(Locale.ROOT);
        int semicolon = type.indexOf(';');
        type = (semicolon >= 0 ? type.substring(0, semicolon) : type).trim();
        return type.equals(JSON) || type.isEmpty();
    }

    private void ok(RoutingContext rc, Bodies.ResolveResult result) {
        byte[] bytes;
        try {
            bytes = mapper.writeValueAsBytes(result);
        } catch (Exception e) {
            end(rc, ArmExceptionMappers.describe(e));
            return;
        }
        write(rc, 200, Buffer.buffer(bytes));
    }

    private void end(RoutingContext rc, ArmExceptionMappers.Failure failure) {
        if (failure.status() == 401) {
            rc.response().putHeader("WWW-Authenticate", "Bearer");
        }
        byte[] bytes;
        try {
            bytes = mapper.writeValueAsBytes(failure.body());
        } catch (Exception e) {
            bytes = "{\"error\":{\"code\":\"InternalServerError\",\"message\":\"The error could not be written.\"}}"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        write(rc, failure.status(), Buffer.buffer(bytes));
    }

    private static void write(RoutingContext rc, int status, Buffer body) {
        var response = rc.response();
        if (response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body);
    }
}

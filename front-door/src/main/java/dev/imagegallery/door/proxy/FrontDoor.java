package dev.imagegallery.door.proxy;

import dev.imagegallery.door.config.DoorConfig;
import dev.imagegallery.door.portal.Portal;
import dev.imagegallery.door.routing.RouteTable;
import dev.imagegallery.door.routing.Upstream;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.NotSslRecordException;
import io.quarkus.logging.Log;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.streams.ReadStream;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyOptions;
import io.vertx.httpproxy.ProxyResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The one ARM endpoint: every request gets ARM's request ids ({@link ArmHeaders}), is routed by its path
 * ({@link RouteTable}) and handed to Vert.x's reverse proxy for that service, which streams the body both ways (a pipe
 * with back-pressure: the door never holds more than a few buffers of an upload or a download). What the door answers
 * itself is an ARM error: 404 where no service serves the path, 400 for a path with dot segments (a route must not be
 * chosen on one path and served on another), 413 for an ARM body larger than the services take, 502 where the service
 * cannot be reached, and 400, 414 or 431 for what the HTTP decoder refused ({@link #invalid}). {@code /portal/} is the
 * door's own: the portal's files ({@link Portal}). The servers that hand requests to it are the door's own
 * ({@code DoorServer}).
 */
@ApplicationScoped
public class FrontDoor implements Handler<HttpServerRequest> {
    private final DoorConfig config;
    private final Portal portal;
    private final Map<Upstream, HttpProxy> proxies = new EnumMap<>(Upstream.class);

    @Inject
    public FrontDoor(DoorConfig config, Vertx vertx, Portal portal) {
        this.config = config;
        this.portal = portal;
        HttpClient client = vertx.createHttpClient(new HttpClientOptions()
                .setKeepAlive(true)
                .setMaxPoolSize(config.poolSize())
                .setConnectTimeout((int) config.connectTimeout().toMillis())
                // a connection with no traffic either way for this long is closed: a pooled one, or a service that
                // hangs (the request then fails and the client gets a 502, not a hang)
                .setIdleTimeout((int) config.upstreamIdleTimeout().toSeconds())
                .setDecompressionSupported(false)
                // a download's body in pieces of up to chunk-size, as the upload's (DoorServer's maxChunkSize)
                .setMaxChunkSize(config.chunkSize().asBigInteger().intValueExact()));
        for (Upstream u : Upstream.values()) {
            Instances instances = new Instances(uris(u).stream().map(Instance::of).toList());
            // no WebSocket tunnelling: no service takes one, and the proxy answered an upgrade the service refused
            // with its status alone, dropping the service's ARM error; as plain HTTP (Upgrade and Connection are
            // hop-by-hop headers, not passed on) the service's answer comes through whole
            HttpProxy proxy = HttpProxy.reverseProxy(new ProxyOptions().setSupportWebSocket(false), client);
            proxy.origin(ctx -> instances.request(ctx.client())
                    .map(upstream -> expectContinue(ctx, buffered(ctx, upstream))));
            proxy.addInterceptor(new OriginForm());
            proxy.addInterceptor(new Unreachable(u));
            proxy.addInterceptor(new NoBody());
            if (u != Upstream.REPLICATION) {
                proxy.addInterceptor(new ChunkedArmBody(config.maxArmBody().asLongValue()));
            }
            proxies.put(u, proxy);
        }
    }

    /** Every request the HTTP decoder took: routed to its service, or answered with the door's own ARM error. */
    @Override
    public void handle(HttpServerRequest request) {
        try {
            route(request);
        } catch (RuntimeException e) {
            Log.errorf(e, "%s %s: the door failed", request.method(), request.uri());
            if (request.response().headWritten()) {
                // part of an answer has gone out: nothing can be said in its place
                request.connection().close();
            } else if (!request.response().ended()) {
                answer(request, 500, "InternalServerError", "The front door could not handle the request. Try again.",
                        null);
            }
        }
    }

    /**
     * What the HTTP decoder refused (the server's invalid-request handler; Quarkus' own server leaves Vert.x's, an
     * empty 400): a request line or headers past their limits, two {@code Content-Length}s or one beside
     * {@code Transfer-Encoding}, a header name with a space or a value with a control character, a request line
     * without an HTTP version. An ARM error with the request ids, and the connection closed: what follows on it
     * cannot be read as a request.
     */
    public void invalid(HttpServerRequest request) {
        ArmHeaders.apply(request);
        DecoderResult result = request.decoderResult();
        Throwable cause = result == null ? null : result.cause();
        int status;
        String code;
        String message;
        if (cause instanceof TooLongHttpLineException) {
            status = 414;
            code = "RequestUriTooLong";
            message = "The request line is longer than " + config.listen().maxInitialLineLength() + " bytes.";
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = 431;
            code = "RequestHeaderFieldsTooLarge";
            message = "The request headers are larger than " + config.listen().maxHeaderSize().asLongValue()
                    + " bytes in all.";
        } else {
            status = 400;
            code = "InvalidRequest";
            message = "The request is not valid HTTP/1.1 (RFC 9112)"
                    + (cause != null && cause.getMessage() != null ? ": " + cause.getMessage() : "") + ".";
        }
        // Vert.x closes the connection as soon as the answer to a refused request has ended, with what the client is
        // still sending unread, and the kernel answers unread bytes with a reset: a client still sending headers past
        // the limit got "connection reset" in place of the answer. So the answer goes out whole now, and ends (the
        // connection closes) once the client has had time to stop sending, or has closed
        Buffer body = ArmErrors.body(code, message, null);
        closing(request, status).putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(body.length())).write(body);
        Linger.endLater(request);
    }

    /**
     * An ARM error after which nothing more is read on the connection: it is closed once the answer is out and the
     * client has stopped sending ({@link Linger}; closed at once, a client still sending the headers past the limit got
     * a reset in place of the answer).
     */
    private static void answerAndClose(HttpServerRequest request, int status, String code, String message) {
        answerAndClose(request, status, code, message, null);
    }

    private static void answerAndClose(HttpServerRequest request, int status, String code, String message,
                                       String target) {
        closing(request, status).end(ArmErrors.body(code, message, target)).onComplete(x -> Linger.close(request));
    }

    /** The head of an ARM error after which the connection is closed. */
    private static HttpServerResponse closing(HttpServerRequest request, int status) {
        return request.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, ArmErrors.JSON)
                .putHeader(HttpHeaders.CONNECTION, "close");
    }

    /**
     * How much of a body may wait in the door for a slow reader (each way) before the other side is paused: Netty's
     * default (64 KiB) paused an upload every few reads, which cost a third of its throughput.
     */
    static final int WRITE_QUEUE = 512 * 1024;

    private static HttpClientRequest buffered(ProxyContext ctx, HttpClientRequest upstream) {
        upstream.setWriteQueueMaxSize(WRITE_QUEUE);
        ctx.request().proxiedRequest().response().setWriteQueueMaxSize(WRITE_QUEUE);
        return upstream;
    }

    /**
     * {@code Expect: 100-continue} end to end: the service decides (replication-service answers 100 only once it has
     * accepted an upload, so a refused one is not sent), the door relays its 100 to the client. The proxy sends the
     * request head with the first body bytes, which a client waiting for 100 does not send: the head goes at once
     * (after the proxy has set the headers, in this same event-loop turn).
     */
    private static HttpClientRequest expectContinue(ProxyContext ctx, HttpClientRequest upstream) {
        HttpServerRequest client = ctx.request().proxiedRequest();
        if ("100-continue".equalsIgnoreCase(client.getHeader(HttpHeaders.EXPECT))) {
            upstream.continueHandler(v -> client.response().writeContinue());
            Vertx.currentContext().runOnContext(v -> {
                try {
                    upstream.sendHead();
                } catch (IllegalStateException alreadySent) {
                    // the client sent its body without waiting: the head went with it
                }
            });
        }
        return upstream;
    }

    /** One instance of a service: where it answers. */
    record Instance(SocketAddress server, String host, int port, boolean tls) {
        static Instance of(URI uri) {
            boolean tls = "https".equalsIgnoreCase(uri.getScheme());
            int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
            return new Instance(SocketAddress.inetSocketAddress(port, uri.getHost()), uri.getHost(), port, tls);
        }

        RequestOptions options() {
            return new RequestOptions().setServer(server).setHost(host).setPort(port).setSsl(tls);
        }
    }

    /**
     * The instances of one service (one where a Kubernetes Service or another balancer stands in front of them), each
     * request to the next in turn. An instance that cannot be connected to (restarting, stopped, its connect timing
     * out) is passed over for the next: nothing of the request has gone to it, so the request is not sent twice; 502
     * only when none can be. A request an instance took and failed is that instance's answer, never tried elsewhere.
     */
    static final class Instances {
        private final List<Instance> all;
        private final java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();

        Instances(List<Instance> all) {
            if (all.isEmpty()) {
                throw new IllegalArgumentException("a service without an instance");
            }
            this.all = all;
        }

        Future<HttpClientRequest> request(HttpClient client) {
            int first = Math.floorMod(next.getAndIncrement(), all.size());
            return request(client, first, 0);
        }

        private Future<HttpClientRequest> request(HttpClient client, int first, int tried) {
            Instance instance = all.get((first + tried) % all.size());
            // a request the proxy resets (its client went away mid-exchange) fails it; with no handler, Vert.x
            // logged that at ERROR ("Stream reset: 0", "Connection was closed"): an ordinary disconnect, not the door's
            // failure (the proxy's own handling of it is unchanged)
            Future<HttpClientRequest> connected = client.request(instance.options()).map(r -> r.exceptionHandler(e ->
                    Log.debugf("%s %s to %s:%d ended early: %s", r.getMethod(), r.getURI(), instance.host(),
                            instance.port(), e.getMessage())));
            if (tried + 1 >= all.size()) {
                return connected;
            }
            return connected.recover(e -> {
                Log.debugf("%s:%d cannot be reached (%s): the next instance", instance.host(), instance.port(), e);
                return request(client, first, tried + 1);
            });
        }
    }

    private List<URI> uris(Upstream u) {
        return switch (u) {
            case ACCESS -> config.upstreams().access();
            case CATALOG -> config.upstreams().catalog();
            case BILLING -> config.upstreams().billing();
            case REPLICATION -> config.upstreams().replication();
        };
    }

    private void route(HttpServerRequest request) {
        ArmHeaders.apply(request);
        if (request.version() == null) {
            // Netty takes any HTTP/x.y; Vert.x knows only 1.0 and 1.1 (and h2, which the door does not offer)
            answerAndClose(request, 400, "HttpVersionNotSupported", "The door speaks HTTP/1.1 and HTTP/1.0 only.");
            return;
        }
        // a chunked body that breaks part-way gets its 400 whoever answers the request (the door or a service)
        request.connection().exceptionHandler(e -> invalidBody(request, e));
        if (!transferCoding(request)) {
            // RFC 9112, 6.1: where the body's length cannot be told, the connection must close. Left open, the bytes
            // of the body were read as the next request (a hostile probe had one run as alice's GET)
            answerAndClose(request, 400, "UnsupportedTransferEncoding", "The only transfer coding a request may "
                    + "carry is 'chunked', alone; send the body as it is, with a Content-Length or chunked.",
                    "Transfer-Encoding");
            return;
        }
        List<String> hosts = request.headers().getAll(HttpHeaders.HOST);
        if (hosts.isEmpty() && request.version() != HttpVersion.HTTP_1_0 && request.authority() == null) {
            answer(request, 400, "MissingHostHeader", "An HTTP/1.1 request must name the host it calls in a Host "
                    + "header (RFC 9112, section 3.2).", "Host");
            return;
        }
        if (!hosts.isEmpty() && (hosts.size() > 1 || request.authority() == null
                || request.authority().host().isEmpty())) {
            // the services build their URLs (nextLink, blobUri) on the host the door names: one, and a real one
            answer(request, 400, "InvalidHostHeader", "The Host header must be given once, naming a host with an "
                    + "optional port (RFC 9112, section 3.2).", "Host");
            return;
        }
        if (request.headers().getAll(HttpHeaders.AUTHORIZATION).size() > 1) {
            // two credentials: which one a service reads (the first) must not depend on the order a client or a
            // proxy on the way put them in (it served alice with alice's first, bob with bob's first)
            answer(request, 400, "InvalidAuthenticationHeader", "The Authorization header must be given once.",
                    "Authorization");
            return;
        }
        String path = request.path();
        if (!parsable(request.uri())) {
            answer(request, 400, "InvalidRequestUri", "The request URI is not valid (RFC 3986): percent-encode what "
                    + "its syntax does not allow, such as spaces, '|', '{', characters outside ASCII, and a '%' that "
                    + "does not start an escape of two hexadecimal digits.", null);
            return;
        }
        if (path == null || !path.startsWith("/") || dotSegment(path)) {
            answer(request, 400, "InvalidRequestUri", "The request path must be absolute and hold no '.' or '..' "
                    + "segment.", "path");
            return;
        }
        if (portal.serves(path)) {
            portal.handle(request);
            return;
        }
        RouteTable.Match match = RouteTable.route(path);
        if (match.upstream().isEmpty()) {
            if (match.unknownProvider()) {
                answer(request, 404, "NoRegisteredProviderFound", "No registered resource provider found for "
                        + "namespace '" + match.namespace() + "'.", null);
            } else {
                answer(request, 404, "NotFound", "No resource provider serves the path '" + path + "'.", null);
            }
            return;
        }
        if (match.upstream().get() != Upstream.REPLICATION && tooLarge(request)) {
            return;
        }
        forwarded(request);
        proxies.get(match.upstream().get()).handle(request);
    }

    /**
     * A chunked body that stops being valid HTTP/1.1 part-way (a chunk size that is not hexadecimal, a chunk longer than
     * its size): the HTTP decoder fails the connection, and Vert.x closes it right after its exception handlers ran,
     * with no answer. Before the close the client gets an ARM 400, if no answer has begun; the proxy resets its request
     * to the service, which never sees the body end. A failure of the connection itself (a reset, TLS) is no request's
     * fault and gets no answer.
     */
    private static void invalidBody(HttpServerRequest request, Throwable e) {
        if (e instanceof IOException || e instanceof NotSslRecordException || e.getCause() instanceof SSLException) {
            return;
        }
        if (request.response().headWritten() || request.response().ended()) {
            // the door's own answer (a 404, a 400) was written before the body broke: it goes out before the close
            // (the client got a bare close)
            if (request.response().ended() && request.connection() instanceof ConnectionBase connection) {
                connection.flush();
            }
            return;
        }
        answerAndClose(request, 400, "InvalidRequest", "The request body is not valid HTTP/1.1 chunked coding (RFC "
                + "9112, section 7.1)" + (e.getMessage() != null ? ": " + e.getMessage() : "") + ".");
        // Vert.x flushes what a handler wrote when the read in progress is done, and closes the connection before:
        // the answer goes out now
        if (request.connection() instanceof ConnectionBase connection) {
            connection.flush();
        }
    }

    /**
     * Whether the request's transfer coding can be passed on: none, or {@code chunked} alone, in any case (RFC 9112
     * reads codings without case, as Netty does when it decodes the body; Vert.x's proxy compares the header with its
     * case and answered {@code Chunked} with an empty 400, so the door writes it as the proxy expects).
     */
    static boolean transferCoding(HttpServerRequest request) {
        List<String> codings = request.headers().getAll(HttpHeaders.TRANSFER_ENCODING);
        if (codings.isEmpty()) {
            return true;
        }
        if (codings.size() == 1 && codings.get(0).trim().equalsIgnoreCase("chunked")) {
            request.headers().set(HttpHeaders.TRANSFER_ENCODING, "chunked");
            return true;
        }
        return false;
    }

    /**
     * Whether the request declares an ARM body larger than the services take ({@link DoorConfig#maxArmBody()}), and if
     * so answers 413 and closes the connection (the body is not passed on). A length that is not a number is left to
     * the HTTP decoder and the service.
     */
    private boolean tooLarge(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        long max = config.maxArmBody().asLongValue();
        long declared;
        try {
            declared = length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return false;
        }
        if (declared <= max) {
            return false;
        }
        tooLarge(request, "The request body is " + declared + " bytes; at most " + max + " are accepted.");
        return true;
    }

    /**
     * Answers 413 (unless an answer has begun) and closes the connection once the client has sent what it was sending
     * ({@link Linger}): the rest of the body is read and dropped, not passed on.
     */
    static void tooLarge(HttpServerRequest request, String message) {
        if (request.response().headWritten()) {
            request.connection().close();
            return;
        }
        answerAndClose(request, 413, "RequestEntityTooLarge", message);
    }

    /**
     * Tells the service where the client called (for {@code nextLink} and other absolute URLs): the door is the edge,
     * so whatever a client sent in these headers is replaced, never passed on.
     */
    private static void forwarded(HttpServerRequest request) {
        HostAndPort authority = request.authority();
        var h = request.headers();
        h.remove("Forwarded").remove("X-Forwarded-Port").remove("X-Forwarded-Prefix");
        SocketAddress local = request.localAddress();
        if (authority != null) {
            h.set("X-Forwarded-Host", authority.toString());
        } else if (local != null && local.hostAddress() != null) {
            // an HTTP/1.0 request without Host: the address it reached the door at (its links lacked the door's port)
            String host = local.hostAddress();
            h.set("X-Forwarded-Host", (host.contains(":") ? "[" + host + "]" : host) + ":" + local.port());
        } else {
            h.remove("X-Forwarded-Host");
        }
        h.set("X-Forwarded-Proto", request.isSSL() ? "https" : "http");
        SocketAddress remote = request.remoteAddress();
        if (remote != null && remote.hostAddress() != null) {
            h.set("X-Forwarded-For", remote.hostAddress());
        } else {
            h.remove("X-Forwarded-For");
        }
    }

    /**
     * What Quarkus' own URI check (which the door's own servers do not make) and so every service behind the door
     * accepts: a URI {@link URI} parses, in printable ASCII (a raw byte above it is not HTTP; a service reads it as
     * Latin-1).
     */
    static boolean parsable(String uri) {
        if (uri == null) {
            return false;
        }
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        try {
            new URI(uri);
            return true;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    private static boolean dotSegment(String path) {
        String decoded;
        try {
            decoded = URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return true; // a malformed escape: no route can be chosen on it
        }
        for (String segment : decoded.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return true;
            }
        }
        return decoded.contains("\\");
    }

    private static void answer(HttpServerRequest request, int status, String code, String message, String target) {
        request.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, ArmErrors.JSON)
                .end(ArmErrors.body(code, message, target));
    }

    /**
     * An ARM body sent chunked (no length to refuse it by, {@link #tooLarge(HttpServerRequest)}) is counted as it
     * passes to the service: past the limit the client gets the door's 413 and its connection is closed (once the
     * client stops sending), which ends the exchange with the service too. Without it the service refused such a body
     * past its own hard limit by closing the connection, which the door reported as 502.
     */
    private static final class ChunkedArmBody implements ProxyInterceptor {
        private final long max;

        ChunkedArmBody(long max) {
            this.max = max;
        }

        @Override
        public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
            Body body = context.request().getBody();
            if (body != null && body.length() < 0) {
                HttpServerRequest client = context.request().proxiedRequest();
                context.request().setBody(Body.body(new Counted(body.stream(), max, () -> tooLarge(client,
                        "The request body is more than " + max + " bytes; at most " + max + " are accepted.")), -1));
            }
            return context.sendRequest();
        }
    }

    /** A body stream that stops passing pieces on, and calls {@code over} once, past {@code max} bytes. */
    static final class Counted implements ReadStream<Buffer> {
        private final ReadStream<Buffer> in;
        private final long max;
        private final Runnable over;
        private long seen;
        private boolean stopped;

        Counted(ReadStream<Buffer> in, long max, Runnable over) {
            this.in = in;
            this.max = max;
            this.over = over;
        }

        @Override
        public ReadStream<Buffer> handler(Handler<Buffer> handler) {
            in.handler(handler == null ? null : piece -> {
                if (stopped) {
                    return;
                }
                seen += piece.length();
                if (seen > max) {
                    stopped = true;
                    over.run();
                } else {
                    handler.handle(piece);
                }
            });
            return this;
        }

        @Override
        public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
            in.exceptionHandler(handler);
            return this;
        }

        @Override
        public ReadStream<Buffer> pause() {
            in.pause();
            return this;
        }

        @Override
        public ReadStream<Buffer> resume() {
            in.resume();
            return this;
        }

        @Override
        public ReadStream<Buffer> fetch(long amount) {
            in.fetch(amount);
            return this;
        }

        @Override
        public ReadStream<Buffer> endHandler(Handler<Void> handler) {
            in.endHandler(handler);
            return this;
        }
    }

    /**
     * A request target in absolute form ({@code GET http://host/path}, RFC 9112 section 3.2.2, which a server must
     * take) goes to the service in origin form, its path and query: passed on as it came, the service joined the
     * forwarded host and the whole target into its links ({@code https://localhost:8443http:/host/...}).
     */
    private static final class OriginForm implements ProxyInterceptor {
        @Override
        public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
            var request = context.request();
            if (!request.getURI().startsWith("/")) {
                HttpServerRequest in = request.proxiedRequest();
                request.setURI(in.path() + (in.query() != null ? "?" + in.query() : ""));
            }
            return context.sendRequest();
        }
    }

    /**
     * An answer that never has a body (304, 204, 1xx; RFC 9110 6.4.1) goes out without one and without body framing.
     * Vert.x's proxy gave every answer without a Content-Length {@code Transfer-Encoding: chunked}, and then no chunk
     * (Netty writes none on a 304): Python's http.client, which azure-core's transport uses, read on for the chunks
     * until its timeout on every conditional GET that was answered 304.
     */
    private static final class NoBody implements ProxyInterceptor {
        @Override
        public Future<Void> handleProxyResponse(ProxyContext context) {
            ProxyResponse response = context.response();
            int status = response.getStatusCode();
            if (status == 304 || status == 204 || (status >= 100 && status < 200)) {
                // the service's (empty) body is still read to its end, so its connection goes back to the pool;
                // as one of length 0 it is not framed as chunked, and the length is not sent either
                // (the framing headers are taken off as the head goes out: ArmHeaders)
                Body body = response.getBody();
                if (body != null) {
                    response.setBody(Body.body(body.stream(), 0));
                }
            }
            return context.sendResponse();
        }
    }

    /** A service that cannot be reached, or drops the connection before it answers: 502 with an ARM body. */
    private static final class Unreachable implements ProxyInterceptor {
        private final Upstream upstream;

        Unreachable(Upstream upstream) {
            this.upstream = upstream;
        }

        @Override
        public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
            return context.sendRequest().recover(e -> {
                if (context.request().proxiedRequest().response().ended()) {
                    return Future.failedFuture(e); // the door answered already (a body past the limit)
                }
                Log.warnf("%s %s: %s did not answer: %s", context.request().getMethod(), context.request().getURI(),
                        upstream.service(), e.toString());
                Buffer body = ArmErrors.body("BadGateway", "The service behind this path (" + upstream.service()
                        + ") could not be reached. Try again later.", null);
                ProxyResponse response = context.request().release().response().setStatusCode(502)
                        .putHeader(HttpHeaders.CONTENT_TYPE, ArmErrors.JSON).putHeader("Retry-After", "1")
                        .setBody(Body.body(body));
                return Future.succeededFuture(response);
            });
        }
    }
}

package dev.imagegallery.door.server;

import dev.imagegallery.door.config.DoorConfig;
import dev.imagegallery.door.proxy.FrontDoor;
import io.netty.handler.ssl.OpenSsl;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.tls.CertificateUpdatedEvent;
import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The door's own HTTP servers (https, and its http twin), rather than Quarkus' HTTP server (off:
 * {@code quarkus.http.host-enabled=false}; Quarkus keeps its management interface, with the health checks): the
 * door must answer what the HTTP decoder refuses with an ARM error, and a server's invalid-request handler, the one
 * place that can, is out of reach on the server Quarkus makes (quarkusio/quarkus#55082), which answers an empty 400.
 * Each port is served by one server per event loop ({@link DoorConfig.Listen#ioThreads()}), as Quarkus does. The
 * certificate is still the TLS registry's (its default configuration, {@code quarkus.tls.*}), reloaded when the
 * registry says it changed, and served through BoringSSL where it loads.
 */
@ApplicationScoped
public class DoorServer {
    private final Vertx vertx;
    private final DoorConfig config;
    private final FrontDoor door;
    private final TlsConfigurationRegistry tls;
    private final List<HttpServer> https = new CopyOnWriteArrayList<>();
    private final List<HttpServer> http = new CopyOnWriteArrayList<>();
    private final HeaderDeadline deadline;

    public DoorServer(Vertx vertx, DoorConfig config, FrontDoor door, TlsConfigurationRegistry tls) {
        this.vertx = vertx;
        this.config = config;
        this.door = door;
        this.tls = tls;
        this.deadline = new HeaderDeadline(vertx, config.listen().headerTimeout());
    }

    void start(@Observes StartupEvent event) throws Exception {
        DoorConfig.Listen listen = config.listen();
        int servers = listen.ioThreads().filter(n -> n > 0).orElseGet(this::eventLoops);
        Optional<TlsConfiguration> certificate = tls.getDefault().filter(t -> t.getKeyStoreOptions() != null);
        if (certificate.isPresent()) {
            listen(https, secure(base(listen.host(), listen.httpsPort()), certificate.get()), servers);
            Log.infof("https on %s:%d (%d servers)", listen.host(), httpsPort(), servers);
        } else {
            Log.infof("no https: the TLS registry has no key store (quarkus.tls.key-store.*)");
        }
        if (listen.http()) {
            String host = listen.httpHost().orElse(listen.host());
            listen(http, base(host, listen.httpPort()), servers);
            Log.infof("http on %s:%d", host, httpPort());
        }
        if (https.isEmpty() && http.isEmpty()) {
            throw new IllegalStateException("the door listens nowhere: no key store for https, and "
                    + "gallery.door.listen.http=false");
        }
    }

    /** Stops taking connections before Quarkus stops the rest (the servers close with Vert.x anyway). */
    void stop(@Observes ShutdownEvent event) {
        List<Future<Void>> closing = new ArrayList<>();
        for (HttpServer s : https) {
            closing.add(s.close());
        }
        for (HttpServer s : http) {
            closing.add(s.close());
        }
        try {
            Future.join(closing).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            Log.debugf("closing the door's servers: %s", e.toString());
        }
    }

    /** A new certificate in the registry (its reload period, or an operator's reload) serves new connections. */
    void reload(@Observes CertificateUpdatedEvent event) {
        String served = tls.getDefault().map(TlsConfiguration::getName).orElse(null);
        if (https.isEmpty() || event.tlsConfiguration() == null || !event.name().equals(served)) {
            return;
        }
        SSLOptions ssl = event.tlsConfiguration().getSSLOptions();
        SSLOptions options = (ssl != null ? new SSLOptions(ssl) : new SSLOptions())
                .setKeyCertOptions(event.tlsConfiguration().getKeyStoreOptions());
        for (HttpServer s : https) {
            s.updateSSLOptions(options).onFailure(e -> Log.errorf(e, "the new certificate could not be used"));
        }
        Log.infof("https serves the TLS registry's new certificate");
    }

    /** The https port the door took (the configured one, or the system's pick for 0); -1 without https. */
    public int httpsPort() {
        return https.isEmpty() ? -1 : https.get(0).actualPort();
    }

    /** The http twin's port; -1 when it is off. */
    public int httpPort() {
        return http.isEmpty() ? -1 : http.get(0).actualPort();
    }

    private HttpServerOptions base(String host, int port) {
        DoorConfig.Listen listen = config.listen();
        return new HttpServerOptions()
                .setHost(host)
                .setPort(port)
                // HTTP/1.1 only: an HTTP/2 request body without a Content-Length could not be passed to an HTTP/1.1
                // service as such
                .setUseAlpn(false)
                .setHttp2ClearTextEnabled(false)
                .setMaxInitialLineLength(listen.maxInitialLineLength())
                .setMaxHeaderSize(listen.maxHeaderSize().asBigInteger().intValueExact())
                // bodies in pieces of up to chunk-size rather than Netty's 8 KiB (DoorConfig.chunkSize)
                .setMaxChunkSize(config.chunkSize().asBigInteger().intValueExact())
                .setIdleTimeout((int) listen.idleTimeout().toSeconds())
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                // the service answers Expect: 100-continue (the door relays its 100)
                .setHandle100ContinueAutomatically(false)
                .setCompressionSupported(false)
                .setDecompressionSupported(false);
    }

    /**
     * HTTPS through BoringSSL (netty-tcnative, from the Quarkus BOM) rather than the JDK's TLS: measured on the resolve
     * benchmark, the JDK's engine cost the door about 125 µs of CPU per small request, as much as the proxying itself.
     * Where the native library cannot load (a platform without a build of it), the JDK's engine serves, and the log
     * says why.
     */
    private static HttpServerOptions secure(HttpServerOptions options, TlsConfiguration certificate) {
        options.setSsl(true).setSni(certificate.usesSni()).setKeyCertOptions(certificate.getKeyStoreOptions());
        SSLOptions ssl = certificate.getSSLOptions();
        if (ssl != null) {
            options.setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols())
                    .setSslHandshakeTimeout(ssl.getSslHandshakeTimeout())
                    .setSslHandshakeTimeoutUnit(ssl.getSslHandshakeTimeoutUnit());
            ssl.getEnabledCipherSuites().forEach(options::addEnabledCipherSuite);
        }
        if (OpenSSLEngineOptions.isAvailable()) {
            options.setSslEngineOptions(new OpenSSLEngineOptions());
            Log.infof("https through %s", OpenSsl.versionString());
        } else {
            Log.infof("https through the JDK's TLS: OpenSSL is not available here (%s)", OpenSsl.unavailabilityCause());
        }
        return options;
    }

    /**
     * One server per event loop on the port: each in a verticle instance of its own, on an event loop of its own, and
     * Vert.x spreads the port's connections over them.
     */
    private void listen(List<HttpServer> into, HttpServerOptions options, int servers) throws Exception {
        // port 0 for each would be a port of each; a negative port is one the system picks, shared by the servers
        // that name the same negative number (Vert.x's random port sharing)
        // (-1 for https, -2 for http)
        HttpServerOptions shared = options.getPort() != 0 ? options
                : new HttpServerOptions(options).setPort(options.isSsl() ? -1 : -2);
        await(vertx.deployVerticle(() -> new Listener(shared, into), new DeploymentOptions().setInstances(servers)));
        if (into.stream().mapToInt(HttpServer::actualPort).distinct().count() != 1) {
            throw new IllegalStateException("the door's servers listen on different ports: " + into.stream()
                    .map(HttpServer::actualPort).toList());
        }
    }

    /** A server on the verticle's event loop. */
    private final class Listener extends AbstractVerticle {
        private final HttpServerOptions options;
        private final List<HttpServer> into;

        Listener(HttpServerOptions options, List<HttpServer> into) {
            this.options = options;
            this.into = into;
        }

        @Override
        public void start(Promise<Void> started) {
            HttpServer server = vertx.createHttpServer(new HttpServerOptions(options))
                    .connectionHandler(deadline::opened)
                    .requestHandler(request -> {
                        deadline.begun(request);
                        door.handle(request);
                    })
                    .invalidRequestHandler(door::invalid)
                    // A server without a WebSocket handler answers a request of an HTTP version it does not know
                    // (HTTP/7.0) with an empty 501 before the door's handler; with one whose stream takes none, every
                    // request reaches the door's handler as HTTP (the door refuses the version with an ARM error, and
                    // passes an upgrade on as a plain request: no service takes WebSockets).
                    .webSocketHandler(ServerWebSocket::close);
            server.webSocketStream().pause();
            server.listen().onSuccess(s -> into.add(s)).<Void>mapEmpty().onComplete(started);
        }
    }

    private static void await(Future<?> listening) throws Exception {
        listening.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private int eventLoops() {
        int n = 0;
        for (var ignored : ((VertxInternal) vertx).getEventLoopGroup()) {
            n++;
        }
        return Math.max(1, n);
    }
}

package dev.imagegallery.door.tls;

import io.netty.handler.ssl.OpenSsl;
import io.quarkus.logging.Log;
import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * HTTPS through BoringSSL (netty-tcnative, from the Quarkus BOM) rather than the JDK's TLS: measured on the resolve
 * benchmark, the JDK's engine cost the door about 125 µs of CPU per small request, as much as the proxying itself.
 * The certificate still comes from the TLS registry ({@code quarkus.tls.*}); where the native library cannot load
 * (a platform without a build of it), the JDK's engine serves, and the log says why.
 */
@ApplicationScoped
public class OpenSslEngine implements HttpServerOptionsCustomizer {

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        if (OpenSSLEngineOptions.isAvailable()) {
            options.setSslEngineOptions(new OpenSSLEngineOptions());
            Log.infof("https through %s", OpenSsl.versionString());
        } else {
            Log.infof("https through the JDK's TLS: OpenSSL is not available here (%s)", OpenSsl.unavailabilityCause());
        }
    }
}

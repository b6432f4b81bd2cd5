package dev.imagegallery.door;

import dev.imagegallery.devstack.LocalTls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.KeyStore;
import java.time.Duration;

/** A client of the door that trusts only the stack's own CA, as a user who followed the summary's advice. */
final class Door {
    private Door() {
    }

    static SSLContext trustingTheStackCa() throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(StubUpstreams.tls.trustStore())) {
            ts.load(in, LocalTls.TRUSTSTORE_PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    static HttpClient client() throws Exception {
        return HttpClient.newBuilder().sslContext(trustingTheStackCa()).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return client().send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest.Builder get(URI uri) {
        return HttpRequest.newBuilder(uri).GET();
    }
}

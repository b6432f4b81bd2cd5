package dev.imagegallery.replication;

import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.Tokens;
import io.restassured.RestAssured;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

/** What the service tests share: the seeded grants, raw HTTP (paths sent as written), the database's sessions. */
final class TestSupport {
    private static boolean seeded;
    /** HTTP/1.1, as curl and the Azure SDKs send (no h2c upgrade: a 20 KB header is an HTTP/2 GOAWAY, not a 401). */
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private TestSupport() {
    }

    /** The seeded subscriptions and Owner grants, once per test run, and waits until the service knows them. */
    static synchronized void seedGrants() {
        if (!seeded) {
            TestEvents.publishSeedGrants();
            await().atMost(Duration.ofSeconds(30)).until(() -> given().auth().oauth2(Tokens.alice())
                    .get(DataPlaneTest.blob("absent")).then().extract().path("error.code").equals("BlobNotFound"));
            await().atMost(Duration.ofSeconds(30)).until(() -> given().auth().oauth2(Tokens.bob())
                    .get("/blobs/westeurope/" + dev.imagegallery.devstack.Realms.FABRIKAM_SUBSCRIPTION + "/absent")
                    .then().extract().path("error.code").equals("BlobNotFound"));
            seeded = true;
        }
    }

    /**
     * Holds every copy for which {@code held} (asked on the copier thread) is true at its first chunk, until
     * {@code gate} opens (through the replicator's hook; {@code replicator.hook(null)} lets go of it).
     */
    static void holdCopies(dev.imagegallery.replication.content.Replicator replicator,
                           java.util.function.BooleanSupplier held, java.util.concurrent.CountDownLatch gate) {
        replicator.hook((region, replica, id) -> {
            try {
                if (held.getAsBoolean() && !gate.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    throw new IOException("the test never opened the gate");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        });
    }

    /** The service's URI for {@code rawPath}, sent exactly as written (no encoding, matrix parameters kept). */
    static URI uri(String rawPath) {
        return URI.create("http://localhost:" + RestAssured.port + rawPath);
    }

    /** One request with a bearer token; a client-side timeout of {@code timeout} turns a hang into a failure. */
    static HttpResponse<byte[]> send(String method, String rawPath, String token, byte[] body, Duration timeout,
                                     String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(rawPath)).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    /** A raw HTTP/1.1 response: status line, lower-cased headers, and the body its Content-Length announces. */
    record RawResponse(String status, List<String> headers, String body) {
        int code() {
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    static RawResponse readResponse(InputStream in) throws IOException {
        String status = readLine(in);
        List<String> headers = new ArrayList<>();
        long length = -1;
        for (String h; !(h = readLine(in)).isEmpty(); ) {
            headers.add(h.toLowerCase(Locale.ROOT));
            if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Long.parseLong(h.substring(h.indexOf(':') + 1).trim());
            }
        }
        byte[] body = length >= 0 ? in.readNBytes((int) length) : new byte[0];
        return new RawResponse(status, headers, new String(body, StandardCharsets.UTF_8));
    }
}

package dev.imagegallery.door;

import dev.imagegallery.devstack.LocalTls;
import dev.imagegallery.door.server.DoorServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.tls.CertificateUpdatedEvent;
import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Requests through the door over HTTPS to real HTTP servers in the services' places ({@link StubUpstreams}). */
@QuarkusTest
@QuarkusTestResource(StubUpstreams.class)
class FrontDoorTest {
    static final String SUB = "/subscriptions/c0de0000-0000-4000-8000-00000000c001";
    static final String RG = SUB + "/resourceGroups/rg";
    static final String GALLERY = RG + "/providers/Microsoft.Compute/galleries/g";
    static final Pattern GUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    @Inject
    DoorServer door;

    @Inject
    TlsConfigurationRegistry registry;

    @Inject
    Event<CertificateUpdatedEvent> certificateUpdated;

    URL https;

    URL http;

    @BeforeEach
    void urls() throws Exception {
        https = new URL("https://localhost:" + door.httpsPort() + "/");
        http = new URL("http://localhost:" + door.httpPort() + "/");
    }

    URI at(String pathAndQuery) {
        return URI.create(https.toString().replaceAll("/$", "") + pathAndQuery);
    }

    /**
     * A client gone in the middle of its upload is no failure of the door's: Vert.x logged the upstream request the
     * proxy reset ("Stream reset: 0", "Connection was closed") at ERROR, since nothing handled its failure, and an
     * operator read an ordinary disconnect as the door's fault. It is logged at debug now.
     */
    @Test
    void aClientGoneMidUploadLogsNoError() throws Exception {
        List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue()) {
                    errors.add(r.getLoggerName() + ": " + r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger vertx = java.util.logging.Logger.getLogger("io.vertx");
        vertx.addHandler(handler);
        try {
            for (int i = 0; i < 3; i++) {
                try (java.net.Socket s = new java.net.Socket("localhost", door.httpPort())) {
                    s.getOutputStream().write(("PUT /blobs/westeurope" + SUB.substring("/subscriptions".length())
                            + "/gone-" + i + ".raw HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000000\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().write(new byte[1 << 20]);
                    s.getOutputStream().flush();
                    Thread.sleep(300);
                    s.setSoLinger(true, 0); // closed with a reset, as a client killed mid-upload
                }
            }
            Thread.sleep(1_500);
            assertEquals(List.of(), errors);
        } finally {
            vertx.removeHandler(handler);
        }
    }

    /** The route table of the README, each path answered by the service it names (the stand-in says who it is). */
    @Test
    void eachPathIsAnsweredByItsResourceProvider() throws Exception {
        Map<String, String> table = new LinkedHashMap<>();
        table.put("/subscriptions?api-version=2022-12-01", "access");
        table.put(SUB + "?api-version=2022-12-01", "access");
        table.put("/tenants?api-version=2022-12-01", "access");
        table.put("/tenants/contoso/providers/Microsoft.Gallery/eventSubscribers/x?api-version=2026-12-01", "access");
        table.put("/providers/Microsoft.Gallery/asyncapi", "access");
        table.put(SUB + "/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01", "access");
        table.put(GALLERY + "/providers/Microsoft.Authorization/roleAssignments/a?api-version=2022-04-01", "access");
        table.put("/providers/Microsoft.Authorization/roleDefinitions?api-version=2022-04-01", "access");
        table.put("/providers/Microsoft.Authorization/auditLogs?api-version=2022-04-01", "access");
        table.put(GALLERY + "/share?api-version=2024-03-03", "access");
        table.put(GALLERY + "/sharingProfile?api-version=2024-03-03", "access");
        table.put("/providers/Microsoft.Compute/sharingInvitations/i/accept?api-version=2024-03-03", "access");
        table.put(GALLERY + "?api-version=2024-03-03", "catalog");
        table.put(GALLERY + "/images/ubuntu/versions/1.0.0?api-version=2024-03-03", "catalog");
        table.put(RG.toLowerCase() + "/providers/microsoft.compute/galleries/share?api-version=2024-03-03", "catalog");
        table.put(SUB + "/providers/Microsoft.Compute/galleries?api-version=2024-03-03", "catalog");
        table.put(RG + "/providers/Microsoft.Compute/images/src?api-version=2024-03-03", "catalog");
        table.put(SUB + "/providers/Microsoft.Compute/locations/westeurope/sharedGalleries?api-version=2024-03-03",
                "catalog");
        table.put(SUB + "/providers/Microsoft.Compute/locations/westeurope/resolveImageReference?api-version=2024-03-03",
                "catalog");
        table.put(SUB + "/providers/Microsoft.Consumption/usageDetails?api-version=2023-05-01", "billing");
        table.put(SUB + "/providers/Microsoft.Consumption/invoices/2026-11/csv?api-version=2023-05-01", "billing");
        table.put("/providers/Microsoft.Consumption/priceSheets/default?api-version=2023-05-01", "billing");
        table.put("/blobs/westeurope/c0de0000-0000-4000-8000-00000000c001/disk.raw", "replication");
        table.put("/download/westeurope" + GALLERY + "/images/ubuntu/versions/1.0.0", "replication");
        for (var e : table.entrySet()) {
            HttpResponse<String> r = Door.send(Door.get(at(e.getKey())));
            assertEquals(200, r.statusCode(), e.getKey() + ": " + r.body());
            JsonObject body = new JsonObject(r.body());
            assertEquals(e.getValue(), body.getString("service"), e.getKey());
            assertEquals(e.getKey(), body.getString("uri"), "the path and query go on unchanged");
        }
    }

    @Test
    void aPathNoServiceServesIsAnArm404() throws Exception {
        for (String path : List.of("/", "/ping", "/q/health", "/foo/bar",
                SUB + "/providers/Microsoft.Network/virtualNetworks/v?api-version=2024-01-01")) {
            HttpResponse<String> r = Door.send(Door.get(at(path)));
            assertEquals(404, r.statusCode(), path);
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), path);
            JsonObject error = new JsonObject(r.body()).getJsonObject("error");
            assertNotNull(error.getString("message"), path);
            assertEquals(path.contains("Microsoft.Network") ? "NoRegisteredProviderFound" : "NotFound",
                    error.getString("code"), path);
            assertTrue(GUID.matcher(r.headers().firstValue("x-ms-request-id").orElse("")).matches(), path);
        }
    }

    @Test
    void aPathWithDotSegmentsIsRefusedNotRoutedOnOnePathAndServedOnAnother() throws Exception {
        for (String path : List.of("/blobs/../subscriptions", "/blobs/%2e%2e/subscriptions", "/subscriptions/./x")) {
            HttpResponse<String> r = Door.send(Door.get(at(path)));
            assertEquals(400, r.statusCode(), path);
            JsonObject error = new JsonObject(r.body()).getJsonObject("error");
            assertEquals("InvalidRequestUri", error.getString("code"), path);
        }
    }

    @Test
    void aRequestUriThatCannotBeParsedIsAnArm400WithItsRequestIds() throws Exception {
        // Quarkus' own check answered these with an empty 400 before any route ran: no ARM error, no request ids
        // (the door runs on servers of its own, DoorServer, without that check)
        for (String target : List.of(SUB + "/resourceGroups/rg%zz/providers/Microsoft.Compute/galleries",
                SUB + "/providers/Microsoft.Compute/galleries?api-version=%zz", "/blobs/westeurope/s/a%2",
                SUB + "/resourceGroups/r\u00e9/providers/Microsoft.Compute/galleries", "/subscriptions/a|b")) {
            String answer = raw("GET", target);
            assertTrue(answer.startsWith("HTTP/1.1 400 "), target + ": " + answer);
            String head = answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
            assertTrue(GUID.matcher(head.replaceAll("(?s).*x-ms-request-id: ([^\r]+).*", "$1")).matches(),
                    target + ": " + answer);
            JsonObject error = new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4))
                    .getJsonObject("error");
            assertEquals("InvalidRequestUri", error.getString("code"), target);
        }
        // a percent-encoded character outside ASCII is a valid URI and goes on
        assertTrue(raw("GET", SUB + "/providers/Microsoft.Compute/galleries/r%C3%A9").startsWith("HTTP/1.1 200 "));
    }

    @Test
    void anHttp11RequestWithoutAHostIsAnArm400WithItsRequestIds() throws Exception {
        // Vert.x's router refused it before the door's route ran, and Quarkus' error page answered: a 400 with
        // {"details":"Error id ...","stack":""}, no ARM error, no request ids, and an ERROR in the door's log
        String answer = rawHead("GET " + SUB + "?api-version=2022-12-01 HTTP/1.1\r\nConnection: close\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
        String head = answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
        assertTrue(GUID.matcher(head.replaceAll("(?s).*x-ms-request-id: ([^\r]+).*", "$1")).matches(), answer);
        assertTrue(GUID.matcher(head.replaceAll("(?s).*x-ms-correlation-request-id: ([^\r]+).*", "$1")).matches(),
                answer);
        JsonObject error = new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4)).getJsonObject("error");
        assertEquals("MissingHostHeader", error.getString("code"), answer);
        assertEquals("Host", error.getString("target"), answer);
        // HTTP/1.0 has no Host to require: it goes on to the service
        assertTrue(rawHead("GET " + SUB + "?api-version=2022-12-01 HTTP/1.0\r\n\r\n").startsWith("HTTP/1.0 200 "));
    }

    /**
     * RFC 9112, section 3.2: more than one Host, or one that is not a host with an optional port, is a 400. Two Hosts
     * went on to the service (which built its URLs on one of them), an empty one made the service answer URLs without
     * a host ({@code "blobUri":"http:///blobs/..."}), and one that Vert.x could not read was called missing.
     */
    @Test
    void aHostHeaderThatNamesNoOneHostIsAnArm400() throws Exception {
        for (String hosts : List.of("Host: localhost\r\nHost: elsewhere.example", "Host: ", "Host: elsewhere.example/x",
                "Host: localhost:99999", "Host: user@elsewhere.example", "Host: a b")) {
            for (String version : List.of("HTTP/1.1", "HTTP/1.0")) {
                String answer = rawHead("GET " + SUB + "?api-version=2022-12-01 " + version + "\r\n" + hosts
                        + "\r\nConnection: close\r\n\r\n");
                assertTrue(answer.matches("(?s)HTTP/1\\.[01] 400 .*"), hosts + ", " + version + ": " + answer);
                String head = answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
                assertTrue(GUID.matcher(head.replaceAll("(?s).*x-ms-request-id: ([^\r]+).*", "$1")).matches(),
                        answer);
                JsonObject error = new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4))
                        .getJsonObject("error");
                assertEquals("InvalidHostHeader", error.getString("code"), hosts + ": " + answer);
                assertEquals("Host", error.getString("target"), hosts);
            }
        }
        // HTTP/1.0 needs no Host: the service is told the address the door was reached at (its nextLink lacked the
        // door's port)
        String old = rawHead("GET " + SUB + "?api-version=2022-12-01 HTTP/1.0\r\n\r\n");
        assertTrue(old.startsWith("HTTP/1.0 200 ") || old.startsWith("HTTP/1.1 200 "), old);
        assertTrue(new JsonObject(old.substring(old.indexOf("\r\n\r\n") + 4)).getString("forwardedHost")
                .endsWith(":" + http.getPort()), old);
        for (String host : List.of("localhost:8080", "[::1]:8443", "gallery.example.com")) {
            String answer = rawHead("GET " + SUB + "?api-version=2022-12-01 HTTP/1.1\r\nHost: " + host
                    + "\r\nConnection: close\r\n\r\n");
            assertTrue(answer.startsWith("HTTP/1.1 200 "), host + ": " + answer);
            assertEquals(host, new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4))
                    .getString("forwardedHost"), answer);
        }
    }

    /**
     * Two Authorization headers are a 400: the service read the first, so which caller a request was served as depended
     * on the order a client or a proxy put them in (a hostile probe was served as alice, then as bob).
     */
    @Test
    void twoAuthorizationHeadersAreAnArm400() throws Exception {
        String answer = rawHead("GET " + SUB + "?api-version=2022-12-01 HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer a\r\nAuthorization: Bearer b\r\nConnection: close\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
        JsonObject error = new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4)).getJsonObject("error");
        assertEquals("InvalidAuthenticationHeader", error.getString("code"), answer);
        assertEquals("Authorization", error.getString("target"), answer);
        assertTrue(rawHead("GET " + SUB + "?api-version=2022-12-01 HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer a\r\nConnection: close\r\n\r\n").startsWith("HTTP/1.1 200 "));
    }

    @Test
    void aChunkedBodyIsTakenInAnyCaseAndAnotherTransferCodingIsAnArm400() throws Exception {
        // Vert.x's proxy compared the coding with its case: "Transfer-Encoding: Chunked" (valid HTTP, and decoded as
        // chunked by Netty) got an empty 400 without request ids; so did "gzip, chunked"
        String target = SUB + "/providers/Microsoft.Compute/galleries/te?api-version=2024-03-03";
        String ok = rawHead("PUT " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                + "Transfer-Encoding: Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        assertTrue(ok.startsWith("HTTP/1.1 200 "), ok);
        assertEquals(5, new JsonObject(ok.substring(ok.indexOf("\r\n\r\n") + 4)).getLong("bytes"), ok);
        for (String coding : List.of("gzip, chunked", "gzip,chunked")) {
            String refused = rawHead("PUT " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                    + "Transfer-Encoding: " + coding + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
            assertTrue(refused.startsWith("HTTP/1.1 400 "), coding + ": " + refused);
            String head = refused.substring(0, refused.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
            assertTrue(GUID.matcher(head.replaceAll("(?s).*x-ms-request-id: ([^\r]+).*", "$1")).matches(), refused);
            JsonObject error = new JsonObject(refused.substring(refused.indexOf("\r\n\r\n") + 4))
                    .getJsonObject("error");
            assertEquals("UnsupportedTransferEncoding", error.getString("code"), coding);
            assertEquals("Transfer-Encoding", error.getString("target"), coding);
        }
    }

    /**
     * Request smuggling (a hostile probe): a request with a transfer coding other than chunked was refused but the
     * connection stayed open, and the "body" was read as the next request and served (alice's list, with her token
     * in the body). RFC 9112, 6.1: the body's length cannot be told, so the answer closes the connection; also where
     * no route matches (the coding is checked first).
     */
    @Test
    void aTransferCodingOtherThanChunkedClosesTheConnectionSoItsBodyIsNeverARequest() throws Exception {
        String smuggled = "GET " + SUB + "?api-version=2022-12-01 HTTP/1.1\r\nHost: smuggled.example\r\n"
                + "Authorization: Bearer alice\r\n\r\n";
        for (String target : List.of(GALLERY + "?api-version=2024-03-03", "/nothing")) {
            for (String coding : List.of("gzip", "identity", "gzip, chunked")) {
                String answer = rawHead("POST " + target + " HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: "
                        + coding + "\r\n\r\n" + smuggled);
                assertTrue(answer.startsWith("HTTP/1.1 400 "), coding + ": " + answer);
                assertEquals(1, answer.split("HTTP/1\\.1 ", -1).length - 1, "one answer, nothing smuggled: " + answer);
                assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), answer);
                assertTrue(answer.contains("UnsupportedTransferEncoding"), answer);
            }
        }
    }

    /**
     * A request target in absolute form (RFC 9112, 3.2.2) reaches the service in origin form: passed on whole, the
     * service built links of the forwarded host and the whole target ({@code https://localhost:8443http:/host/...}).
     */
    @Test
    void anAbsoluteFormTargetGoesToTheServiceAsItsPathAndQuery() throws Exception {
        String answer = rawHead("GET http://evil.example" + GALLERY + "?api-version=2024-03-03 HTTP/1.1\r\n"
                + "Host: localhost\r\nConnection: close\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
        JsonObject body = new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4));
        assertEquals("catalog", body.getString("service"), answer);
        assertEquals(GALLERY + "?api-version=2024-03-03", body.getString("uri"), answer);
    }

    /** The door's own answer (a 404) to a request whose chunked body then breaks goes out before the close. */
    @Test
    void theDoorsOwnAnswerIsSentWhenTheChunkedBodyBreaksAfterIt() throws Exception {
        String answer = rawHead("POST /nothing HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "zz\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 404 ") || answer.startsWith("HTTP/1.1 400 "), answer);
        assertTrue(answer.contains("\"error\""), answer);
    }

    /**
     * An ARM body larger than the services take is the door's 413, before a byte of it is read: a service refused it
     * by answering and closing its connection while the door still sent the body, which reached the client as 502
     * BadGateway ("the service could not be reached"). The data plane's bodies are not ARM bodies.
     */
    @Test
    void anArmBodyLargerThanTheServicesTakeIsTheDoors413AndTheDataPlaneIsNotLimited() throws Exception {
        String target = GALLERY + "?api-version=2024-03-03";
        String refused = rawHead("PUT " + target + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: 3000000\r\n\r\n{\"location\":");
        assertTrue(refused.startsWith("HTTP/1.1 413 "), refused);
        String head = refused.substring(0, refused.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
        assertTrue(head.contains("connection: close"), head);
        assertTrue(GUID.matcher(head.replaceAll("(?s).*x-ms-request-id: ([^\r]+).*", "$1")).matches(), refused);
        JsonObject error = new JsonObject(refused.substring(refused.indexOf("\r\n\r\n") + 4)).getJsonObject("error");
        assertEquals("RequestEntityTooLarge", error.getString("code"));
        assertTrue(error.getString("message").contains("3000000 bytes; at most 1048576"), error.getString("message"));

        String body = "x".repeat(1 << 20);
        String taken = rawHead("PUT " + GALLERY + "?api-version=2024-03-03 HTTP/1.1\r\nHost: localhost\r\n"
                + "Connection: close\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        assertTrue(taken.startsWith("HTTP/1.1 200 "), "1 MiB is still an ARM body: " + taken);
        String upload = "y".repeat(3_000_000);
        String uploaded = rawHead("PUT /blobs/westeurope/c0de0000-0000-4000-8000-00000000c001/d.raw HTTP/1.1\r\n"
                + "Host: localhost\r\nConnection: close\r\nContent-Length: " + upload.length() + "\r\n\r\n" + upload);
        assertTrue(uploaded.startsWith("HTTP/1.1 "), uploaded);
        assertNotEquals("413", uploaded.substring(9, 12), uploaded);
    }

    /**
     * The same body sent chunked, without a length to refuse it by, is counted as it passes: past the limit the client
     * gets the door's 413 (a service refused it by closing its connection: 502 through the door).
     */
    @Test
    void aChunkedArmBodyPastTheLimitIsTheDoors413() throws Exception {
        StringBuilder chunks = new StringBuilder();
        String piece = "z".repeat(64 * 1024);
        for (int i = 0; i < 17; i++) { // 1 MiB and 64 KiB: the client stops there, the door has read all it sent
            chunks.append(Integer.toHexString(piece.length())).append("\r\n").append(piece).append("\r\n");
        }
        String refused = rawHead("PUT " + GALLERY + "?api-version=2024-03-03 HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks);
        assertTrue(refused.startsWith("HTTP/1.1 413 "), refused.substring(0, Math.min(300, refused.length())));
        JsonObject error = new JsonObject(refused.substring(refused.indexOf("\r\n\r\n") + 4)).getJsonObject("error");
        assertEquals("RequestEntityTooLarge", error.getString("code"));
        String head = refused.substring(0, refused.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
        assertTrue(GUID.matcher(head.replaceAll("(?s).*x-ms-request-id: ([^\r]+).*", "$1")).matches(), refused);
    }

    /**
     * A client that sends its whole body before it reads (as many do) still gets the 413: the door read and dropped
     * the rest of the body before it closed the connection. Closed at once, the bytes it had not read made the kernel
     * answer with a reset: the client's writes failed, and its read failed after the 413 (CI saw this once in
     * {@link #aChunkedArmBodyPastTheLimitIsTheDoors413}; with 3 MB it is certain).
     */
    @Test
    void aClientStillSendingTheBodyGetsThe413AndAnOrderlyClose() throws Exception {
        byte[] body = ("{\"location\":\"westeurope\",\"tags\":{\"t\":\"" + "w".repeat(3_000_000) + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
        for (boolean chunked : List.of(false, true)) {
            try (Socket s = new Socket("localhost", http.getPort())) {
                s.setSoTimeout(15_000);
                String head = "PUT " + GALLERY + "?api-version=2024-03-03 HTTP/1.1\r\nHost: localhost\r\n"
                        + "Content-Type: application/json\r\n"
                        + (chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "Content-Length: " + body.length
                                + "\r\n\r\n");
                var sent = CompletableFuture.runAsync(() -> {
                    try {
                        var out = s.getOutputStream();
                        out.write(head.getBytes(StandardCharsets.US_ASCII));
                        for (int at = 0; at < body.length; at += 64 * 1024) {
                            int n = Math.min(64 * 1024, body.length - at);
                            if (chunked) {
                                out.write((Integer.toHexString(n) + "\r\n").getBytes(
                                        StandardCharsets.US_ASCII));
                            }
                            out.write(body, at, n);
                            if (chunked) {
                                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                            }
                        }
                        if (chunked) {
                            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        }
                        out.flush();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(answer.startsWith("HTTP/1.1 413 "), chunked + ": " + answer);
                assertEquals("RequestEntityTooLarge", new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4))
                        .getJsonObject("error").getString("code"), answer);
                sent.get(15, TimeUnit.SECONDS); // every byte of the body was taken, none reset
            }
        }
    }

    /**
     * What Netty's HTTP decoder refuses reached no handler of the door's on Quarkus' server: Vert.x answered it with an
     * empty 400 (414, 431), no ARM error, no request ids (and HTTP/7.0 was routed, answered 404).
     */
    @Test
    void whatTheHttpDecoderRefusesIsAnArmErrorWithItsRequestIdsAndTheConnectionClosed() throws Exception {
        String put = "PUT " + GALLERY + "?api-version=2024-03-03 HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\n";
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put(put + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", "400 InvalidRequest");
        refused.put(put + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                "400 InvalidRequest");
        refused.put("GET " + GALLERY + " HTTP/1.1\r\nHost: localhost\r\nX A: b\r\n\r\n", "400 InvalidRequest");
        refused.put("GET " + GALLERY + " HTTP/1.1\r\nHost: localhost\r\nx-ms-client-request-id: \u0001bad\r\n\r\n",
                "400 InvalidRequest");
        refused.put("GET " + GALLERY + " HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "a".repeat(40_000) + "\r\n\r\n",
                "431 RequestHeaderFieldsTooLarge");
        refused.put("GET " + GALLERY + "/" + "a".repeat(5_000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "414 RequestUriTooLong");
        refused.put("GET /\r\n\r\n", "400 InvalidRequest");
        refused.put("GET " + GALLERY + " HTTP/7.0\r\nHost: localhost\r\n\r\n", "400 HttpVersionNotSupported");
        // HTTP/2 with prior knowledge on the http twin (h2c): the door speaks HTTP/1.1 only, as on https
        refused.put("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "400 HttpVersionNotSupported");
        refused.put("OPTIONS * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", "400 InvalidRequestUri");
        for (var c : refused.entrySet()) {
            String what = c.getKey().substring(0, Math.min(120, c.getKey().length()));
            // rawHead reads until the door closes the connection (or fails after 5 s)
            String answer = rawHead(c.getKey());
            String status = c.getValue().substring(0, 3);
            assertTrue(answer.matches("(?s)HTTP/\\d\\.\\d " + status + " .*"), what + ": " + answer);
            String head = answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
            assertTrue(GUID.matcher(head.replaceAll("(?s).*x-ms-request-id: ([^\r]+).*", "$1")).matches(),
                    what + ": " + answer);
            JsonObject error = new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4)).getJsonObject("error");
            assertEquals(c.getValue().substring(4), error.getString("code"), what + ": " + answer);
            assertNotNull(error.getString("message"), what);
        }
    }

    /**
     * A client still sending what the decoder refused (headers of 200 KB: the 431 goes out after the first 32 KiB) got
     * "connection reset" in place of the answer, over https a TLS error: the door closed the connection at once, with
     * the rest of the headers unread, and the kernel answers unread bytes with a reset. Now the door lingers (reads and
     * drops what still comes) before it closes, as it does after its 413.
     */
    @Test
    void aClientStillSendingWhatTheDecoderRefusedGetsTheAnswer() throws Exception {
        String head = "GET " + GALLERY + "?api-version=2024-03-03 HTTP/1.1\r\nHost: localhost\r\nX-Big: "
                + "a".repeat(200_000) + "\r\n\r\n";
        for (int round = 0; round < 3; round++) {
            try (Socket s = new Socket("localhost", http.getPort())) {
                s.setSoTimeout(15_000);
                var out = s.getOutputStream();
                byte[] bytes = head.getBytes(StandardCharsets.US_ASCII);
                for (int at = 0; at < bytes.length; at += 16 * 1024) {
                    out.write(bytes, at, Math.min(16 * 1024, bytes.length - at));
                    out.flush();
                    Thread.sleep(2); // a client on a real network: the door has answered long before the end
                }
                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(answer.startsWith("HTTP/1.1 431 "), answer);
                assertEquals("RequestHeaderFieldsTooLarge", new JsonObject(answer.substring(
                        answer.indexOf("\r\n\r\n") + 4)).getJsonObject("error").getString("code"), answer);
            }
        }
    }

    /**
     * A chunked body that stops being valid chunked coding part-way (a chunk size that is not hexadecimal, a chunk
     * longer than its size) ended the connection with no answer at all: the HTTP decoder failed the request, and Vert.x
     * closed the connection. Now the client gets an ARM 400 with its request ids before the close, and the service is
     * never handed an end of the body (nothing that was sent is taken as a whole upload).
     */
    @Test
    void aBodyThatStopsBeingValidChunkedCodingIsAnArm400AndNeverEndsAtTheService() throws Exception {
        String piece = "a".repeat(64 * 1024);
        Map<String, String> bodies = new LinkedHashMap<>();
        bodies.put("a chunk size that is not hexadecimal", "10000\r\n" + piece + "\r\nzz\r\nxx\r\n0\r\n\r\n");
        bodies.put("a chunk longer than its size", "10000\r\n" + piece + "XXXX\r\n0\r\n\r\n");
        for (var b : bodies.entrySet()) {
            for (String target : List.of("/blobs/westeurope/c0de0000-0000-4000-8000-00000000c001/c.raw",
                    GALLERY + "?api-version=2024-03-03")) {
                StubUpstreams.LAST_UPLOAD.set(-1);
                String what = b.getKey() + ", " + target;
                String answer = rawHead("PUT " + target + " HTTP/1.1\r\nHost: localhost\r\n"
                        + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + b.getValue());
                assertTrue(answer.startsWith("HTTP/1.1 400 "), what + ": " + answer);
                String head = answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
                assertTrue(head.contains("connection: close"), what + ": " + head);
                assertTrue(GUID.matcher(head.replaceAll("(?s).*x-ms-request-id: ([^\r]+).*", "$1")).matches(),
                        what + ": " + answer);
                JsonObject error = new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4))
                        .getJsonObject("error");
                assertEquals("InvalidRequest", error.getString("code"), what);
                assertTrue(error.getString("message").contains("chunked"), what + ": " + error);
                Thread.sleep(200);
                assertEquals(-1, StubUpstreams.LAST_UPLOAD.get(), what + ": the service took it as a whole upload");
            }
        }
    }

    /**
     * A client trickling its request head kept its connection for the idle timeout (30 minutes), since every byte
     * reset it; now the head is due within the header timeout (3 s in the tests), and so is the next request on a
     * kept-alive connection. A request in progress is not cut.
     */
    @Test
    void aRequestHeadThatDoesNotArriveInTimeLosesItsConnection() throws Exception {
        try (Socket s = new Socket("localhost", http.getPort())) {
            s.setSoTimeout(15_000);
            var out = s.getOutputStream();
            long start = System.nanoTime();
            out.write(("GET " + SUB + "?api-version=2022-12-01 HTTP/1.1\r\n").getBytes(StandardCharsets.US_ASCII));
            boolean closed = false;
            for (int i = 0; i < 12 && !closed; i++) {
                Thread.sleep(500);
                try {
                    out.write(("X-Trickle-" + i + ": a\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    closed = true; // the door closed it: the write failed
                }
            }
            if (!closed) {
                assertEquals(-1, s.getInputStream().read(), "the door answered a request head it never received");
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(seconds < 6.5, "closed after " + seconds + " s");
        }
        try (Socket s = new Socket("localhost", http.getPort())) {
            s.setSoTimeout(15_000);
            s.getOutputStream().write(("GET " + SUB + "?api-version=2022-12-01 HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            var in = s.getInputStream();
            byte[] buf = new byte[8192];
            int n = in.read(buf);
            assertTrue(new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200 "));
            long start = System.nanoTime();
            // the rest of the answer, then nothing: the kept-alive connection is closed once its next head is late
            while (in.read(buf) >= 0) {
                assertTrue(System.nanoTime() - start < 10_000_000_000L, "still open after 10 s");
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(seconds > 2 && seconds < 6.5, "closed after " + seconds + " s");
        }
    }

    /**
     * A WebSocket upgrade goes to the service as a plain request (no service takes WebSockets), and its answer comes
     * back whole: the proxy's WebSocket tunnelling answered a refused upgrade with the status alone, without the
     * service's body.
     */
    @Test
    void anUpgradeRequestIsAnsweredByTheServiceAsPlainHttp() throws Exception {
        try (Socket s = new Socket("localhost", http.getPort())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(("GET " + GALLERY + "?api-version=2024-03-03 HTTP/1.1\r\nHost: localhost\r\n"
                    + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            var in = s.getInputStream();
            StringBuilder answer = new StringBuilder();
            int length = -1;
            int bodyAt = -1;
            byte[] buf = new byte[8192];
            while (bodyAt < 0 || answer.length() < bodyAt + length) {
                int n = in.read(buf);
                assertTrue(n > 0, "the connection ended: " + answer);
                answer.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                int end = answer.indexOf("\r\n\r\n");
                if (bodyAt < 0 && end >= 0) {
                    bodyAt = end + 4;
                    String head = answer.substring(0, end).toLowerCase(java.util.Locale.ROOT);
                    length = Integer.parseInt(head.replaceAll("(?s).*content-length: (\\d+).*", "$1"));
                }
            }
            assertTrue(answer.toString().startsWith("HTTP/1.1 200 "), answer.toString());
            JsonObject body = new JsonObject(answer.substring(bodyAt));
            assertEquals("catalog", body.getString("service"), answer.toString());
        }
    }

    /** One request written as is (the test HTTP clients refuse to send what the door must refuse). */
    private String raw(String method, String target) throws Exception {
        return rawHead(method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    }

    /**
     * A service's 304 or 204 goes out without a body and without body framing: the door sent them with
     * {@code Transfer-Encoding: chunked} and no chunk, and Python's http.client (azure-core's transport) read on for
     * the chunks until its timeout (a hostile probe). The next request on the connection is answered.
     */
    @Test
    void anAnswerWithoutABodyHasNoBodyFraming() throws Exception {
        for (String path : List.of("/blobs/westeurope/c0de0000-0000-4000-8000-00000000c001/not-modified",
                GALLERY + "/no-content?api-version=2024-03-03")) {
            String answer = rawHead("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    + "GET " + SUB + "?api-version=2022-12-01 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            String first = answer.substring(0, answer.indexOf("\r\n\r\n") + 4);
            assertTrue(first.matches("(?s)HTTP/1\\.1 (304|204) .*"), answer);
            String lower = first.toLowerCase(java.util.Locale.ROOT);
            assertTrue(!lower.contains("transfer-encoding") && !lower.contains("content-length"), first);
            assertTrue(lower.contains("x-ms-request-id: ") && lower.contains("etag: \"e\""), first);
            String rest = answer.substring(first.length());
            assertTrue(rest.startsWith("HTTP/1.1 200 "), "the next answer follows at once: " + answer);
        }
    }

    private String rawHead(String head) throws Exception {
        try (Socket s = new Socket("localhost", http.getPort())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void everyResponseCarriesANewRequestIdAndTheCallersCorrelationId() throws Exception {
        HttpResponse<String> plain = Door.send(Door.get(at(SUB + "?api-version=2022-12-01")));
        String requestId = plain.headers().firstValue("x-ms-request-id").orElseThrow();
        String correlation = plain.headers().firstValue("x-ms-correlation-request-id").orElseThrow();
        assertTrue(GUID.matcher(requestId).matches(), "the door's id, not the service's: " + requestId);
        assertTrue(GUID.matcher(correlation).matches());
        assertNotEquals(requestId, correlation);
        assertTrue(plain.headers().firstValue("x-ms-client-request-id").isEmpty(), "not asked for");
        JsonObject seen = new JsonObject(plain.body());
        assertEquals(requestId, seen.getString("requestId"), "the service learns the id too");
        assertEquals(correlation, seen.getString("correlationId"));

        HttpResponse<String> again = Door.send(Door.get(at(SUB + "?api-version=2022-12-01")));
        assertNotEquals(requestId, again.headers().firstValue("x-ms-request-id").orElseThrow(), "one id per request");

        String mine = "6f1d4c2a-0000-4000-8000-0000000000aa";
        HttpResponse<String> correlated = Door.send(Door.get(at(SUB + "?api-version=2022-12-01"))
                .header("x-ms-correlation-request-id", mine).header("x-ms-client-request-id", "client-1"));
        assertEquals(mine, correlated.headers().firstValue("x-ms-correlation-request-id").orElseThrow());
        assertEquals(mine, new JsonObject(correlated.body()).getString("correlationId"));
        assertTrue(correlated.headers().firstValue("x-ms-client-request-id").isEmpty(),
                "echoed only when the client asks");

        HttpResponse<String> echoed = Door.send(Door.get(at(SUB + "?api-version=2022-12-01"))
                .header("x-ms-client-request-id", "client-2").header("x-ms-return-client-request-id", "true"));
        assertEquals("client-2", echoed.headers().firstValue("x-ms-client-request-id").orElseThrow());

        // the door's own answers carry them too
        HttpResponse<String> notFound = Door.send(Door.get(at("/nothing"))
                .header("x-ms-client-request-id", "client-3").header("x-ms-return-client-request-id", "true")
                .header("x-ms-correlation-request-id", mine));
        assertEquals(404, notFound.statusCode());
        assertEquals("client-3", notFound.headers().firstValue("x-ms-client-request-id").orElseThrow());
        assertEquals(mine, notFound.headers().firstValue("x-ms-correlation-request-id").orElseThrow());
        assertTrue(GUID.matcher(notFound.headers().firstValue("x-ms-request-id").orElseThrow()).matches());
    }

    @Test
    void theServiceLearnsTheHostAndSchemeTheClientCalledAndNothingTheClientClaims() throws Exception {
        HttpResponse<String> r = Door.send(Door.get(at(SUB + "/providers/Microsoft.Compute/galleries?api-version=2024-03-03"))
                .header("X-Forwarded-Proto", "gopher").header("X-Forwarded-For", "10.9.9.9")
                .header("Forwarded", "host=evil.example"));
        JsonObject seen = new JsonObject(r.body());
        assertEquals("localhost:" + https.getPort(), seen.getString("forwardedHost"));
        assertEquals("https", seen.getString("forwardedProto"));
        assertEquals("127.0.0.1", seen.getString("forwardedFor"));

        HttpResponse<String> plain = Door.client().send(HttpRequest.newBuilder(URI.create(http + "subscriptions"))
                .build(), HttpResponse.BodyHandlers.ofString());
        JsonObject overHttp = new JsonObject(plain.body());
        assertEquals("http", overHttp.getString("forwardedProto"), "the http twin says http");
        assertEquals("localhost:" + http.getPort(), overHttp.getString("forwardedHost"));
    }

    @Test
    void aServicesErrorComesThroughAsItsOwnArmError() throws Exception {
        HttpResponse<String> r = Door.send(HttpRequest.newBuilder(at(GALLERY + "/bad?api-version=2024-03-03"))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"x\":1}")));
        assertEquals(400, r.statusCode());
        JsonObject error = new JsonObject(r.body()).getJsonObject("error");
        assertEquals("InvalidParameter", error.getString("code"));
        assertEquals("properties.x", error.getString("target"));
        assertTrue(GUID.matcher(r.headers().firstValue("x-ms-request-id").orElseThrow()).matches());
    }

    /** curl -T and the SDKs send a large body only after 100 Continue (else after a second's wait): the door relays it. */
    @Test
    void anUploadThatExpects100ContinueGetsTheServicesContinueAtOnce() throws Exception {
        try (Socket s = new Socket("localhost", http.getPort())) {
            s.setSoTimeout(5_000);
            var out = s.getOutputStream();
            out.write(("PUT /blobs/westeurope/s/expect.raw HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
                    + "Expect: 100-continue\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            long t0 = System.nanoTime();
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals("HTTP/1.1 100 Continue", in.readLine());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 500, "100 Continue after " + ms + " ms");
            assertEquals("", in.readLine());
            out.write("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            assertEquals("HTTP/1.1 200 OK", in.readLine());
        }
    }

    @Test
    void anUnreachableServiceIsAnArm502AtOnceNotAHang() throws Exception {
        int port = StubUpstreams.PORTS.get("billing");
        StubUpstreams.stop("billing");
        try {
            long t0 = System.nanoTime();
            HttpResponse<String> r = Door.send(Door.get(at(SUB + "/providers/Microsoft.Consumption/usageDetails"
                    + "?api-version=2023-05-01")).header("x-ms-correlation-request-id", "corr-502"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(502, r.statusCode(), r.body());
            assertTrue(ms < 5_000, "answered in " + ms + " ms");
            JsonObject error = new JsonObject(r.body()).getJsonObject("error");
            assertEquals("BadGateway", error.getString("code"));
            assertTrue(error.getString("message").contains("billing-service"), error.getString("message"));
            assertEquals("corr-502", r.headers().firstValue("x-ms-correlation-request-id").orElseThrow());
            // an upload to an unreachable service is the same answer, its body not waited for
            HttpResponse<String> upload = Door.send(HttpRequest.newBuilder(at(SUB + "/providers/Microsoft.Consumption"
                    + "/priceSheets/default?api-version=2023-05-01")).PUT(HttpRequest.BodyPublishers
                    .ofByteArray(new byte[1 << 20])));
            assertEquals(502, upload.statusCode());
        } finally {
            StubUpstreams.listen("billing", port);
        }
        assertEquals(200, Door.send(Door.get(at(SUB + "/providers/Microsoft.Consumption/usageDetails"))).statusCode(),
                "and back once it is");
    }

    @Test
    void aServiceOfSeveralInstancesGetsRequestsOnEachAndOneThatIsDownIsPassedOver() throws Exception {
        String path = GALLERY + "?api-version=2024-03-03";
        java.util.Set<String> served = new java.util.HashSet<>();
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> r = Door.send(Door.get(at(path)));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("catalog", new JsonObject(r.body()).getString("service"));
            served.add(new JsonObject(r.body()).getString("instance"));
        }
        assertEquals(java.util.Set.of("catalog", StubUpstreams.CATALOG_2), served, "each instance in turn");

        int port = StubUpstreams.PORTS.get(StubUpstreams.CATALOG_2);
        StubUpstreams.stop(StubUpstreams.CATALOG_2); // restarting, say: its port refuses connections
        try {
            for (int i = 0; i < 6; i++) {
                HttpResponse<String> r = Door.send(Door.get(at(path)));
                assertEquals(200, r.statusCode(), "request " + i + ": " + r.body());
                assertEquals("catalog", new JsonObject(r.body()).getString("instance"));
            }
            // a body goes whole to the instance that takes it, not half to the one that is down
            String body = "{\"location\":\"westeurope\"}";
            HttpResponse<String> put = Door.send(HttpRequest.newBuilder(at(path)).header("Content-Type",
                    "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)));
            assertEquals(200, put.statusCode(), put.body());
            assertEquals("catalog", new JsonObject(put.body()).getString("instance"));
            assertEquals(body.length(), new JsonObject(put.body()).getLong("bytes"));
        } finally {
            StubUpstreams.listen(StubUpstreams.CATALOG_2, port);
        }
    }

    @Test
    void theStacksOwnCaVerifiesTheDoor() throws Exception {
        var ctx = Door.trustingTheStackCa();
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", https.getPort())) {
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.startHandshake();
            var chain = s.getSession().getPeerCertificates();
            assertEquals("CN=localhost", ((java.security.cert.X509Certificate) chain[0]).getSubjectX500Principal()
                    .getName());
        }
        // and a client that trusts only the JDK's public CAs refuses it: the CA is the stack's own
        assertThrows(SSLHandshakeException.class, () -> java.net.http.HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(at("/subscriptions")).build(), HttpResponse.BodyHandlers.ofString()));
    }

    /**
     * An operator's renewed certificate (the TLS registry reloads its key store, with {@code quarkus.tls.reload-period}
     * or on demand, and says so with a {@link CertificateUpdatedEvent}) serves new connections without a restart: the
     * door's own servers take it, as Quarkus' server did.
     */
    @Test
    void aRenewedCertificateServesNewConnectionsWithoutARestart() throws Exception {
        Path served = StubUpstreams.tls.keyStore();
        byte[] original = Files.readAllBytes(served);
        LocalTls renewed = LocalTls.ensure(Files.createTempDirectory("door-tls-renewed")); // another CA, another key
        try {
            rekey(renewed.keyStore(), renewed.keyStorePassword(), served, StubUpstreams.tls.keyStorePassword());
            renew();
            assertTrue(handshakeTrusting(renewed), "the renewed certificate is not served");
            assertThrows(SSLHandshakeException.class, () -> handshake(Door.trustingTheStackCa()));
        } finally {
            Files.write(served, original);
            renew();
            assertTrue(handshakeTrusting(StubUpstreams.tls), "the original certificate is not served again");
        }
    }

    private void renew() {
        TlsConfiguration config = registry.getDefault().orElseThrow();
        assertTrue(config.reload(), "the registry did not reload its key store");
        certificateUpdated.fire(new CertificateUpdatedEvent(config.getName(), config));
    }

    /** Whether a client trusting only {@code tls}'s CA completes a handshake within 5 s (the update is asynchronous). */
    private boolean handshakeTrusting(LocalTls tls) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(tls.trustStore())) {
            ts.load(in, LocalTls.TRUSTSTORE_PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            try {
                handshake(ctx);
                return true;
            } catch (SSLHandshakeException e) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(100);
            }
        }
    }

    private void handshake(SSLContext ctx) throws IOException {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", https.getPort())) {
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.startHandshake();
        }
    }

    /** Writes {@code from}'s key and chain to {@code to} under {@code password} (the one the registry is given). */
    private static void rekey(Path from, String fromPassword, Path to, String password) throws Exception {
        KeyStore in = KeyStore.getInstance("PKCS12");
        try (var stream = Files.newInputStream(from)) {
            in.load(stream, fromPassword.toCharArray());
        }
        KeyStore out = KeyStore.getInstance("PKCS12");
        out.load(null, null);
        out.setKeyEntry("localhost", in.getKey("localhost", fromPassword.toCharArray()), password.toCharArray(),
                in.getCertificateChain("localhost"));
        try (var stream = Files.newOutputStream(to)) {
            out.store(stream, password.toCharArray());
        }
    }

    @Test
    void aWrongHostNameFailsTheHandshake() throws Exception {
        var ctx = Door.trustingTheStackCa();
        // the door's address, reached under a name its certificate does not hold (as a DNS alias would be)
        try (Socket raw = new Socket("127.0.0.1", https.getPort());
             SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, "gallery.example.com",
                     https.getPort(), true)) {
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            SSLHandshakeException e = assertThrows(SSLHandshakeException.class, s::startHandshake);
            assertTrue(e.getMessage().contains("gallery.example.com"), e.getMessage());
        }
    }
}

package dev.imagegallery.replication;

import dev.imagegallery.devstack.Hostile;
import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.Json;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.replication.service.ReplicationService;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.imagegallery.replication.ReplicationTest.image;
import static dev.imagegallery.replication.ReplicationTest.sha;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The data plane against a hostile or careless client: every malformed input is a 4xx ARM error naming the field
 * (never a 500, never silently reinterpreted), and bursts of uploads and deletions of the same names, eight at a
 * time, answer no 5xx, never hang, leave the blob and its content consistent and no database transaction open.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "replication"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class HostileClientTest {
    static final String SUB = Realms.CONTOSO_SUBSCRIPTION;
    static final Duration HANG = Duration.ofSeconds(30);

    @Inject
    Pool pool;
    @Inject
    ReplicationService replication;

    @BeforeEach
    void grants() {
        TestSupport.seedGrants();
    }

    static String blob(String name) {
        return "/blobs/westeurope/" + SUB + "/" + name;
    }

    /** Sends one request and checks it is answered {@code status} with an ARM error naming {@code target}. */
    static void refused(String method, String path, byte[] body, int status, String code, String target,
                        String... headers) throws Exception {
        HttpResponse<byte[]> r = TestSupport.send(method, path, Tokens.alice(), body, HANG, headers);
        String what = method + " " + path + " -> " + r.statusCode() + " " + TestSupport.text(r);
        assertEquals(status, r.statusCode(), what);
        Map<?, ?> error = (Map<?, ?>) Json.read(TestSupport.text(r), Map.class).get("error");
        assertTrue(error != null && error.get("message") != null, "an ARM error body: " + what);
        if (code != null) {
            assertEquals(code, error.get("code"), what);
        }
        assertEquals(target, error.get("target"), what);
    }

    /**
     * Matrix parameters used to be dropped silently: blob {@code rel-x;y} overwrote {@code rel-x}. A literal ';' in any
     * path is refused before routing (common's RequestGuard, 400 InvalidRequestUri); an encoded one (%3B) reaches the
     * name and is no blob name (400 naming it).
     */
    @Test
    void aMatrixParameterInAnyPathSegmentIsRefusedNotTruncated() throws Exception {
        String name = "rel-" + UUID.randomUUID();
        byte[] original = image(10_000, 1);
        assertEquals(201, TestSupport.send("PUT", blob(name), Tokens.alice(), original, HANG).statusCode());
        byte[] other = image(10_000, 2);
        refused("PUT", blob(name + ";y"), other, 400, "InvalidRequestUri", null);
        refused("PUT", blob(name + ";y=1"), other, 400, "InvalidRequestUri", null);
        refused("PUT", "/blobs/westeurope;x/" + SUB + "/" + name, other, 400, "InvalidRequestUri", null);
        refused("PUT", "/blobs/westeurope/" + SUB + ";x/" + name, other, 400, "InvalidRequestUri", null);
        refused("PUT", blob(name + "%3By"), other, 400, "InvalidBlobName", "name");
        refused("GET", blob(name + ";y"), null, 400, "InvalidRequestUri", null);
        refused("DELETE", blob(name + ";y"), null, 400, "InvalidRequestUri", null);
        HttpResponse<byte[]> back = TestSupport.send("GET", blob(name), Tokens.alice(), null, HANG);
        assertEquals(200, back.statusCode());
        assertArrayEquals(original, back.body(), "rel-x keeps its content");
        String version = "/download/westeurope/subscriptions/" + SUB + "/resourceGroups/rg/providers/"
                + "Microsoft.Compute/galleries/g/images/i/versions/1.0.0";
        refused("GET", version + ";x", null, 400, "InvalidRequestUri", null);
        refused("GET", version.replace("/versions/1.0.0", "/versions/1.0.0%3Bx"), null, 400, null, "versionName");
    }

    /** Every data-plane route answers a missing or malformed bearer token 401 with an ARM error, never a 500. */
    @Test
    void malformedTokensAreRefusedWith401OnEveryRoute() throws Exception {
        String download = "/download/westeurope/subscriptions/" + SUB + "/resourceGroups/rg/providers/"
                + "Microsoft.Compute/galleries/g/images/i/versions/1.0.0";
        String[][] routes = {{"PUT", blob("t.raw")}, {"PUT", blob("t.raw") + "?comp=block&blockid=QUFBQQ=="},
                {"PUT", blob("t.raw") + "?comp=blocklist"}, {"GET", blob("t.raw")}, {"DELETE", blob("t.raw")},
                {"GET", download}};
        for (String[] route : routes) {
            for (String token : new String[]{null, "..", ".", "...", "....", "abc.def.ghi", "x".repeat(20_000)}) {
                byte[] body = route[0].equals("PUT") ? new byte[16] : null;
                HttpResponse<byte[]> r = TestSupport.send(route[0], route[1], token, body, HANG);
                String what = route[0] + " " + route[1] + " with " + (token == null ? "no token"
                        : "'" + token.substring(0, Math.min(12, token.length())) + "'") + " -> " + r.statusCode()
                        + " " + TestSupport.text(r);
                assertEquals(401, r.statusCode(), what);
                Map<?, ?> error = (Map<?, ?>) Json.read(TestSupport.text(r), Map.class).get("error");
                assertTrue(error != null && error.get("code") != null, what);
            }
        }
    }

    @Test
    void malformedBlobRequestsAreRefusedNamingTheField() throws Exception {
        byte[] body = image(1_000, 3);
        String ok = "fine-" + UUID.randomUUID() + ".raw";
        // control characters anywhere in a path are refused by common's ApiVersionFilter before any route matches
        refused("PUT", blob("a%00b"), body, 400, "InvalidResourceName", null);
        refused("PUT", blob("x".repeat(256)), body, 400, "InvalidBlobName", "name");
        // a dot segment is resolved before routing (RFC 3986): /blobs/westeurope/{sub} is no route
        refused("PUT", blob("%2E%2E"), body, 404, "NotFound", null);
        refused("PUT", blob(".hidden"), body, 400, "InvalidBlobName", "name");
        refused("PUT", blob("a%2Fb"), body, 400, "InvalidBlobName", "name");
        refused("PUT", blob("caf%C3%A9"), body, 400, "InvalidBlobName", "name");
        refused("PUT", "/blobs/westeurope/not-a-guid/" + ok, body, 400, "InvalidSubscriptionId", "subscriptionId");
        refused("PUT", "/blobs/westeurope/" + SUB.substring(0, 35) + "%00/" + ok, body, 400,
                "InvalidResourceName", null);
        refused("PUT", "/blobs/westeurope/" + SUB.substring(0, 35) + "g/" + ok, body, 400,
                "InvalidSubscriptionId", "subscriptionId");
        refused("PUT", "/blobs/west%00europe/" + SUB + "/" + ok, body, 400, "InvalidResourceName", null);
        refused("PUT", "/blobs/west_europe/" + SUB + "/" + ok, body, 400, "InvalidRegion", "region");
        refused("PUT", "/blobs/" + "w".repeat(300) + "/" + SUB + "/" + ok, body, 400, "InvalidRegion", "region");
        refused("PUT", "/blobs/mars/" + SUB + "/" + ok, body, 404, "RegionNotFound", "region");
        refused("PUT", blob(ok), body, 400, "InvalidHeaderValue", "X-Content-SHA256", "X-Content-SHA256", "xyz");
        refused("PUT", blob(ok), body, 400, "InvalidHeaderValue", "X-Content-SHA256", "X-Content-SHA256",
                "sha256:" + "0".repeat(63));
        refused("PUT", blob(ok), body, 400, "InvalidHeaderValue", "X-Content-SHA256", "X-Content-SHA256", sha(body),
                "X-Content-SHA256", "0".repeat(64));
        // part of a body sent as the whole was stored as the whole blob (RFC 9110, 14.4: a PUT with Content-Range
        // must be refused), a block as well
        refused("PUT", blob(ok), body, 400, "UnsupportedHeader", "Content-Range", "Content-Range",
                "bytes 0-" + (body.length - 1) + "/" + (2L * body.length));
        refused("PUT", blob(ok) + "?comp=block&blockid=" + DataPlaneTest.b64("b1"), body, 400, "UnsupportedHeader",
                "Content-Range", "Content-Range", "bytes 0-2/-1");
        refused("PUT", blob(ok) + "?comp=bogus", body, 400, null, "comp");
        refused("PUT", blob(ok) + "?comp=%00", body, 400, null, "comp");
        refused("PUT", blob(ok) + "?comp=block", body, 400, null, "blockid");
        refused("PUT", blob(ok) + "?comp=block&blockid=%21%21", body, 400, null, "blockid");
        refused("PUT", blob(ok) + "?comp=block&blockid=" + DataPlaneTest.b64("x".repeat(65)), body, 400, null,
                "blockid");
        refused("PUT", blob(ok) + "?comp=blocklist", "{\"blocks\":[]}".getBytes(), 400, "InvalidBlockList", "body");
        String absent = "absent-" + UUID.randomUUID();
        refused("GET", blob(absent), null, 404, "BlobNotFound", absent);
        assertEquals(404, TestSupport.send("GET", blob(ok), Tokens.alice(), null, HANG).statusCode(),
                "nothing was stored by any of them");

        assertEquals(201, TestSupport.send("PUT", blob(ok), Tokens.alice(), body, HANG).statusCode());
        refused("GET", blob(ok), null, 416, "InvalidRange", "Range", "Range", "bytes=99999999999999999999-");
        refused("GET", blob(ok), null, 416, "InvalidRange", "Range", "Range", "bytes=1000-");
        HttpResponse<byte[]> ignored = TestSupport.send("GET", blob(ok), Tokens.alice(), null, HANG, "Range",
                "bytes=abc");
        assertEquals(200, ignored.statusCode(), "an unparseable Range is ignored (RFC 9110)");
        assertArrayEquals(body, ignored.body());
    }

    @Test
    void malformedDownloadPathsAreRefusedNamingTheField() throws Exception {
        String base = "/download/westeurope/subscriptions/" + SUB;
        String tail = "/providers/Microsoft.Compute/galleries/g/images/i/versions/1.0.0";
        refused("GET", base + "/resourceGroups/rg!" + tail, null, 400, null, "resourceGroupName");
        refused("GET", base + "/resourceGroups/" + "r".repeat(91) + tail, null, 400, null, "resourceGroupName");
        refused("GET", base + "/resourceGroups/rg" + tail.replace("/galleries/g/", "/galleries/g%2F..%2Fh/"), null,
                400, null, "galleryName");
        refused("GET", base + "/resourceGroups/rg" + tail.replace("/images/i/", "/images/i%24/"), null, 400, null,
                "galleryImageName");
        refused("GET", base + "/resourceGroups/rg" + tail.replace("1.0.0", "1.0"), null, 400, null, "versionName");
        refused("GET", base + "/resourceGroups/rg" + tail.replace("1.0.0", "1.0.99999999999"), null, 400, null,
                "versionName");
        refused("GET", "/download/westeurope/subscriptions/nope/resourceGroups/rg" + tail, null, 400, null,
                "subscriptionId");
        refused("GET", base + "/resourceGroups/rg" + tail, null, 404, "ReplicaNotFound", "region");
    }

    /** Eight uploads of one name at once, three times: each answers, and the blob ends as exactly one of them. */
    @Test
    void sameNameUploadsEightAtATimeAnswerNoServerErrorAndLeaveOneWholeContent() throws Exception {
        String name = "same-" + UUID.randomUUID() + ".raw";
        ExecutorService pool8 = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 3; round++) {
                Set<String> digests = ConcurrentHashMap.newKeySet();
                List<Future<Integer>> answers = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    byte[] content = image(96 * 1024, System.nanoTime() + i);
                    digests.add(sha(content));
                    answers.add(pool8.submit(() -> upload(name, content)));
                }
                for (Future<Integer> a : answers) {
                    assertEquals(201, a.get(HANG.toSeconds() * 2, TimeUnit.SECONDS));
                }
                assertWholeAndOneOf(name, digests);
            }
        } finally {
            pool8.shutdownNow();
        }
        assertEquals(List.of(), Hostile.openTransactions("replication", Duration.ofSeconds(10)));
    }

    /** Uploads and deletions of the same names, eight at a time: no 5xx, no hang, a blob is whole or gone. */
    @Test
    void parallelUploadsAndDeletesEightAtATimeAnswerNoServerErrorAndLeaveNoTransactionOpen() throws Exception {
        List<String> names = List.of("churn-a-" + UUID.randomUUID() + ".raw", "churn-b-" + UUID.randomUUID()
                + ".raw");
        Set<String> digests = ConcurrentHashMap.newKeySet();
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool8 = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int worker = t;
                work.add(pool8.submit(() -> {
                    for (int k = 0; k < 6; k++) {
                        String name = names.get((worker + k) % names.size());
                        if ((worker + k) % 2 == 0) {
                            byte[] content = image(64 * 1024, System.nanoTime());
                            digests.add(sha(content));
                            int s = upload(name, content);
                            if (s != 201) {
                                problems.add("PUT " + name + " -> " + s);
                            }
                        } else {
                            int s = TestSupport.send("DELETE", blob(name), Tokens.alice(), null, HANG).statusCode();
                            if (s != 202 && s != 404) {
                                problems.add("DELETE " + name + " -> " + s);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get(HANG.toSeconds() * 6, TimeUnit.SECONDS);
            }
        } finally {
            pool8.shutdownNow();
        }
        assertEquals(List.of(), problems);
        for (String name : names) {
            assertWholeAndOneOf(name, digests);
        }
        assertEquals(List.of(), Hostile.openTransactions("replication", Duration.ofSeconds(10)));
    }

    /** PUT, retried after a 503 ServerBusy (the documented back-pressure, with Retry-After) as a client would. */
    static int upload(String name, byte[] content) throws Exception {
        for (int attempt = 0; ; attempt++) {
            HttpResponse<byte[]> r = TestSupport.send("PUT", blob(name), Tokens.alice(), content, HANG);
            if (r.statusCode() != 503 || attempt == 5) {
                return r.statusCode();
            }
            assertTrue(r.headers().firstValue("Retry-After").isPresent(), "a 503 says when to retry");
        }
    }

    /** The blob is gone (404) or answers whole content with the digest it announces, one of {@code digests}. */
    static void assertWholeAndOneOf(String name, Set<String> digests) throws Exception {
        HttpResponse<byte[]> r = TestSupport.send("GET", blob(name), Tokens.alice(), null, HANG);
        if (r.statusCode() == 404) {
            assertEquals("BlobNotFound", ((Map<?, ?>) Json.read(TestSupport.text(r), Map.class).get("error"))
                    .get("code"));
            return;
        }
        assertEquals(200, r.statusCode(), TestSupport.text(r));
        String digest = sha(r.body());
        assertEquals("sha256:" + digest, r.headers().firstValue("X-Content-SHA256").orElse(null));
        assertTrue(digests.contains(digest), "one of the uploaded contents");
    }

    /**
     * Enabling versions deletes their {@code disabled_version} rows: eight at once used to go through Hibernate
     * Reactive's per-entity-type delete coordinator, shared across sessions (HR000069, hangs, open transactions).
     */
    @Test
    void concurrentEnablingOfDisabledVersionsAnswersAndLeavesNoTransactionOpen() throws Exception {
        ExecutorService pool8 = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 3; round++) {
                List<String> versions = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    versions.add(DataPlaneTest.versionId() + "-" + UUID.randomUUID());
                }
                for (String v : versions) {
                    lifecycle(v, "Disabled");
                }
                List<Future<?>> enabling = new ArrayList<>();
                for (String v : versions) {
                    enabling.add(pool8.submit(() -> {
                        lifecycle(v, "Active");
                        return null;
                    }));
                }
                for (Future<?> f : enabling) {
                    f.get(HANG.toSeconds(), TimeUnit.SECONDS);
                }
                long left = pool.preparedQuery("SELECT count(*) AS n FROM disabled_version WHERE version_key = ANY($1)")
                        .execute(Tuple.of(versions.stream().map(String::toLowerCase).toArray(String[]::new)))
                        .await().atMost(HANG).iterator().next().getLong("n");
                assertEquals(0, left, "every version is enabled again");
            }
        } finally {
            pool8.shutdownNow();
        }
        assertEquals(List.of(), Hostile.openTransactions("replication", Duration.ofSeconds(10)));
    }

    private void lifecycle(String version, String state) throws Exception {
        var event = new Payloads.VersionLifecycleChanged(version, SUB, state, null);
        try {
            VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(
                    () -> replication.lifecycleChanged(event)).ifNoItem().after(HANG).fail());
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}

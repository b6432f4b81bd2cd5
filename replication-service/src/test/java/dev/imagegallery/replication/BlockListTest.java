package dev.imagegallery.replication;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import static dev.imagegallery.replication.DataPlaneTest.b64;
import static dev.imagegallery.replication.DataPlaneTest.blob;
import static dev.imagegallery.replication.ReplicationTest.image;
import static dev.imagegallery.replication.ReplicationTest.sha;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Put Block List is parsed strictly: well-formed XML, a {@code BlockList} of {@code Latest}, {@code Committed} and
 * {@code Uncommitted} elements holding Base64 block ids of one length. Anything else is 400 InvalidBlockList and
 * changes nothing: the blob keeps its content and the staged blocks stay for the retry.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "replication"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class BlockListTest {
    @jakarta.inject.Inject
    dev.imagegallery.replication.service.StagedBlockSweeper sweeper;

    static final String A = b64("AAAA");
    static final String B = b64("BBBB");
    static final String C = b64("CCCC");

    @BeforeEach
    void grants() {
        TestSupport.seedGrants();
    }

    private static void stage(String name, String id, byte[] content) {
        given().auth().oauth2(Tokens.alice()).body(content).put(blob(name) + "?comp=block&blockid=" + id)
                .then().statusCode(201);
    }

    private static void refused(String name, String list) {
        given().auth().oauth2(Tokens.alice()).body(list.getBytes(StandardCharsets.UTF_8))
                .put(blob(name) + "?comp=blocklist").then().statusCode(400)
                .body("error.code", is("InvalidBlockList")).body("error.message", notNullValue())
                .body("error.target", notNullValue());
    }

    private static byte[] content(String name) {
        return given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(200).extract().asByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /**
     * From a hostile probe of the data plane: "QQ", "QR==" and "QQ==" named one block (the last written won);
     * GET ?comp=blocklist answered the blob's bytes and DELETE ?comp=block deleted the whole blob; a DELETE of a blob
     * with staged blocks only was a 404 that kept them on disk.
     */
    @Test
    void blockIdsHaveOneSpellingAndCompIsNeverGuessed() {
        String name = "spelled-" + java.util.UUID.randomUUID() + ".raw";
        for (String id : java.util.List.of("QQ", "QR==", "QQ=")) {
            given().auth().oauth2(Tokens.alice()).body(new byte[10]).put(blob(name) + "?comp=block&blockid=" + id)
                    .then().statusCode(400).body("error.target", is("blockid"));
        }
        stage(name, "QQ==", new byte[4096]);
        given().auth().oauth2(Tokens.alice()).get(blob(name) + "?comp=blocklist").then().statusCode(400)
                .body("error.target", is("comp"));
        given().auth().oauth2(Tokens.alice()).delete(blob(name) + "?comp=block&blockid=QQ==").then().statusCode(400)
                .body("error.target", is("comp"));
        // a block's digests are checked before it is staged (they were taken and ignored)
        byte[] block = new byte[5000];
        given().auth().oauth2(Tokens.alice()).header("X-Content-SHA256", "0".repeat(64)).body(block)
                .put(blob(name) + "?comp=block&blockid=Qg==").then().statusCode(400)
                .body("error.code", is("ContentDigestMismatch"));
        given().auth().oauth2(Tokens.alice()).header("Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA==").body(block)
                .put(blob(name) + "?comp=block&blockid=Qg==").then().statusCode(400)
                .body("error.code", is("Md5Mismatch"));
        given().auth().oauth2(Tokens.alice()).header("Content-MD5", "nope").body(block)
                .put(blob(name) + "?comp=block&blockid=Qg==").then().statusCode(400)
                .body("error.target", is("Content-MD5"));
        String md5;
        try {
            md5 = java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("MD5")
                    .digest(block));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        given().auth().oauth2(Tokens.alice()).header("Content-MD5", md5).body(block)
                .put(blob(name) + "?comp=block&blockid=Qg==").then().statusCode(201);
        // staged only: the DELETE removes the blocks (a list naming one commits nothing after it)
        given().auth().oauth2(Tokens.alice()).delete(blob(name)).then().statusCode(202);
        refused(name, "<BlockList><Latest>QQ==</Latest></BlockList>");
        given().auth().oauth2(Tokens.alice()).delete(blob(name)).then().statusCode(404);
    }

    /**
     * Put Block List's Content-MD5 is the body's (Azure checks it): a list that does not match it is 400
     * {@code Md5Mismatch} and commits nothing, the staged blocks kept for the retry. It was ignored, so a list damaged
     * on its way was committed as it arrived.
     */
    @Test
    void aBlockListIsCheckedAgainstItsContentMd5() throws Exception {
        String name = "md5-list-" + UUID.randomUUID() + ".raw";
        byte[] a = new byte[4096];
        a[0] = 1;
        stage(name, A, a);
        byte[] list = ("<BlockList><Latest>" + A + "</Latest></BlockList>").getBytes(StandardCharsets.UTF_8);
        String wrong = java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("MD5")
                .digest("<BlockList></BlockList>".getBytes(StandardCharsets.UTF_8)));
        given().auth().oauth2(Tokens.alice()).header("Content-MD5", wrong).body(list)
                .put(blob(name) + "?comp=blocklist").then().statusCode(400)
                .body("error.code", is("Md5Mismatch")).body("error.target", is("Content-MD5"));
        given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(404);
        given().auth().oauth2(Tokens.alice()).header("Content-MD5", "not-md5").body(list)
                .put(blob(name) + "?comp=blocklist").then().statusCode(400)
                .body("error.code", is("InvalidHeaderValue")).body("error.target", is("Content-MD5"));
        String right = java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("MD5")
                .digest(list));
        given().auth().oauth2(Tokens.alice()).header("Content-MD5", right).body(list)
                .put(blob(name) + "?comp=blocklist").then().statusCode(201);
        assertArrayEquals(a, content(name));
    }

    /**
     * Blocks staged and neither committed nor deleted go after the retention (7 days, as Azure's), counted from the
     * blob's last block: they stayed for good, on no tenant's bill (a hostile probe).
     */
    @Test
    void blocksNobodyCommitsAreSweptAfterTheRetention() {
        String kept = "kept-" + java.util.UUID.randomUUID() + ".raw";
        stage(kept, "QQ==", new byte[4096]);
        sweeper.sweep(java.time.Instant.now()); // fresh: kept
        given().auth().oauth2(Tokens.alice()).body("<BlockList><Latest>QQ==</Latest></BlockList>")
                .put(blob(kept) + "?comp=blocklist").then().statusCode(201);
        String forgotten = "forgotten-" + java.util.UUID.randomUUID() + ".raw";
        stage(forgotten, "QQ==", new byte[4096]);
        var swept = sweeper.sweep(java.time.Instant.now().plus(java.time.Duration.ofDays(8)));
        assertTrue(swept.files() >= 1, "swept: " + swept);
        refused(forgotten, "<BlockList><Latest>QQ==</Latest></BlockList>");
    }

    /** The scenario of issue 12: a cut-off list used to commit A+B over the good content and drop the blocks. */
    @Test
    void aTruncatedBlockListChangesNothing() throws Exception {
        String name = "blocklist-" + UUID.randomUUID() + ".raw";
        byte[] good = image(20_000, System.nanoTime());
        given().auth().oauth2(Tokens.alice()).body(good).put(blob(name)).then().statusCode(201);
        byte[] a = image(9_000, 1);
        byte[] b = image(7_000, 2);
        byte[] c = image(5_000, 3);
        stage(name, A, a);
        stage(name, B, b);
        stage(name, C, c);

        refused(name, "<BlockList><Latest>" + A + "</Latest><Latest>" + B + "</Latest><Latest>Q0ND");
        assertArrayEquals(good, content(name), "the old content stays");
        refused(name, "<BlockList><Latest>" + A + "</Latest>");
        assertArrayEquals(good, content(name), "a list cut after one block commits no empty blob either");

        byte[] whole = concat(a, b, c);
        given().auth().oauth2(Tokens.alice()).header("X-Content-SHA256", sha(whole))
                .body("<BlockList><Latest>" + A + "</Latest><Latest>" + B + "</Latest><Latest>" + C
                        + "</Latest></BlockList>")
                .put(blob(name) + "?comp=blocklist").then().statusCode(201).body("sizeBytes", is(whole.length));
        assertArrayEquals(whole, content(name), "the retry with the full list commits A+B+C");
    }

    @Test
    void aMalformedBlockListIsRefusedAndChangesNothing() throws Exception {
        String name = "blocklist-bad-" + UUID.randomUUID() + ".raw";
        byte[] good = image(20_000, System.nanoTime());
        given().auth().oauth2(Tokens.alice()).body(good).put(blob(name)).then().statusCode(201);
        byte[] a = image(6_000, 4);
        byte[] b = image(6_000, 5);
        String longer = b64("BBBBB");
        stage(name, A, a);
        stage(name, B, b);
        stage(name, longer, b);

        List<String> bad = List.of(
                "",
                "not xml at all",
                "<BlockList><Latest>" + A + "</Latest><Bogus>" + B + "</Bogus></BlockList>", // unknown element
                "<BlockList><Latest>" + A + "</Latest><Latest>" + B + "</BlockList>", // missing closing tag
                "<BlockList><Latest>" + A + "</Latest></BlockList><BlockList/>", // two roots
                "<BlockList><Latest>QUFBQQ=</Latest></BlockList>", // bad padding
                "<BlockList><Latest>QU*BQQ==</Latest></BlockList>", // not Base64
                "<BlockList><Latest></Latest></BlockList>", // empty id
                "<BlockList><Latest>" + A + "</Latest><Latest>" + longer + "</Latest></BlockList>", // two lengths
                "<Blocks><Latest>" + A + "</Latest></Blocks>", // another root
                "<BlockList><Latest><Id>" + A + "</Id></Latest></BlockList>", // nested element
                "<BlockList>stray<Latest>" + A + "</Latest></BlockList>", // text between blocks
                "<BlockList><Latest>" + A + "\u0000</Latest></BlockList>", // NUL
                "<?xml version=\"1.0\"?><!DOCTYPE BlockList [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>"
                        + "<BlockList><Latest>&x;</Latest></BlockList>", // XXE
                "<?xml version=\"1.0\"?><!DOCTYPE BlockList [<!ENTITY a \"" + A + "\">]>"
                        + "<BlockList><Latest>&a;</Latest></BlockList>"); // any DTD
        for (String list : bad) {
            refused(name, list);
            assertArrayEquals(good, content(name), "unchanged after " + list);
        }
        // the staged blocks are all still there
        byte[] whole = concat(b, a);
        given().auth().oauth2(Tokens.alice())
                .body("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<BlockList>\n  <Uncommitted>" + B
                        + "</Uncommitted>\n  <!-- a comment -->\n  <Latest> " + A + " </Latest>\n</BlockList>\n")
                .put(blob(name) + "?comp=blocklist").then().statusCode(201).body("digest", is("sha256:" + sha(whole)));
        assertArrayEquals(whole, content(name));
    }

    /** More than Azure's 50,000 blocks (or a body past 8 MiB) is refused before anything is committed. */
    @Test
    void anOversizedBlockListIsRefused() {
        String name = "blocklist-big-" + UUID.randomUUID() + ".raw";
        stage(name, A, new byte[]{1});
        StringBuilder sb = new StringBuilder("<BlockList>");
        while (sb.length() < 9 << 20) {
            sb.append("<Latest>").append(A).append("</Latest>");
        }
        sb.append("</BlockList>");
        refused(name, sb.toString());
        refused(name, "<BlockList>" + ("<Latest>" + A + "</Latest>").repeat(50_001) + "</BlockList>");
        given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(404);
    }

    /**
     * No blob past the largest size (the test profile's 64 MiB, 4 TiB by default) is made: a block list may name one
     * staged block many times, as Azure allows, and 50,000 times one 100 MiB block was a 5 TB blob to hash and a
     * manifest of 50 GB from one small request (a hostile probe). A declared length past it is refused before the
     * body is asked for; a chunked body past it is cut off; a block past Azure's 4000 MiB likewise.
     */
    @Test
    void noBlobPastTheLargestSizeIsMadeNotEvenFromOneBlockNamedManyTimes() throws Exception {
        String name = "blocklist-repeated-" + UUID.randomUUID() + ".raw";
        byte[] mib = image(1 << 20, 91);
        stage(name, A, mib);
        refused(name, "<BlockList>" + ("<Latest>" + A + "</Latest>").repeat(65) + "</BlockList>");
        given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(404);
        // up to the limit it is a blob like any (the block is still staged: nothing was committed)
        given().auth().oauth2(Tokens.alice())
                .body("<BlockList>" + ("<Latest>" + A + "</Latest>").repeat(64) + "</BlockList>")
                .put(blob(name) + "?comp=blocklist").then().statusCode(201).body("sizeBytes", is(64 << 20));

        for (String path : List.of(blob("too-large-" + UUID.randomUUID() + ".raw"),
                blob("too-large-" + UUID.randomUUID() + ".raw") + "?comp=block&blockid=" + B)) {
            long length = path.contains("comp=block") ? (4000L << 20) + 1 : (64L << 20) + 1;
            try (java.net.Socket s = new java.net.Socket("localhost", io.restassured.RestAssured.port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("PUT " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                        + Tokens.alice() + "\r\nContent-Length: " + length + "\r\nExpect: 100-continue\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                String answer = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertTrue(answer.startsWith("HTTP/1.1 413"), path + ": refused before any 100: " + answer);
            }
        }

        // chunked (no length): cut off once past the limit, nothing stored
        String chunked = "chunked-" + UUID.randomUUID() + ".raw";
        var http = java.net.http.HttpClient.newHttpClient();
        var uri = java.net.URI.create("http://localhost:" + io.restassured.RestAssured.port + blob(chunked));
        var put = http.send(java.net.http.HttpRequest.newBuilder(uri)
                .header("Authorization", "Bearer " + Tokens.alice())
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.InputStream() {
                    long left = 65L << 20;

                    @Override
                    public int read() {
                        return left-- > 0 ? 7 : -1;
                    }

                    @Override
                    public int read(byte[] b, int off, int len) {
                        if (left <= 0) {
                            return -1;
                        }
                        int n = (int) Math.min(len, left);
                        java.util.Arrays.fill(b, off, off + n, (byte) (left % 251));
                        left -= n;
                        return n;
                    }
                })).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertTrue(put.statusCode() == 413 && put.body().contains("RequestBodyTooLarge"),
                () -> put.statusCode() + " " + put.body());
        given().auth().oauth2(Tokens.alice()).get(blob(chunked)).then().statusCode(404);
    }
}

package dev.imagegallery.door;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 1 GiB upload and a 1 GiB download through the door over HTTPS, in a JVM of 96 MiB heap (surefire's argLine) that
 * holds the door, the client and the stand-in services: a door that buffered a body would run out of memory. Beside
 * that, the heap's peak use while the bytes flow stays far below the body's size.
 */
@QuarkusTest
@QuarkusTestResource(StubUpstreams.class)
class FrontDoorStreamingTest {
    static final long GIB = 1L << 30;

    @TestHTTPResource(value = "/", tls = true)
    URL https;

    @Test
    void aGibibyteGoesThroughTheDoorBothWaysWithoutGrowingItsHeap() throws Exception {
        long max = Runtime.getRuntime().maxMemory();
        assertTrue(max < 128L << 20, "the test needs a small heap to mean anything: " + (max >> 20) + " MiB");
        String base = https.toString().replaceAll("/$", "");
        resetPeaks();
        HttpResponse<String> up = Door.client().send(HttpRequest.newBuilder(URI.create(base
                        + "/blobs/westeurope/c0de0000-0000-4000-8000-00000000c001/big.raw"))
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new Zeros(GIB))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, up.statusCode(), up.body());
        assertEquals(GIB, new JsonObject(up.body()).getLong("bytes"), "the service read the whole body");
        long upPeak = peakHeap();

        resetPeaks();
        HttpResponse<InputStream> down = Door.client().send(HttpRequest.newBuilder(URI.create(base
                + "/download/big?bytes=" + GIB)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, down.statusCode());
        long read = 0;
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = down.body()) {
            for (int n; (n = in.read(buf)) >= 0; ) {
                read += n;
            }
        }
        assertEquals(GIB, read);
        long downPeak = peakHeap();
        System.out.printf("heap peak during the upload %d MiB, during the download %d MiB (max %d MiB)%n",
                upPeak >> 20, downPeak >> 20, max >> 20);
        assertTrue(upPeak < 80L << 20 && downPeak < 80L << 20, "peaks " + upPeak + ", " + downPeak);
    }

    private static void resetPeaks() {
        System.gc();
        ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    private static long peakHeap() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    /** {@code n} zero bytes, made as they are read. */
    static final class Zeros extends InputStream {
        private long left;

        Zeros(long n) {
            left = n;
        }

        @Override
        public int read() {
            if (left == 0) {
                return -1;
            }
            left--;
            return 0;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            java.util.Arrays.fill(b, off, off + n, (byte) 0);
            left -= n;
            return n;
        }
    }
}

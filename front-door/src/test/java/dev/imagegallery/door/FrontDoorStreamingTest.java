package dev.imagegallery.door;

import dev.imagegallery.door.server.DoorServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
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
 * that, what the heap holds after each collection while the bytes flow (its live data, sampled) stays far below the
 * body's size.
 */
@QuarkusTest
@QuarkusTestResource(StubUpstreams.class)
class FrontDoorStreamingTest {
    static final long GIB = 1L << 30;

    @Inject
    DoorServer door;

    URL https;

    @BeforeEach
    void urls() throws Exception {
        https = new URL("https://localhost:" + door.httpsPort() + "/");
    }

    @Test
    void aGibibyteGoesThroughTheDoorBothWaysWithoutGrowingItsHeap() throws Exception {
        long max = Runtime.getRuntime().maxMemory();
        assertTrue(max < 128L << 20, "the test needs a small heap to mean anything: " + (max >> 20) + " MiB");
        String base = https.toString().replaceAll("/$", "");
        System.gc();
        long before = LiveHeap.now();
        LiveHeap live = new LiveHeap();
        live.start();
        HttpResponse<String> up = Door.client().send(HttpRequest.newBuilder(URI.create(base
                        + "/blobs/westeurope/c0de0000-0000-4000-8000-00000000c001/big.raw"))
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new Zeros(GIB))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, up.statusCode(), up.body());
        assertEquals(GIB, new JsonObject(up.body()).getLong("bytes"), "the service read the whole body");
        long upLive = live.max();
        live.reset();
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
        long downLive = live.max();
        live.interrupt();
        System.out.printf("live heap after collections: %d MiB before, at most %d MiB during the upload, %d MiB during "
                + "the download (max heap %d MiB, body 1024 MiB each way)%n", before >> 20, upLive >> 20, downLive >> 20,
                max >> 20);
        assertTrue(upLive - before < 24L << 20 && downLive - before < 24L << 20,
                "live heap grew from " + before + " to " + upLive + ", " + downLive);
    }

    /** The heap's live data: what each pool held after its last collection, summed; sampled, its maximum kept. */
    static final class LiveHeap extends Thread {
        private volatile long max;

        LiveHeap() {
            setDaemon(true);
        }

        @Override
        public void run() {
            while (!isInterrupted()) {
                max = Math.max(max, now());
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        long max() {
            return max;
        }

        static long now() {
            return ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == MemoryType.HEAP && p.getCollectionUsage() != null)
                    .mapToLong(p -> p.getCollectionUsage().getUsed()).sum();
        }

        void reset() {
            max = 0;
        }
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

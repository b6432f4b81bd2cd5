package dev.imagegallery.replication.bench;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.specialized.AppendBlobClient;
import dev.imagegallery.replication.content.Ingest;
import dev.imagegallery.replication.store.Azurite;
import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.azure.AzureBlobChunkStore;
import dev.imagegallery.replication.store.pack.PackStore;

import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The Azure store's open time with a large index (issue 16: start-up in seconds, heap independent of the store),
 * against Azurite, each figure beside the download of the index blob alone (the floor of any load of it, what the
 * former on-heap index paid at every start, plus its map):
 * <ul>
 * <li>{@code rebuild}: no local copy: the whole generation into a new RocksDB copy;</li>
 * <li>{@code current}: the copy notes the whole generation: nothing to read;</li>
 * <li>{@code tail}: {@code TAIL} records appended since the copy's note: those are read.</li>
 * </ul>
 * usage: AzureIndexBench WORK ENTRIES TAIL (ENTRIES synthetic records, naming one real pack; no chunk data)
 */
public final class AzureIndexBench {
    public static void main(String[] args) throws Exception {
        // a plain main on the service's class path: Quarkus's start-up log handler would keep every record (and the
        // request objects it names, 4 MiB bodies among them) for a Quarkus start that never comes; warnings go out
        java.util.logging.Handler console = new java.util.logging.ConsoleHandler();
        console.setLevel(java.util.logging.Level.WARNING);
        io.quarkus.bootstrap.logging.InitialConfigurator.DELAYED_HANDLER.setHandlers(
                new java.util.logging.Handler[] {console});
        Path work = Path.of(args[0]);
        long entries = Long.parseLong(args[1]);
        int tail = Integer.parseInt(args[2]);
        try (Azurite.Server azurite = Azurite.start()) {
            BlobContainerClient c = new BlobServiceClientBuilder()
                    .connectionString(azurite.connectionStrings().get("westeurope")).buildClient()
                    .getBlobContainerClient("bench-replica-0");
            // one real pack (a small upload), then the synthetic records after the upload's own
            AzureBlobChunkStore s = new AzureBlobChunkStore("westeurope", 0, c, 512 << 10, work.resolve("a"));
            byte[] img = new byte[1 << 20];
            new Random(1).nextBytes(img);
            ExecutorService hashers = Executors.newFixedThreadPool(2);
            Ingest.Result r = Ingest.ingest(new ByteArrayInputStream(img), s, hashers, img.length);
            try (ChunkStore.Session session = r.session()) {
                session.commit();
            }
            hashers.shutdown();
            s.close();
            String name = c.listBlobs(new ListBlobsOptions().setPrefix("index/"), null).stream()
                    .map(BlobItem::getName).findFirst().orElseThrow();
            AppendBlobClient index = c.getBlobClient(name).getAppendBlobClient();
            append(index, entries, 1);

            long t0 = System.nanoTime();
            long[] counted = {0};
            index.downloadStream(new java.io.OutputStream() { // read, counted, dropped
                @Override
                public void write(int b) {
                    counted[0]++;
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    counted[0] += len;
                }
            });
            double download = secs(t0);
            long bytes = counted[0];
            print("index_entries", bytes / PackStore.RECORD);
            print("index_blob_bytes", bytes);
            print("download_s", download);
            histo("after appends and download");

            t0 = System.nanoTime();
            AzureBlobChunkStore b = new AzureBlobChunkStore("westeurope", 0, c, 512 << 10, work.resolve("b"));
            print("rebuild_s", secs(t0));
            histo("after rebuild");
            print("rebuild_was_rebuilt", b.indexRebuilt() ? 1 : 0);
            b.close();

            t0 = System.nanoTime();
            b = new AzureBlobChunkStore("westeurope", 0, c, 512 << 10, work.resolve("b"));
            print("current_s", secs(t0));
            histo("after current open");
            print("current_was_rebuilt", b.indexRebuilt() ? 1 : 0);
            System.gc();
            print("heap_used_after_open_mib", (ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed())
                    / (1 << 20));
            b.close();

            append(index, tail, 2);
            t0 = System.nanoTime();
            b = new AzureBlobChunkStore("westeurope", 0, c, 512 << 10, work.resolve("b"));
            print("tail_s", secs(t0));
            print("tail_was_rebuilt", b.indexRebuilt() ? 1 : 0);
            b.close();
        }
    }

    /** {@code n} records of random digests in pack 0 (which exists), in append blocks of 4 MiB. */
    private static void append(AppendBlobClient index, long n, long seed) {
        Random random = new Random(seed);
        int per = (4 << 20) / PackStore.RECORD;
        for (long done = 0; done < n; ) {
            int k = (int) Math.min(per, n - done);
            ByteBuffer buf = ByteBuffer.allocate(k * PackStore.RECORD);
            byte[] digest = new byte[32];
            for (int i = 0; i < k; i++) {
                random.nextBytes(digest);
                ChunkId.of(digest, 0).write(buf);
                buf.putInt(0).putLong(0).putInt(4096);
            }
            index.appendBlock(new ByteArrayInputStream(buf.array()), buf.capacity());
            done += k;
        }
    }

    private static void histo(String when) throws Exception {
        if (System.getenv("HISTO") != null) {
            Object h = ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram", new Object[] {null}, new String[] {String[].class.getName()});
            System.out.println(when + ": " + h.toString().split("\n")[2]);
        }
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void print(String k, double v) {
        System.out.println(k + "=" + (v == Math.rint(v) ? String.valueOf((long) v) : String.format("%.3f", v)));
    }
}

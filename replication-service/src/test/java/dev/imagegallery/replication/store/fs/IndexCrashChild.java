package dev.imagegallery.replication.store.fs;

import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The process {@link IndexCrashTest} kills: uploads content into one store, one version after another (each with a
 * seed the parent can regenerate it from), and prints {@code COMMITTED <ref> <digest>} once a version's
 * ref is set. With {@code hang N}, commit number N stops between its directory write and its index write and prints
 * {@code INDEXING}; with {@code run}, it goes on until killed.
 */
public final class IndexCrashChild {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String mode = args[1];
        int hangAt = mode.equals("hang") ? Integer.parseInt(args[2]) : -1;
        int first = Integer.parseInt(args[3]);
        FsChunkStore store = new FsChunkStore("westeurope", 0, dir, true);
        ExecutorService hasher = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        });
        System.out.println("OPEN");
        System.out.flush();
        for (int n = 0; ; n++) {
            int seed = first + n;
            if (n == hangAt) {
                FsChunkStore.beforeIndexWrite = () -> {
                    System.out.println("INDEXING");
                    System.out.flush();
                    try {
                        Thread.sleep(Long.MAX_VALUE);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                };
            }
            byte[] content = IndexCrashTest.content(seed);
            String digest = IndexCrashTest.upload(store, hasher, content, "blob:v" + seed).contentHex;
            System.out.println("COMMITTED blob:v" + seed + " " + digest);
            System.out.flush();
        }
    }
}

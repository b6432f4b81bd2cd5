package dev.imagegallery.replication.store.fs;

import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The process {@link IndexCrashTest} kills: uploads content into one store, one version after another (each with a
 * seed the parent can regenerate it from), and prints {@code COMMITTED <ref> <digest>} once a version's
 * ref is set. With {@code hang N}, commit number N stops between its directory write and its index write and prints
 * {@code INDEXING}; with {@code run}, it goes on until killed. With {@code countup N}, upload number N stops between
 * its manifest's count-up and the manifest's write and prints {@code COUNTED}; with {@code countdown N}, it uploads N
 * versions, deletes the first one's ref and collects, stopping between the manifest's delete and its count-down
 * ({@code DROPPED}).
 */
public final class IndexCrashChild {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String mode = args[1];
        int hangAt = mode.equals("hang") ? Integer.parseInt(args[2]) : -1;
        int countUpAt = mode.equals("countup") ? Integer.parseInt(args[2]) : -1;
        int countDownAfter = mode.equals("countdown") ? Integer.parseInt(args[2]) : -1;
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
            if (n == countUpAt) {
                dev.imagegallery.replication.store.pack.PackStore.afterCountUp = () -> hang("COUNTED");
            }
            if (n == countDownAfter) {
                store.deleteRef("blob:v" + first);
                System.out.println("DELETED blob:v" + first);
                System.out.flush();
                dev.imagegallery.replication.store.pack.PackStore.afterManifestDelete = () -> hang("DROPPED");
                store.collect();
            }
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

    private static void hang(String say) {
        System.out.println(say);
        System.out.flush();
        try {
            Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

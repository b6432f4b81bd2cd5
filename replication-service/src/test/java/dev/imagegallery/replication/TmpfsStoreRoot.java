package dev.imagegallery.replication;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The stores on a small disk of their own: a tmpfs of 64 MiB mounted as {@code gallery.store.root} (and unmounted
 * when the application stops), so that a test can fill it for real. Mounting needs root (CI runs as root); elsewhere
 * the stores stay on the ordinary disk and {@code gallery.test.store-disk} says {@code none}, for the test to skip.
 */
public class TmpfsStoreRoot implements QuarkusTestResourceLifecycleManager {
    static final String SIZE = "64m";
    private Path dir;
    private boolean mounted;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("gallery-tmpfs-stores");
            mounted = run("mount", "-t", "tmpfs", "-o", "size=" + SIZE, "tmpfs", dir.toString());
        } catch (IOException e) {
            mounted = false;
        }
        return Map.of("gallery.store.root", dir.toString(), "gallery.test.store-disk", mounted ? "tmpfs" : "none");
    }

    @Override
    public void stop() {
        if (mounted && !run("umount", dir.toString())) {
            run("umount", "-l", dir.toString()); // something still holds a file open: detach it now, freed after
        }
    }

    static boolean run(String... command) {
        try {
            Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}

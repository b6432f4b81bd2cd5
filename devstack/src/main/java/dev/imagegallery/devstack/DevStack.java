package dev.imagegallery.devstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./gallery up} runs this in the background: it starts the {@link LocalStack}, writes where everything is to
 * {@code .local/summary.txt} and {@code .local/ready}, and holds the stack until it receives SIGTERM
 * ({@code ./gallery down}), when it stops everything it started, and only that.
 */
public final class DevStack {
    private DevStack() {
    }

    public static void main(String[] args) throws Exception {
        // a second stack beside the developer's (benchmarks): its own folder and every port shifted
        String dir = System.getenv("GALLERY_RUN_DIR");
        Path run = dir == null || dir.isBlank() ? ProjectPaths.root().resolve(".local") : Path.of(dir);
        String offset = System.getenv("GALLERY_PORT_OFFSET");
        Files.createDirectories(run);
        Path ready = run.resolve("ready");
        Files.deleteIfExists(ready);
        LocalStack stack = new LocalStack(run, offset == null || offset.isBlank() ? 0 : Integer.parseInt(offset));
        // GALLERY_INSTANCES=2: catalog-, access- and billing-service as two instances each, behind the door
        String instances = System.getenv("GALLERY_INSTANCES");
        if (instances != null && !instances.isBlank()) {
            stack.instances(Integer.parseInt(instances.trim()));
        }
        // spans as JSON lines, a file per service in this folder (bench/replication/burst.sh reads where time goes)
        String spans = System.getenv("GALLERY_SPAN_DIR");
        if (spans != null && !spans.isBlank()) {
            for (String svc : LocalStack.SERVICES) {
                stack.env(svc, "GALLERY_TRACING_SPAN_FILE", Path.of(spans, svc + ".jsonl").toAbsolutePath().toString());
            }
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("stopping the local stack");
            stack.close();
            try {
                Files.deleteIfExists(ready);
                Files.deleteIfExists(run.resolve("devstack.pid"));
            } catch (IOException ignored) {
                // nothing to clean
            }
            System.out.println("stopped");
            stopped.countDown();
        }, "devstack-stop"));
        try {
            stack.start();
        } catch (RuntimeException e) {
            System.err.println("the local stack did not start: " + e.getMessage());
            System.exit(1);
        }
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, String> e : stack.summary().entrySet()) {
            text.append(String.format("  %-20s %s%n", e.getKey(), e.getValue()));
        }
        text.append(String.format("  %-20s %s%n", "processes", stack.processes().stream()
                .map(p -> p.name() + "=" + p.pid()).toList()));
        Files.writeString(run.resolve("summary.txt"), text.toString());
        Files.writeString(ready, String.valueOf(ProcessHandle.current().pid()));
        System.out.println("the local stack is up");
        System.out.print(text);
        stopped.await();
    }
}

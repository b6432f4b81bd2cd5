package dev.imagegallery.replication.store;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Azurite's blob service for tests, one storage account per region ({@code AZURITE_ACCOUNTS}). Installs the pinned
 * azurite with npm into {@code ~/.cache/image-gallery/azurite-<version>} (reused when present), starts
 * {@code node .../azurite/dist/src/blob/main.js} on a free port with a temporary location, once per test run, and
 * stops that process (destroy, then wait) when the run ends. Without node or npm the tests that use it are skipped.
 */
public final class Azurite implements BeforeAllCallback {
    public static final String VERSION = "3.37.0";
    public static final List<String> ACCOUNTS = List.of("westeurope", "northeurope", "eastus", "westus2");
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(Azurite.class);
    private static volatile Server server;

    @Override
    public void beforeAll(ExtensionContext context) {
        Assumptions.assumeTrue(available(),
                "node and npm are not on the PATH: the Azurite (Azure Blob Storage) tests are skipped");
        context.getRoot().getStore(NS).getOrComputeIfAbsent(Server.class, k -> server = start(), Server.class);
    }

    /** Whether Azurite can run here (node and npm on the PATH). */
    public static boolean available() {
        return onPath("node") && onPath("npm");
    }

    /** The connection string of each region's account on the Azurite this extension started. */
    public static Map<String, String> connectionStrings() {
        Server s = server;
        if (s == null) {
            throw new IllegalStateException("Azurite is not running: annotate the test with @ExtendWith(Azurite.class)");
        }
        return s.connectionStrings();
    }

    static String key(String account) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-512")
                    .digest(("image-gallery-test " + account).getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean onPath(String exe) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, exe))) {
                return true;
            }
        }
        return false;
    }

    /** Installs azurite (once per machine) and returns its blob server's main.js. */
    static Path install() throws IOException, InterruptedException {
        Path dir = Path.of(System.getProperty("user.home"), ".cache", "image-gallery", "azurite-" + VERSION);
        Path main = dir.resolve("node_modules/azurite/dist/src/blob/main.js");
        Files.createDirectories(dir);
        try (FileChannel lock = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock ignored = lock.lock()) {
            if (Files.exists(main)) {
                return main;
            }
            Path log = dir.resolve("npm-install.log");
            Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
                    "azurite@" + VERSION).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!npm.waitFor(5, TimeUnit.MINUTES)) {
                npm.destroy();
                npm.waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("npm install azurite@" + VERSION + " took over 5 minutes; see " + log);
            }
            if (npm.exitValue() != 0 || !Files.exists(main)) {
                throw new IllegalStateException("npm install azurite@" + VERSION + " failed (exit " + npm.exitValue()
                        + "): " + Files.readString(log));
            }
            return main;
        }
    }

    /** Starts another Azurite process (installing azurite first when needed); close the result to stop it. */
    public static Server start() {
        try {
            Path main = install();
            Path location = Files.createTempDirectory("azurite-");
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Server s = new Server(null, port, location);
            s.run(main);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean answers(int port) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/" + ACCOUNTS.get(0)
                    + "?comp=list").toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            int code = c.getResponseCode(); // any answer (403: no signature) means it is serving
            c.disconnect();
            return code > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** The running process; closed (stopped, its files deleted) when the test run ends. */
    public static final class Server implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        Process process;
        final int port;
        final Path location;

        Server(Process process, int port, Path location) {
            this.process = process;
            this.port = port;
            this.location = location;
        }

        /** Starts node on this server's port and location (its blobs are kept there between runs). */
        private void run(Path main) throws IOException {
            ProcessBuilder pb = new ProcessBuilder("node", main.toString(), "--blobHost", "127.0.0.1",
                    "--blobPort", String.valueOf(port), "--location", location.toString(), "--skipApiVersionCheck",
                    "--loose", "--silent").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(location.resolve("azurite.log").toFile()));
            pb.environment().put("AZURITE_ACCOUNTS", ACCOUNTS.stream().map(a -> a + ":" + key(a))
                    .collect(Collectors.joining(";")));
            Process p = pb.start();
            process = p;
            try {
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                        .until(() -> !p.isAlive() || answers(port));
            } catch (ConditionTimeoutException e) {
                // reported below
            }
            if (!p.isAlive() || !answers(port)) {
                String log = Files.readString(location.resolve("azurite.log"));
                close();
                throw new IllegalStateException("Azurite did not start: " + log);
            }
        }

        /** Stops the process, keeping its blobs: the storage account is down until {@link #restart()}. */
        public void stop() {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Starts it again on the same port, with the blobs it had. */
        public void restart() {
            try {
                run(install());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** The connection string of each region's account. */
        public Map<String, String> connectionStrings() {
            Map<String, String> m = new LinkedHashMap<>();
            for (String a : ACCOUNTS) {
                m.put(a, "DefaultEndpointsProtocol=http;AccountName=" + a + ";AccountKey=" + key(a)
                        + ";BlobEndpoint=http://127.0.0.1:" + port + "/" + a + ";");
            }
            return m;
        }

        @Override
        public void close() throws IOException {
            if (server == this) {
                server = null;
            }
            stop();
            try (Stream<Path> files = Files.walk(location)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}

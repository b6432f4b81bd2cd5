package dev.imagegallery.devstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The local stack's own certificate authority and a {@code localhost} certificate it signed, for the front door's
 * HTTPS: made on the first start under {@code .local/tls/} and reused after (clients trust the CA once). Made with the
 * JDK's own {@code keytool} (no openssl, no extra library):
 * <ul>
 * <li>{@code ca.crt}: the CA certificate (PEM), what clients trust ({@code curl --cacert}, {@code NODE_EXTRA_CA_CERTS});</li>
 * <li>{@code truststore.p12}: the same for Java ({@code -Djavax.net.ssl.trustStore}, password {@link #TRUSTSTORE_PASSWORD});</li>
 * <li>{@code localhost.p12}: the door's key and certificate chain (names {@code localhost}, {@code 127.0.0.1},
 * {@code ::1}; password in {@code password}, readable by its owner only);</li>
 * <li>{@code ca.p12}: the CA's key (owner only), which signs nothing else.</li>
 * </ul>
 */
public final class LocalTls {
    /** A trust store holds no secret: its password only satisfies the key store format. */
    public static final String TRUSTSTORE_PASSWORD = "changeit";

    private final Path dir;
    private final String password;

    private LocalTls(Path dir, String password) {
        this.dir = dir;
        this.password = password;
    }

    /** The CA and certificate in {@code dir}, made there if missing. */
    public static LocalTls ensure(Path dir) {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return ensure(dir, b);
    }

    /**
     * The same, with the key stores' password made of {@code random} if they are made: in hex, since keytool, a Java
     * launcher, takes an argument starting with {@code -J} as an option of its JVM (a Base64 password that began with
     * {@code -J}, one in 4096, failed CI: "Could not find or load main class ...").
     */
    static LocalTls ensure(Path dir, byte[] random) {
        try {
            Files.createDirectories(dir);
            Path pw = dir.resolve("password");
            if (Files.isRegularFile(pw) && Files.isRegularFile(dir.resolve("localhost.p12"))
                    && Files.isRegularFile(dir.resolve("ca.crt")) && Files.isRegularFile(dir.resolve("truststore.p12"))) {
                return new LocalTls(dir, Files.readString(pw).trim());
            }
            for (String f : List.of("ca.p12", "ca.crt", "localhost.p12", "localhost.csr", "localhost.crt",
                    "truststore.p12", "password")) {
                Files.deleteIfExists(dir.resolve(f));
            }
            String password = java.util.HexFormat.of().formatHex(random);
            Files.writeString(pw, password);
            ownerOnly(pw);
            LocalTls tls = new LocalTls(dir, password);
            tls.make();
            return tls;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void make() throws IOException {
        String ca = dir.resolve("ca.p12").toString();
        String server = dir.resolve("localhost.p12").toString();
        String csr = dir.resolve("localhost.csr").toString();
        String crt = dir.resolve("localhost.crt").toString();
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "3650",
                "-dname", "CN=Image Gallery local CA " + System.currentTimeMillis() + ",O=Image Gallery local stack",
                "-ext", "bc:c=ca:true,pathlen:0", "-ext", "ku:c=keyCertSign,cRLSign",
                "-keystore", ca, "-storetype", "PKCS12", "-storepass", password);
        ownerOnly(dir.resolve("ca.p12"));
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca, "-storepass", password,
                "-file", dir.resolve("ca.crt").toString());
        keytool("-genkeypair", "-alias", "localhost", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "825",
                "-dname", "CN=localhost", "-keystore", server, "-storetype", "PKCS12", "-storepass", password);
        ownerOnly(dir.resolve("localhost.p12"));
        keytool("-certreq", "-alias", "localhost", "-keystore", server, "-storepass", password, "-file", csr);
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", ca, "-storepass", password, "-infile", csr,
                "-outfile", crt, "-validity", "825", "-ext", "san=dns:localhost,ip:127.0.0.1,ip:::1",
                "-ext", "eku=serverAuth", "-ext", "ku:c=digitalSignature");
        // the reply is chained to the CA, which keytool must find in the same store: import it, then drop it again
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", dir.resolve("ca.crt").toString(),
                "-keystore", server, "-storepass", password);
        keytool("-importcert", "-noprompt", "-alias", "localhost", "-file", crt, "-keystore", server,
                "-storepass", password);
        keytool("-delete", "-alias", "ca", "-keystore", server, "-storepass", password);
        keytool("-importcert", "-noprompt", "-alias", "image-gallery-local-ca", "-file",
                dir.resolve("ca.crt").toString(), "-keystore", dir.resolve("truststore.p12").toString(),
                "-storetype", "PKCS12", "-storepass", TRUSTSTORE_PASSWORD);
        Files.deleteIfExists(Path.of(csr));
    }

    public Path caCertificate() {
        return dir.resolve("ca.crt");
    }

    public Path trustStore() {
        return dir.resolve("truststore.p12");
    }

    public Path keyStore() {
        return dir.resolve("localhost.p12");
    }

    public String keyStorePassword() {
        return password;
    }

    /** The environment that makes the front door serve this certificate (Quarkus TLS registry, default configuration). */
    public java.util.Map<String, String> doorEnv() {
        return java.util.Map.of("QUARKUS_TLS_KEY_STORE_P12_PATH", keyStore().toString(),
                "QUARKUS_TLS_KEY_STORE_P12_PASSWORD", password);
    }

    /** How a person makes their tools trust the door. */
    public String howToTrust(String doorUrl) {
        return "CA " + caCertificate() + " (curl --cacert " + caCertificate() + " " + doorUrl + "/...; Java: "
                + "-Djavax.net.ssl.trustStore=" + trustStore() + " -Djavax.net.ssl.trustStorePassword="
                + TRUSTSTORE_PASSWORD + "; Node: NODE_EXTRA_CA_CERTS=" + caCertificate() + ")";
    }

    private static void keytool(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool " + args[0] + " failed: " + out.trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void ownerOnly(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
    }
}

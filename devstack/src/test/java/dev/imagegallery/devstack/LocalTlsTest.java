package dev.imagegallery.devstack;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The local CA and certificate are made with keytool, a Java launcher that takes an argument starting with {@code -J}
 * as an option of its JVM: a random Base64 password that began with {@code -J} (bytes F8 9x) made keytool fail ("Could
 * not find or load main class ..."), once in CI.
 */
class LocalTlsTest {
    @Test
    void anyRandomPasswordMakesTheStores() throws Exception {
        Path dir = Files.createTempDirectory("local-tls");
        try {
            byte[] random = new byte[18];
            random[0] = (byte) 0xF8; // Base64url "-J..."
            random[1] = (byte) 0x90;
            LocalTls tls = LocalTls.ensure(dir, random);
            assertTrue(Files.size(tls.keyStore()) > 0 && Files.size(tls.caCertificate()) > 0);
            assertTrue(!tls.keyStorePassword().startsWith("-"), tls.keyStorePassword());
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}

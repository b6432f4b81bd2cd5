package dev.imagegallery.devstack;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository root (the folder with the Maven wrapper) from a system property or the working directory. */
public final class ProjectPaths {
    private ProjectPaths() {
    }

    public static Path root() {
        String prop = System.getProperty("gallery.root");
        if (prop != null && !prop.isBlank() && Files.isDirectory(Path.of(prop, ".mvn"))) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("devstack"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("cannot find the project root (a folder holding mvnw and devstack/) above "
                + Path.of("").toAbsolutePath());
    }

    public static Path kafkaLib() {
        Path lib = root().resolve("devstack/kafka-dist/target/lib");
        if (!Files.isDirectory(lib)) {
            throw new IllegalStateException(lib + " is missing: build devstack/kafka-dist first (./mvnw install)");
        }
        return lib;
    }

    /** The broker's authentication plugin (module kafka-auth), put on the broker's class path. */
    public static Path kafkaAuthJar() {
        Path jar = root().resolve("kafka-auth/target/gallery-kafka-auth.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build kafka-auth first (./mvnw install)");
        }
        return jar;
    }

    public static Path keycloakDist() {
        Path dist = root().resolve("devstack/keycloak-dist/target/keycloak-" + Versions.KEYCLOAK);
        if (!Files.isDirectory(dist)) {
            throw new IllegalStateException(dist + " is missing: build devstack/keycloak-dist first (./mvnw install)");
        }
        return dist;
    }

    public static Path javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }
}

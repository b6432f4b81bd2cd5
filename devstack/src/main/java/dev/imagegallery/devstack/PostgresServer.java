package dev.imagegallery.devstack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * PostgreSQL for the local stack and the tests: the server at {@code GALLERY_PG_HOST:GALLERY_PG_PORT} when one answers
 * there, otherwise an embedded one (real PostgreSQL binaries from io.zonky.test) in a data folder of ours.
 */
public final class PostgresServer implements AutoCloseable {
    private final EmbeddedPostgres embedded;
    private final String host;
    private final int port;
    private final String user;
    private final String password;

    private PostgresServer(EmbeddedPostgres embedded, String host, int port, String user, String password) {
        this.embedded = embedded;
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
    }

    /** An external server from the environment if it answers, else an embedded one on {@code port} (0: any). */
    public static PostgresServer startOrAttach(Path dataDir, int port) {
        String extHost = System.getenv("GALLERY_PG_HOST");
        if (extHost != null && !extHost.isBlank()) {
            int extPort = Integer.parseInt(System.getenv().getOrDefault("GALLERY_PG_PORT", "5432"));
            String u = System.getenv().getOrDefault("GALLERY_PG_USER", "postgres");
            String pw = System.getenv().getOrDefault("GALLERY_PG_PASSWORD", "");
            PostgresServer ext = new PostgresServer(null, extHost, extPort, u, pw);
            if (ext.answers()) {
                return ext;
            }
            System.err.println("PostgreSQL at " + extHost + ":" + extPort + " does not answer; starting an embedded one");
        }
        return embedded(dataDir, port);
    }

    public static PostgresServer embedded(Path dataDir, int port) {
        try {
            EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", "off".equals(System.getenv("GALLERY_PG_FSYNC")) ? "off" : "on");
            if (dataDir != null) {
                Files.createDirectories(dataDir);
                b.setDataDirectory(dataDir).setCleanDataDirectory(false);
            }
            if (port > 0) {
                b.setPort(port);
            }
            EmbeddedPostgres pg = b.start();
            return new PostgresServer(pg, "127.0.0.1", pg.getPort(), "postgres", "");
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    public static PostgresServer external(String host, int port, String user, String password) {
        return new PostgresServer(null, host, port, user, password);
    }

    public boolean answers() {
        try (Connection c = connect("postgres")) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    public void ensureDatabases(List<String> names) {
        try (Connection c = connect("postgres")) {
            for (String name : names) {
                try (ResultSet rs = c.createStatement()
                        .executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'")) {
                    if (!rs.next()) {
                        c.createStatement().execute("CREATE DATABASE \"" + name + "\"");
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create databases " + names + ": " + e.getMessage(), e);
        }
    }

    private Connection connect(String db) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(db), user, password);
    }

    public String jdbcUrl(String db) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + db;
    }

    public String reactiveUrl(String db) {
        return "postgresql://" + host + ":" + port + "/" + db;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    public boolean isEmbedded() {
        return embedded != null;
    }

    @Override
    public void close() {
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                System.err.println("stopping the embedded PostgreSQL failed: " + e.getMessage());
            }
        }
    }
}

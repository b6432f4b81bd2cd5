package dev.imagegallery.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the hostile-client suites of every service share: running requests in parallel under a deadline, the
 * transactions a service left open in PostgreSQL, and a client that sends a request slowly or not at all.
 */
public final class Hostile {
    private Hostile() {
    }

    /** The outcome of one call made by {@link #parallel}: its HTTP status, or -1 when it did not answer in time. */
    public record Outcome(int index, int status, String body) {
        public boolean hung() {
            return status < 0;
        }
    }

    /**
     * Runs every call at once (each on its own thread) and waits at most {@code deadline} for all of them; a call
     * still running then is reported as hung, not waited for.
     */
    public static List<Outcome> parallel(List<Callable<Outcome>> calls, Duration deadline) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, calls.size()));
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (Callable<Outcome> c : calls) {
                futures.add(pool.submit(c));
            }
            long end = System.nanoTime() + deadline.toNanos();
            List<Outcome> out = new ArrayList<>();
            for (int i = 0; i < futures.size(); i++) {
                try {
                    out.add(futures.get(i).get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS));
                } catch (TimeoutException e) {
                    out.add(new Outcome(i, -1, "no answer within " + deadline));
                } catch (Exception e) {
                    out.add(new Outcome(i, -2, String.valueOf(e)));
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Calls that answered 5xx, failed, or hung (an empty list is what every burst must give). */
    public static List<Outcome> failures(List<Outcome> outcomes) {
        return outcomes.stream().filter(o -> o.status() < 0 || o.status() >= 500).toList();
    }

    /**
     * Connections of {@code database} that still hold a transaction open once the requests are answered: PostgreSQL's
     * {@code idle in transaction} (a transaction waiting on its client), or any transaction older than
     * {@code longerThan}. Short-lived ones (the outbox relay waits for Kafka inside its transaction) are given up to
     * three seconds to end; what a hung request or a leaked transaction leaves stays, and is answered as
     * "pid state age query".
     */
    public static List<String> openTransactions(String database, Duration longerThan) {
        List<String> open = openNow(database, longerThan);
        long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (!open.isEmpty() && System.nanoTime() < end) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            open = openNow(database, longerThan);
        }
        return open;
    }

    private static List<String> openNow(String database, Duration longerThan) {
        TestInfra infra = TestInfra.shared();
        try (Connection c = DriverManager.getConnection(infra.jdbcUrl(database), infra.pgUser(), infra.pgPassword());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pid, state, extract(epoch FROM now() - xact_start) AS age, query "
                     + "FROM pg_stat_activity WHERE datname = '" + database.replace("'", "''") + "' "
                     + "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL "
                     + "AND (state LIKE 'idle in transaction%' OR now() - xact_start > make_interval(secs => "
                     + longerThan.toMillis() / 1000.0 + "))")) {
            List<String> open = new ArrayList<>();
            while (rs.next()) {
                open.add(rs.getInt(1) + " " + rs.getString(2) + " " + rs.getDouble(3) + "s " + rs.getString(4));
            }
            return open;
        } catch (SQLException e) {
            throw new IllegalStateException("could not read pg_stat_activity of " + database, e);
        }
    }

    /**
     * Bearer credentials that are not tokens: empty, dots, not base64url, not JSON, claims of the wrong type, too long.
     * Each must be a 401 with an ARM body on every protected route, and none may make a stack trace.
     */
    public static final List<String> MALFORMED_TOKENS = List.of("..", ".", "...", "....", "a.b.c", "x",
            "Zm9v.YmFy.YmF6", "eyJhbGciOiJSUzI1NiJ9..sig", "e30.e30.e30", "eyJhbGciOjF9.e30.c2ln",
            "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOjV9.c2ln", "eyJhbGciOiJSUzI1NiJ9.W10.c2ln",
            "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOiJzb29uIn0.c2ln", "a..b", "a.b.c.d",
            "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwOi8vZXZpbC5leGFtcGxlIn0.c2ln", "\u00e9.\u00e9.\u00e9",
            "e30.e30.e30".repeat(2000));

    /**
     * Every operation of a service's OpenAPI document ({@code /q/openapi?format=json}) as {method, path}, its path
     * parameters filled: {@code subscriptionId} with {@code subscription}, a {@code version} with 1.0.0, a location with
     * westeurope, the rest with a plain name. Operations on the paths in {@code except} are left out.
     */
    public static List<String[]> routes(String openApiJson, String subscription, List<String> except) {
        try {
            var root = dev.imagegallery.events.Json.MAPPER.readTree(openApiJson);
            List<String[]> out = new ArrayList<>();
            var paths = root.get("paths").fields();
            while (paths.hasNext()) {
                var e = paths.next();
                if (except.contains(e.getKey())) {
                    continue;
                }
                String path = e.getKey().replace("{subscriptionId}", subscription).replace("{version}", "1.0.0")
                        .replace("{location}", "westeurope").replace("{region}", "westeurope")
                        .replaceAll("\\{[^}]+}", "x1");
                var ops = e.getValue().fieldNames();
                while (ops.hasNext()) {
                    String m = ops.next();
                    if (List.of("get", "put", "post", "patch", "delete", "head").contains(m)) {
                        out.add(new String[]{m.toUpperCase(java.util.Locale.ROOT), path});
                    }
                }
            }
            return out;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Sends {@code head} (request line and headers, possibly incomplete) and then nothing more, and measures how long
     * the server keeps the connection before it answers or closes it. Answers the time and whatever the server sent.
     */
    public record Stall(Duration heldFor, String answer) {
    }

    public static Stall stall(String host, int port, String head, Duration giveUpAfter) throws IOException {
        long start = System.nanoTime();
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout((int) giveUpAfter.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder answer = new StringBuilder();
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    answer.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
            } catch (SocketTimeoutException e) {
                return new Stall(Duration.ofNanos(System.nanoTime() - start), null);
            } catch (IOException e) {
                // reset by the server: it cut the connection
            }
            return new Stall(Duration.ofNanos(System.nanoTime() - start), answer.toString());
        }
    }
}

package dev.imagegallery.common.outbox;

import dev.imagegallery.devstack.PostgresServer;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The outbox of a service that runs as several instances (catalog, access and billing run two replicas in
 * deploy/k8s): on real PostgreSQL, with the common migrations, two relays over one database, each with a producer of its
 * own. What reaches the broker must be in the order the rows were written, whichever instance sends it.
 */
class OutboxRelayInstancesTest {
    private static final String DB = "outbox_relay_test";
    @TempDir
    static Path dir;
    private static PostgresServer postgres;
    private static Vertx vertx;
    private static Pool pool;

    @BeforeAll
    static void start() {
        postgres = PostgresServer.startOrAttach(dir.resolve("pg"), 0);
        postgres.ensureDatabases(List.of(DB));
        Flyway.configure().dataSource(postgres.jdbcUrl(DB), postgres.user(), postgres.password())
                .locations("classpath:db/common").cleanDisabled(false).load().clean();
        Flyway.configure().dataSource(postgres.jdbcUrl(DB), postgres.user(), postgres.password())
                .locations("classpath:db/common").load().migrate();
        vertx = Vertx.vertx();
        pool = Pool.newInstance(PgBuilder.pool().with(new PoolOptions().setMaxSize(4))
                .connectingTo(new PgConnectOptions().setHost(postgres.host()).setPort(postgres.port())
                        .setDatabase(DB).setUser(postgres.user()).setPassword(postgres.password()))
                .using(vertx.getDelegate()).build());
    }

    @AfterAll
    static void stop() {
        if (pool != null) {
            pool.closeAndAwait();
        }
        if (vertx != null) {
            vertx.closeAndAwait();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @BeforeEach
    void empty() throws Exception {
        try (Connection c = connect()) {
            c.createStatement().execute("DELETE FROM outbox");
        }
    }

    @Test
    void twoInstancesRelayOneResourcesEventsInTheOrderTheyWereWritten() throws Exception {
        write(200, "now()");
        List<String> broker = new CopyOnWriteArrayList<>();
        Producer slow = new Producer(broker, false); // holds what it is sent until released: a slow network, a GC pause
        Producer quick = new Producer(broker, true);
        OutboxRelay a = new OutboxRelay(pool, slow, config(100), 1024);
        OutboxRelay b = new OutboxRelay(pool, quick, config(100), 1024);

        try {
            a.wake();
            await("the first instance's round sent", () -> slow.sent() == 100);
            b.wake(); // a change committed on the other instance wakes its relay
            Thread.sleep(500);
            assertEquals(List.of(), broker, "nothing reached the broker while the first round is on its way");
        } finally {
            slow.release();
        }
        await("every event relayed", () -> broker.size() >= 200 && outboxRows() == 0);
        assertEquals(numbers(0, 200), broker, "the events of one resource, in the order they were written");
        Thread.sleep(300); // the other instance's last try (every 50 ms while the lock was taken) finds nothing
        assertEquals(200, broker.size(), "nothing sent twice");
    }

    @Test
    void rowsGoInTheOrderTheyWereWrittenNotByTheWritersClock() throws Exception {
        // the second row's writer runs a minute behind (another instance's clock): it still goes second
        write(1, "now()");
        write(1, "now() - interval '1 minute'");
        List<String> broker = new CopyOnWriteArrayList<>();
        OutboxRelay relay = new OutboxRelay(pool, new Producer(broker, true), config(100), 1024);
        relay.wake();
        await("both relayed", () -> broker.size() >= 2 && outboxRows() == 0);
        assertEquals(List.of("0", "1"), broker);
    }

    @Test
    void rowsWaitingAtTheUpgradeKeepTheirOrder() throws Exception {
        String db = "outbox_upgrade_test";
        postgres.ensureDatabases(List.of(db));
        String url = postgres.jdbcUrl(db);
        Flyway.configure().dataSource(url, postgres.user(), postgres.password()).locations("classpath:db/common")
                .cleanDisabled(false).load().clean();
        Flyway.configure().dataSource(url, postgres.user(), postgres.password()).locations("classpath:db/common")
                .target("0.4").load().migrate();
        try (Connection c = java.sql.DriverManager.getConnection(url, postgres.user(), postgres.password())) {
            // written by the version before: ordered by created_at (then id)
            c.createStatement().execute("INSERT INTO outbox (id, topic, event_key, payload, created_at) VALUES "
                    + "(gen_random_uuid(), 't', 'k', 'b', now() - interval '1 second'), "
                    + "(gen_random_uuid(), 't', 'k', 'a', now() - interval '2 seconds'), "
                    + "(gen_random_uuid(), 't', 'k', 'c', now())");
            Flyway.configure().dataSource(url, postgres.user(), postgres.password())
                    .locations("classpath:db/common").load().migrate();
            c.createStatement().execute("INSERT INTO outbox (id, topic, event_key, payload, created_at) VALUES "
                    + "(gen_random_uuid(), 't', 'k', 'd', now() - interval '1 hour')");
            List<String> order = new ArrayList<>();
            try (ResultSet rs = c.createStatement().executeQuery("SELECT payload FROM outbox ORDER BY seq")) {
                while (rs.next()) {
                    order.add(rs.getString(1));
                }
            }
            assertEquals(List.of("a", "b", "c", "d"), order);
        }
    }

    private static int written;

    /** {@code n} rows for one resource, payloads numbered from 0 on (per test) in the order written. */
    private static void write(int n, String createdAt) throws Exception {
        try (Connection c = connect()) {
            PreparedStatement insert = c.prepareStatement("INSERT INTO outbox (id, topic, event_key, payload, "
                    + "created_at) VALUES (?, 'gallery.test.v1', 'one-resource', ?, " + createdAt + ")");
            for (int i = 0; i < n; i++) {
                insert.setObject(1, UUID.randomUUID());
                insert.setString(2, String.valueOf(written++));
                insert.executeUpdate();
            }
        }
    }

    @BeforeEach
    void renumber() {
        written = 0;
    }

    private static Connection connect() throws java.sql.SQLException {
        return java.sql.DriverManager.getConnection(postgres.jdbcUrl(DB), postgres.user(), postgres.password());
    }

    private static long outboxRows() {
        try (Connection c = connect(); ResultSet rs = c.createStatement()
                .executeQuery("SELECT count(*) FROM outbox")) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> numbers(int from, int to) {
        List<String> all = new ArrayList<>();
        for (int i = from; i < to; i++) {
            all.add(String.valueOf(i));
        }
        return all;
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 30 s: " + what);
            Thread.sleep(20);
        }
    }

    private static OutboxConfig config(int batch) {
        return new OutboxConfig() {
            @Override
            public String topic() {
                return "gallery.test.v1";
            }

            @Override
            public String source() {
                return "/test";
            }

            @Override
            public int batchSize() {
                return batch;
            }
        };
    }

    /**
     * One instance's Kafka producer: what it is sent reaches the broker (a list shared by both instances) in the order
     * sent, at once, or, for a held one, all together when the test releases it; each send is acknowledged then.
     */
    static final class Producer implements MutinyEmitter<String> {
        private final List<String> broker;
        private final CompletableFuture<Void> open = new CompletableFuture<>();
        private final List<String> held = new ArrayList<>();
        private int sent;

        Producer(List<String> broker, boolean open) {
            this.broker = broker;
            if (open) {
                this.open.complete(null);
            }
        }

        synchronized int sent() {
            return sent;
        }

        synchronized void release() {
            broker.addAll(held);
            held.clear();
            open.complete(null);
        }

        @Override
        public synchronized <M extends Message<? extends String>> Uni<Void> sendMessage(M msg) {
            sent++;
            if (open.isDone()) {
                broker.add(msg.getPayload());
                return Uni.createFrom().voidItem();
            }
            held.add(msg.getPayload());
            return Uni.createFrom().completionStage(open);
        }

        @Override
        public Uni<Void> send(String payload) {
            return sendMessage(Message.of(payload));
        }

        @Override
        public void sendAndAwait(String payload) {
            send(payload).await().indefinitely();
        }

        @Override
        public Cancellable sendAndForget(String payload) {
            return send(payload).subscribe().with(x -> { });
        }

        @Override
        public <M extends Message<? extends String>> void send(M msg) {
            sendMessage(msg).subscribe().with(x -> { });
        }

        @Override
        public <M extends Message<? extends String>> void sendMessageAndAwait(M msg) {
            sendMessage(msg).await().indefinitely();
        }

        @Override
        public <M extends Message<? extends String>> Cancellable sendMessageAndForget(M msg) {
            return sendMessage(msg).subscribe().with(x -> { });
        }

        @Override
        public void complete() {
        }

        @Override
        public void error(Exception e) {
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public boolean hasRequests() {
            return true;
        }
    }
}

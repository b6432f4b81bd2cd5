package dev.imagegallery.common.db;

import dev.imagegallery.common.arm.ArmExceptionMappers;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an unavailable database looks like, and what it is answered: a request 503 with Retry-After (it was 500
 * {@code InternalServerError}, "an unexpected error"), an event consumer a wait rather than a give-up.
 */
class UnavailableTest {
    static PgException pg(String sqlState) {
        return new PgException("m", "FATAL", sqlState, null);
    }

    @Test
    void aDatabaseGoingAwayOrComingBackIsUnavailable() {
        assertTrue(Unavailable.is(new ConnectException("Connection refused")));
        assertTrue(Unavailable.is(new CompletionException(new RuntimeException(new ConnectException("refused")))));
        assertTrue(Unavailable.is(ClosedConnectionException.INSTANCE));
        assertTrue(Unavailable.is(pg("57P01"))); // terminating connection due to administrator command
        assertTrue(Unavailable.is(pg("57P03"))); // the database system is starting up
        assertTrue(Unavailable.is(pg("53300"))); // too many connections
        assertTrue(Unavailable.is(pg("08006"))); // connection failure
    }

    @Test
    void whatARequestOrEventDidIsNot() {
        assertFalse(Unavailable.is(pg("23505"))); // a unique key taken
        assertFalse(Unavailable.is(pg("57014"))); // statement timeout: this statement's, not the server's
        assertFalse(Unavailable.is(new IllegalStateException("x")));
        assertFalse(Unavailable.is(null));
    }

    @Test
    void aRequestThatFindsTheDatabaseAwayIs503WithRetryAfter() {
        var f = ArmExceptionMappers.describe(new CompletionException(new ConnectException("Connection refused")));
        assertEquals(503, f.status());
        assertEquals("ServiceUnavailable", f.body().error().code());
        var r = ArmExceptionMappers.response(f);
        assertEquals("10", r.getHeaderString("Retry-After"));
    }

    @Test
    void workWaitsOutTheDatabaseAndPassesOtherFailuresOn() {
        AtomicInteger calls = new AtomicInteger();
        // unavailable 50 times (more than any bounded retry here gave it), then back
        Uni<String> work = Uni.createFrom().deferred(() -> calls.incrementAndGet() <= 50
                ? Uni.createFrom().failure(new ConnectException("refused")) : Uni.createFrom().item("applied"));
        assertEquals("applied", Unavailable.waitedOut(work, "test", Duration.ofMillis(1), Duration.ofMillis(5))
                .await().atMost(Duration.ofSeconds(60)));
        assertEquals(51, calls.get());
        AtomicInteger once = new AtomicInteger();
        Uni<String> broken = Uni.createFrom().deferred(() -> {
            once.incrementAndGet();
            return Uni.createFrom().failure(new IllegalStateException("a bug"));
        });
        assertThrows(IllegalStateException.class, () -> Unavailable.waitedOut(broken, "test").await().indefinitely());
        assertEquals(1, once.get());
    }

    @Test
    void everyAttemptRunsOnTheCallersContextTheFirstAtOnce() throws Exception {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            io.vertx.core.Context context = vertx.getOrCreateContext();
            java.util.List<Boolean> onContext = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.CompletableFuture<String> done = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CompletableFuture<Boolean> firstInline = new java.util.concurrent.CompletableFuture<>();
            AtomicInteger calls = new AtomicInteger();
            context.runOnContext(v -> {
                Uni<String> work = Uni.createFrom().deferred(() -> {
                    onContext.add(io.vertx.core.Vertx.currentContext() == context);
                    return calls.incrementAndGet() <= 3
                            ? Uni.createFrom().failure(new ConnectException("refused"))
                            : Uni.createFrom().item("applied");
                });
                Unavailable.waitedOut(work, "test", Duration.ofMillis(1), Duration.ofMillis(5))
                        .subscribe().with(done::complete, done::completeExceptionally);
                // the first attempt ran before subscribe returned: no event-loop task of its own
                firstInline.complete(calls.get() >= 1);
            });
            assertEquals("applied", done.get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(firstInline.get(30, java.util.concurrent.TimeUnit.SECONDS), "the first attempt ran inline");
            assertEquals(java.util.List.of(true, true, true, true), onContext, "each attempt on the caller's context");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}

package dev.imagegallery.access.service;

import dev.imagegallery.access.config.AccessConfig;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.http.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The share action's read of what a gallery's owner asked to publish: catalog-service's gallery body parsed, the
 * caller's token passed on, the next instance tried when one cannot be reached, and the event-fed copy used (UNKNOWN)
 * whenever catalog-service cannot answer: refused, not 200, or silent past the timeout.
 */
class AskedCommunityTest {
    static final String GALLERY = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g";
    static final String BODY = "{\"name\":\"g\",\"properties\":{\"sharingProfile\":{\"permissions\":\"Community\","
            + "\"communityGalleryInfo\":{\"publisherUri\":\"https://contoso.example\",\"publisherContact\":"
            + "\"a@contoso.example\",\"eula\":\"Terms.\",\"publicNamePrefix\":\"asked\",\"publicNames\":[],"
            + "\"communityGalleryEnabled\":false}}}}";
    static Vertx vertx;
    static HttpServer catalog;
    static final ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        catalog = vertx.createHttpServer().requestHandler(req -> {
            seen.add(req.path() + "?" + req.query() + " " + req.getHeader("Authorization"));
            switch (req.getHeader("Authorization")) {
                case "Bearer silent" -> { } // never answers
                case "Bearer refused" -> req.response().setStatusCode(403).endAndForget("{}");
                case "Bearer garbage" -> req.response().setStatusCode(200).endAndForget("not json");
                case "Bearer groups" -> req.response().setStatusCode(200)
                        .endAndForget("{\"properties\":{\"sharingProfile\":{\"permissions\":\"Groups\"}}}");
                default -> req.response().setStatusCode(200).endAndForget(BODY);
            }
        }).listen(0).await().atMost(Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() {
        vertx.closeAndAwait();
    }

    static AskedCommunity reader(String... urls) {
        return new AskedCommunity(new AccessConfig() {
            public Optional<List<String>> platformAdministrators() {
                return Optional.empty();
            }

            public Duration galleryWait() {
                return Duration.ofSeconds(1);
            }

            public Optional<List<String>> catalogUrls() {
                return urls.length == 0 ? Optional.empty() : Optional.of(List.of(urls));
            }

            public Duration catalogReadTimeout() {
                return Duration.ofMillis(500);
            }
        }, vertx);
    }

    static String live() {
        return "http://127.0.0.1:" + catalog.actualPort();
    }

    static AskedCommunity.Asked ask(AskedCommunity r, String token) {
        return r.of(GALLERY, "Bearer " + token).await().atMost(Duration.ofSeconds(10));
    }

    @Test
    void theOwnersInformationIsReadWithTheCallersTokenPastAnInstanceThatCannotBeReached() {
        seen.clear();
        var r = reader("http://127.0.0.1:1", live() + "/");
        for (int i = 0; i < 2; i++) { // each instance first once
            var asked = ask(r, "alice");
            assertTrue(asked.known());
            assertEquals("Terms.", asked.info().eula());
            assertEquals("asked", asked.info().publicNamePrefix());
            assertEquals("https://contoso.example", asked.info().publisherUri());
            assertEquals("a@contoso.example", asked.info().publisherContact());
        }
        assertEquals(List.of(GALLERY + "?api-version=2024-03-03 Bearer alice",
                GALLERY + "?api-version=2024-03-03 Bearer alice"), List.copyOf(seen));
    }

    @Test
    void aGalleryThatAskedForNoInformationIsKnownWithout() {
        var asked = ask(reader(live()), "groups");
        assertTrue(asked.known());
        assertNull(asked.info());
    }

    @Test
    void anythingButAnAnswerLeavesTheEventFedCopy() {
        assertFalse(ask(reader(live()), "refused").known());
        assertFalse(ask(reader(live()), "garbage").known());
        assertFalse(ask(reader("http://127.0.0.1:1"), "alice").known());
        assertFalse(ask(reader(), "alice").known()); // not configured
        long t0 = System.nanoTime();
        assertFalse(ask(reader(live()), "silent").known());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 400 && ms < 5000, "gave up after the timeout: " + ms + " ms");
    }
}

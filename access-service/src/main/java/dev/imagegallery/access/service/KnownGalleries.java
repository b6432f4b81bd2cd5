package dev.imagegallery.access.service;

import dev.imagegallery.access.config.AccessConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Locale;

/**
 * The galleries access-service knows from catalog-service's {@code GalleryChanged} ({@code gallery_view}). A gallery
 * created a moment ago may not be known yet (its event is under way): {@link #awaitKnown} waits for it up to
 * {@code gallery.access.gallery-wait}, as catalog-service waits for a blob just uploaded. No transaction is open
 * while it waits; it polls with a timer of the caller's Vert.x context.
 */
@ApplicationScoped
public class KnownGalleries {
    static final long POLL_MILLIS = 100;

    private final Pool pool;
    private final Vertx vertx;
    private final AccessConfig config;

    public KnownGalleries(Pool pool, Vertx vertx, AccessConfig config) {
        this.pool = pool;
        this.vertx = vertx;
        this.config = config;
    }

    /** Completes once the gallery is known, or when the wait is over (the caller then answers as for an unknown one). */
    public Uni<Boolean> awaitKnown(String galleryId) {
        return poll(galleryId.toLowerCase(Locale.ROOT), System.nanoTime() + config.galleryWait().toNanos());
    }

    private Uni<Boolean> poll(String key, long deadline) {
        return pool.preparedQuery("SELECT 1 FROM gallery_view WHERE gallery_key = $1").execute(Tuple.of(key))
                .flatMap(rows -> {
                    if (rows.size() > 0) {
                        return Uni.createFrom().item(true);
                    }
                    if (System.nanoTime() + POLL_MILLIS * 1_000_000 > deadline) {
                        return Uni.createFrom().item(false);
                    }
                    return Uni.createFrom().<Long>emitter(em -> vertx.setTimer(POLL_MILLIS, em::complete))
                            .flatMap(x -> poll(key, deadline));
                });
    }
}

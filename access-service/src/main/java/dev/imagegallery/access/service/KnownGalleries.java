package dev.imagegallery.access.service;

import dev.imagegallery.access.config.AccessConfig;
import dev.imagegallery.common.db.RowWait;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Locale;

/**
 * The galleries access-service knows from catalog-service's {@code GalleryChanged} ({@code gallery_view}). A gallery
 * created a moment ago may not be known yet (its event is under way): {@link #awaitKnown} waits for it up to
 * {@code gallery.access.gallery-wait}, as catalog-service waits for a blob just uploaded (both through common's
 * {@link RowWait}).
 */
@ApplicationScoped
public class KnownGalleries {
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
        return RowWait.until(pool, vertx, "SELECT 1 FROM gallery_view WHERE gallery_key = $1",
                Tuple.of(galleryId.toLowerCase(Locale.ROOT)), config.galleryWait());
    }
}

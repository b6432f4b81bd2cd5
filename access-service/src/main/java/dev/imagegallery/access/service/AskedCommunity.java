package dev.imagegallery.access.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegallery.access.config.AccessConfig;
import dev.imagegallery.access.domain.Sharing;
import dev.imagegallery.events.Json;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.http.HttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a gallery's owner asked to publish to the community, read from its owner when the share action
 * {@code EnableCommunity} comes without information (Azure's way: the gallery PUT or PATCH carries
 * {@code sharingProfile.communityGalleryInfo}, the action only its {@code operationType}).
 * <p>
 * access-service's own copy of that information comes with catalog-service's {@code GalleryChanged}, a moment after
 * the PUT or PATCH answered; an SDK that sends the action right then would publish the information before it. So the
 * action reads the gallery from catalog-service first (a GET of the gallery with the caller's own token, whose
 * {@code communityGalleryInfo} is what the owner asked for last), the one synchronous call between these services.
 * It survives catalog-service being away, as the architecture asks of such a call: when no instance answers within
 * {@code gallery.access.catalog-read-timeout}, or one answers anything but 200, the event-fed copy is used as before.
 */
@ApplicationScoped
public class AskedCommunity {
    private static final Logger LOG = Logger.getLogger(AskedCommunity.class);
    /** A gallery api-version every catalog-service takes. */
    static final String API_VERSION = "2024-03-03";

    /** What catalog-service said: {@code known} false when it could not be asked (use the event-fed copy). */
    public record Asked(boolean known, Sharing.Community info) {
        public static final Asked UNKNOWN = new Asked(false, null);
    }

    private final AccessConfig config;
    private final HttpClient http;
    private final AtomicInteger next = new AtomicInteger();

    public AskedCommunity(AccessConfig config, Vertx vertx) {
        this.config = config;
        this.http = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
                .setConnectTimeout((int) config.catalogReadTimeout().toMillis())
                .setKeepAlive(true).setMaxPoolSize(8));
    }

    /** The gallery's asked information, or {@link Asked#UNKNOWN} when catalog-service is not configured or away. */
    public Uni<Asked> of(String galleryId, String authorization) {
        List<String> urls = config.catalogUrls().orElse(List.of());
        if (urls.isEmpty() || authorization == null) {
            return Uni.createFrom().item(Asked.UNKNOWN);
        }
        // one instance per call in turn; the next one when it cannot be reached
        int start = Math.floorMod(next.getAndIncrement(), urls.size());
        Uni<Asked> chain = Uni.createFrom().failure(new IllegalStateException("no catalog-service"));
        for (int i = 0; i < urls.size(); i++) {
            String base = urls.get((start + i) % urls.size()).trim();
            chain = chain.onFailure().recoverWithUni(() -> read(base, galleryId, authorization));
        }
        return chain.onFailure().recoverWithItem(e -> {
            LOG.infof("EnableCommunity of %s: catalog-service could not be asked (%s); its last event's information "
                    + "is used", galleryId, e.toString());
            return Asked.UNKNOWN;
        });
    }

    private Uni<Asked> read(String base, String galleryId, String authorization) {
        String url = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + galleryId
                + "?api-version=" + API_VERSION;
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
                .putHeader("Authorization", authorization).putHeader("Accept", "application/json")
                .setIdleTimeout(config.catalogReadTimeout().toMillis());
        return http.request(options)
                .flatMap(req -> req.send())
                .flatMap(resp -> resp.body().map(body -> {
                    if (resp.statusCode() != 200) {
                        LOG.debugf("EnableCommunity of %s: catalog-service answered %d", galleryId, resp.statusCode());
                        return Asked.UNKNOWN;
                    }
                    return new Asked(true, parse(body.toString()).orElse(null));
                }))
                .ifNoItem().after(config.catalogReadTimeout()).fail();
    }

    /** {@code properties.sharingProfile.communityGalleryInfo}'s writable part, if the gallery has one. */
    static Optional<Sharing.Community> parse(String galleryBody) {
        JsonNode info = Json.read(galleryBody, JsonNode.class).path("properties").path("sharingProfile")
                .path("communityGalleryInfo");
        if (!info.isObject()) {
            return Optional.empty();
        }
        return Optional.of(new Sharing.Community(text(info, "publisherUri"), text(info, "publisherContact"),
                text(info, "eula"), text(info, "publicNamePrefix")));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || !v.isTextual() ? null : v.asText();
    }
}

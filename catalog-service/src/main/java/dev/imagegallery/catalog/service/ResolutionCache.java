package dev.imagegallery.catalog.service;

import dev.imagegallery.catalog.config.CatalogConfig;
import dev.imagegallery.catalog.persistence.ImageDefinition;
import dev.imagegallery.catalog.persistence.ImageVersion;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The hot path of resolution (a definition and its latest version in a location) kept for at most
 * {@code gallery.catalog.resolve-cache-ttl} (1 s), and dropped whenever this instance changes a version or applies a
 * replication event, so this instance never answers from stale data and other instances within the TTL.
 */
@ApplicationScoped
public class ResolutionCache {
    private record Entry<T>(T value, long expiresAt) {
    }

    private final long ttlNanos;
    private final Map<String, Entry<Optional<ImageDefinition>>> definitions = new ConcurrentHashMap<>();
    private final Map<String, Entry<Optional<ImageVersion>>> latest = new ConcurrentHashMap<>();

    public ResolutionCache(CatalogConfig config) {
        this.ttlNanos = config.resolveCacheTtl().toNanos();
    }

    public Uni<ImageDefinition> definition(String key, Supplier<Uni<ImageDefinition>> load) {
        return cached(definitions, key, load);
    }

    public Uni<ImageVersion> latest(String definitionKey, String region, Supplier<Uni<ImageVersion>> load) {
        return cached(latest, definitionKey + "|" + region, load);
    }

    public void invalidate() {
        definitions.clear();
        latest.clear();
    }

    private <T> Uni<T> cached(Map<String, Entry<Optional<T>>> map, String key, Supplier<Uni<T>> load) {
        Entry<Optional<T>> e = map.get(key);
        if (e != null && e.expiresAt() - System.nanoTime() > 0) {
            return Uni.createFrom().item(e.value().orElse(null));
        }
        return load.get().invoke(v -> {
            if (map.size() > 50_000) {
                map.clear();
            }
            map.put(key, new Entry<>(Optional.ofNullable(v), System.nanoTime() + ttlNanos));
        });
    }
}

package dev.imagegallery.replication.config;

import dev.imagegallery.replication.store.AzureBlobBackend;
import dev.imagegallery.replication.store.RegionStores;
import dev.imagegallery.replication.store.Replicator;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.nio.file.Path;

/** The stores (plain classes, so benchmarks can drive them without Quarkus) as beans. */
public class StoresProducer {
    @Produces
    @Singleton
    RegionStores stores(StoreConfig config) {
        Path root = Path.of(config.root());
        return switch (config.backend()) {
            case "fs" -> new RegionStores(root, config.durable());
            case "azure-blob" -> new RegionStores(root, new AzureBlobBackend(config.azure().connectionStrings(),
                    config.azure().containerPrefix(), config.azure().readAheadBytes()));
            default -> throw new IllegalArgumentException("gallery.store.backend must be fs or azure-blob, not "
                    + config.backend());
        };
    }

    @Produces
    @Singleton
    Replicator replicator(RegionStores stores, StoreConfig config) {
        return new Replicator(stores, config.maxCopyBytesPerSecond());
    }

    void close(@Observes ShutdownEvent e, RegionStores stores) {
        stores.close();
    }
}

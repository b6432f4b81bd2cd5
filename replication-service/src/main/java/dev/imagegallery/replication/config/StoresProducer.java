package dev.imagegallery.replication.config;

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
        return new RegionStores(Path.of(config.root()), config.durable());
    }

    @Produces
    @Singleton
    Replicator replicator(RegionStores stores) {
        return new Replicator(stores);
    }

    void close(@Observes ShutdownEvent e, RegionStores stores) {
        stores.close();
    }
}

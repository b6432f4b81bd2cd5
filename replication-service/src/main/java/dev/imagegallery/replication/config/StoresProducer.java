package dev.imagegallery.replication.config;

import dev.imagegallery.replication.content.Replicator;
import dev.imagegallery.replication.content.TenantStores;
import dev.imagegallery.replication.store.Manifest;
import dev.imagegallery.replication.store.azure.AzureBlobBackend;
import dev.imagegallery.replication.store.fs.FsBackend;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The stores (plain classes, so benchmarks can drive them without Quarkus) as beans: one namespace per tenant. */
public class StoresProducer {
    @Produces
    @Singleton
    TenantStores stores(StoreConfig config) {
        Path root = Path.of(config.root());
        try {
            Manifest.spillTo(root.resolve(".spill")); // large manifests off the heap, on the stores' disk
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the manifests' spill folder under " + root, e);
        }
        return switch (config.backend()) {
            case "fs" -> new TenantStores(root, FsBackend.namespaces(root, config.durable()));
            case "azure-blob" -> new TenantStores(root, AzureBlobBackend.namespaces(new AzureBlobBackend(
                    config.azure().connectionStrings(), config.azure().containerPrefix(),
                    config.azure().readAheadBytes(), root.resolve("azure-index"))
                    .retrying(config.azure().maxTries(), config.azure().retryDelay())
                    .leaseWait(config.azure().leaseWait())));
            default -> throw new IllegalArgumentException("gallery.store.backend must be fs or azure-blob, not "
                    + config.backend());
        };
    }

    @Produces
    @Singleton
    Replicator replicator(StoreConfig config) {
        return new Replicator(config.maxCopyBytesPerSecond(), config.copyCheckpointBytes());
    }

    void close(@Observes ShutdownEvent e, TenantStores stores) {
        stores.close();
    }
}

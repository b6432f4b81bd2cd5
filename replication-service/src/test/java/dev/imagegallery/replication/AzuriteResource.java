package dev.imagegallery.replication;

import dev.imagegallery.replication.store.Azurite;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/** Runs the service on Azure Blob stores in an Azurite of its own (one account per region); fs without node. */
public class AzuriteResource implements QuarkusTestResourceLifecycleManager {
    /** The running Azurite (tests stop and restart it: the storage account down). */
    static volatile Azurite.Server server;

    @Override
    public Map<String, String> start() {
        if (!Azurite.available()) {
            return Map.of(); // the tests skip themselves (Azurite.available())
        }
        server = Azurite.start();
        Map<String, String> config = new HashMap<>();
        config.put("gallery.store.backend", "azure-blob");
        config.put("gallery.store.azure.max-tries", "2"); // an account that is down fails a request within a second
        config.put("gallery.store.azure.retry-delay", "200ms");
        server.connectionStrings().forEach((region, cs) ->
                config.put("gallery.store.azure.connection-strings." + region, cs));
        return config;
    }

    @Override
    public void stop() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}

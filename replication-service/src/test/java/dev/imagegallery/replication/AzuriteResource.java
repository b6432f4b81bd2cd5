package dev.imagegallery.replication;

import dev.imagegallery.replication.store.Azurite;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/** Runs the service on Azure Blob stores in an Azurite of its own (one account per region); fs without node. */
public class AzuriteResource implements QuarkusTestResourceLifecycleManager {
    private Azurite.Server server;

    @Override
    public Map<String, String> start() {
        if (!Azurite.available()) {
            return Map.of(); // the tests skip themselves (Azurite.available())
        }
        server = Azurite.start();
        Map<String, String> config = new HashMap<>();
        config.put("gallery.store.backend", "azure-blob");
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

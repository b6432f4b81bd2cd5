package dev.imagegallery.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Every public event the forwarder emits is checked against its JSON Schema in docs/schemas/public (not a copy). */
final class PublicSchemas {
    static final Path DIR = Path.of("..", "docs", "schemas", "public");
    private static final Map<String, JsonSchema> SCHEMAS = new ConcurrentHashMap<>();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
            .formatAssertionsEnabled(true).build();

    private PublicSchemas() {
    }

    static JsonSchema of(String type) {
        return SCHEMAS.computeIfAbsent(type, t -> {
            Path file = DIR.resolve(t + ".json");
            if (!Files.exists(file)) {
                fail("no schema for the public event type " + t + " (" + file.toAbsolutePath() + ")");
            }
            try {
                return FACTORY.getSchema(Files.readString(file), CONFIG);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Fails with the schema's complaints unless the event is valid against its type's schema. */
    static void validate(CloudEvent event) {
        JsonNode json = Json.read(event.toJson(), JsonNode.class);
        Set<ValidationMessage> errors = of(event.type()).validate(json);
        assertTrue(errors.isEmpty(), () -> event.type() + " " + event.id() + " breaks its schema: " + errors
                + "\n" + event.toJson());
    }

    static void validateAll(List<CloudEvent> events) {
        events.forEach(PublicSchemas::validate);
    }
}

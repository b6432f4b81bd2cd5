package dev.imagegallery.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.Json;
import dev.imagegallery.events.PublicEvents;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The event contract as tests check it: every event type has a JSON Schema in {@code docs/schemas/internal/} (the
 * internal topics) or {@code docs/schemas/public/} (the tenants' public streams), read from the files themselves (not
 * a copy), so a producer that emits, or a consumer test that feeds, something else fails. {@link TestEvents} checks
 * every fixture it publishes and every event a service produced that it reads.
 */
public final class EventSchemas {
    private static final Map<Path, JsonSchema> SCHEMAS = new ConcurrentHashMap<>();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
            .formatAssertionsEnabled(true).build();

    private EventSchemas() {
    }

    public static Path internalDir() {
        return ProjectPaths.root().resolve("docs/schemas/internal");
    }

    public static Path publicDir() {
        return ProjectPaths.root().resolve("docs/schemas/public");
    }

    /** The schema file of an event: public when its {@code dataschema} is a public one, else internal. */
    static Path fileOf(CloudEvent event) {
        boolean pub = event.dataschema() != null && event.dataschema().equals(PublicEvents.schemaOf(event.type()));
        return (pub ? publicDir() : internalDir()).resolve(event.type() + ".json");
    }

    static JsonSchema schema(Path file) {
        return SCHEMAS.computeIfAbsent(file, f -> {
            if (!Files.isRegularFile(f)) {
                throw new AssertionError("no JSON Schema for this event type: " + f + " is missing");
            }
            try {
                return FACTORY.getSchema(Files.readString(f), CONFIG);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** What the schema of its type says is wrong with an event (empty: nothing). */
    public static Set<ValidationMessage> problems(CloudEvent event) {
        if (event.type() == null) {
            throw new AssertionError("an event without a type: " + event.toJson());
        }
        JsonNode json = Json.read(event.toJson(), JsonNode.class);
        return schema(fileOf(event)).validate(json);
    }

    /** Throws an {@link AssertionError} naming the schema's complaints unless the event is valid. */
    public static void check(CloudEvent event) {
        Set<ValidationMessage> errors = problems(event);
        if (!errors.isEmpty()) {
            throw new AssertionError(event.type() + " " + event.id() + " breaks its schema " + fileOf(event)
                    .getFileName() + ": " + errors + "\n" + event.toJson());
        }
    }

    public static void checkAll(List<CloudEvent> events) {
        events.forEach(EventSchemas::check);
    }
}

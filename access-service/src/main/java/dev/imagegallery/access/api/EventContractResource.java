package dev.imagegallery.access.api;

import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.arm.ArmList;
import dev.imagegallery.events.PublicEvents;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The contract of the public streams, for anyone building a subscriber (no token needed: it describes formats, no
 * tenant's data): the AsyncAPI 3 document and one JSON Schema per event type. The files are docs/asyncapi and
 * docs/schemas/public, copied into this service at build time, so what is served is what is documented.
 */
@Path("/")
public class EventContractResource {
    public record SchemaRef(String name, String id, String type, String schemaUrl) {
    }

    private final Map<String, String> cache = new ConcurrentHashMap<>();

    @GET
    @Path("providers/Microsoft.Gallery/eventSchemas")
    @Produces(MediaType.APPLICATION_JSON)
    public ArmList<SchemaRef> schemas() {
        List<SchemaRef> all = PublicEvents.TYPES.stream().map(t -> new SchemaRef(t,
                "/providers/Microsoft.Gallery/eventSchemas/" + t, "Microsoft.Gallery/eventSchemas",
                PublicEvents.schemaOf(t))).toList();
        return ArmList.of(all);
    }

    @GET
    @Path("providers/Microsoft.Gallery/eventSchemas/{type}")
    @Produces(MediaType.APPLICATION_JSON)
    public String schema(@PathParam("type") String type) {
        if (!PublicEvents.TYPES.contains(type)) {
            throw ArmException.notFound("EventTypeNotFound", "There is no public event type '" + type + "'; "
                    + "GET /providers/Microsoft.Gallery/eventSchemas lists them.", "type");
        }
        return resource("public-contract/schemas/public/" + type + ".json");
    }

    @GET
    @Path("providers/Microsoft.Gallery/asyncapi")
    @Produces("application/yaml")
    public String asyncApi() {
        return resource("public-contract/asyncapi/public-events.yaml");
    }

    String resource(String path) {
        return cache.computeIfAbsent(path, p -> {
            try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(p)) {
                if (in == null) {
                    throw new IllegalStateException(p + " is missing from the build");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}

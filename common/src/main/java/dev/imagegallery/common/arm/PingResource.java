package dev.imagegallery.common.arm;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** A bare constant endpoint: the baseline the benchmarks measure every real endpoint against, in the same JVM. */
@Path("/ping")
public class PingResource {
    public record Pong(String status) {
    }

    private static final Pong OK = new Pong("ok");

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Pong ping() {
        return OK;
    }
}

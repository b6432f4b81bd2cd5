package dev.imagegallery.common.tracing;

import io.smallrye.config.ConfigMapping;

import java.util.Optional;

/** Where a service's spans go (README "Traces"): traces are always made, exported only where named here. */
@ConfigMapping(prefix = "gallery.tracing")
public interface TracingConfig {
    /**
     * The OTLP endpoint to export to (Quarkus' OTLP exporter, OTLP/HTTP unless {@code OTEL_EXPORTER_OTLP_PROTOCOL=grpc}),
     * e.g. Jaeger's {@code http://localhost:4318}; defaults to the standard {@code OTEL_EXPORTER_OTLP_ENDPOINT}. None:
     * no export.
     */
    Optional<String> otlpEndpoint();

    /** A file to append spans to as JSON lines, when no OTLP endpoint is named (tests, a quick look). */
    Optional<String> spanFile();
}

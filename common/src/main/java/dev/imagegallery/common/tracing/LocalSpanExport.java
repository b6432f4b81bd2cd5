package dev.imagegallery.common.tracing;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.quarkus.arc.lookup.LookupIfProperty;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.util.Collection;

/**
 * Where spans go when no OTLP endpoint is named ({@link TracingConfig#otlpEndpoint()}, or the standard
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT}): nowhere, or to the span file {@link TracingConfig#spanFile()} (JSON lines, for
 * tests and a quick look). Traces are still made (log lines name their trace id; events carry it on): only the export
 * is off. This exporter is visible only while no endpoint is named, and then Quarkus' OTLP exporter stands down (it
 * runs only when the application provides no exporter of its own).
 */
public class LocalSpanExport {
    @Produces
    @Singleton
    @LookupIfProperty(name = "gallery.tracing.otlp-endpoint", stringValue = "", lookupIfMissing = true)
    SpanExporter localSpans(TracingConfig config) {
        return config.spanFile().filter(f -> !f.isBlank()).<SpanExporter>map(SpanFile::new).orElseGet(Discard::new);
    }

    /** Exports nothing (and so costs nothing beyond the spans themselves). */
    static final class Discard implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}

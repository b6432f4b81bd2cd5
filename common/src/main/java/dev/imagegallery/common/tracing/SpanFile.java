package dev.imagegallery.common.tracing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imagegallery.events.Json;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;

/**
 * Appends spans to a file, one JSON object a line: {@code traceId}, {@code spanId}, {@code parentSpanId}, {@code name},
 * {@code kind}, {@code service}, {@code start} and {@code end} (epoch microseconds), {@code attributes}. For tests (the end-to-end trace check) and a look without a
 * collector; an OTLP endpoint is the way for anything else.
 */
final class SpanFile implements SpanExporter {
    private final Path file;

    SpanFile(String file) {
        this.file = Path.of(file);
    }

    @Override
    public synchronized CompletableResultCode export(Collection<SpanData> spans) {
        StringBuilder lines = new StringBuilder();
        for (SpanData s : spans) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("traceId", s.getTraceId());
            o.put("spanId", s.getSpanId());
            o.put("parentSpanId", s.getParentSpanContext().isValid() ? s.getParentSpanId() : null);
            o.put("name", s.getName());
            o.put("kind", s.getKind().name());
            o.put("start", s.getStartEpochNanos() / 1000);
            o.put("end", s.getEndEpochNanos() / 1000);
            o.put("service", s.getResource().getAttributes().get(
                    io.opentelemetry.api.common.AttributeKey.stringKey("service.name")));
            ObjectNode attributes = o.putObject("attributes");
            s.getAttributes().forEach((k, v) -> attributes.put(k.getKey(), String.valueOf(v)));
            lines.append(o).append('\n');
        }
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            // one append of the whole batch: two instances of a service given the same file (the local stack's
            // GALLERY_SPAN_DIR with two instances) then never cut each other's lines, as a buffered writer's 8 KiB
            // writes did
            ByteBuffer bytes = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
            }
            return CompletableResultCode.ofSuccess();
        } catch (IOException e) {
            return CompletableResultCode.ofFailure();
        }
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

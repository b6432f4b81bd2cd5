package dev.imagegallery.common.tracing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.imagegallery.events.Json;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two exporters on one span file (two instances of a service under the local stack's GALLERY_SPAN_DIR) append whole
 * lines: a batch was written through an 8 KiB buffer, so the other's writes could land inside a line.
 */
class SpanFileTest {
    @TempDir
    Path dir;

    @Test
    void twoWritersOfOneFileNeverCutEachOthersLines() throws Exception {
        List<SpanData> batch = spans(200);
        Path file = dir.resolve("catalog-service.jsonl");
        SpanFile first = new SpanFile(file.toString());
        SpanFile second = new SpanFile(file.toString());
        int rounds = 25;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> writers = List.of(first, second).stream().map(w -> pool.submit(() -> {
                go.await();
                for (int i = 0; i < rounds; i++) {
                    assertTrue(w.export(batch).join(10, java.util.concurrent.TimeUnit.SECONDS).isSuccess());
                }
                return null;
            })).<Future<?>>map(f -> f).toList();
            go.countDown();
            for (Future<?> w : writers) {
                w.get();
            }
        } finally {
            pool.shutdownNow();
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(2 * rounds * batch.size(), lines.size());
        for (String line : lines) {
            JsonNode span = Json.MAPPER.readTree(line); // a cut line does not parse, or parses without its fields
            assertEquals(1024, span.path("attributes").path("padding").asText().length(), line);
        }
    }

    /** {@code n} finished spans of about 1.2 KiB each as JSON (a batch of 200 is some 30 of the old 8 KiB writes). */
    private static List<SpanData> spans(int n) {
        InMemorySpanExporter memory = InMemorySpanExporter.create();
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(memory)).build()) {
            Tracer tracer = provider.get("test");
            for (int i = 0; i < n; i++) {
                tracer.spanBuilder("span-" + i).setAttribute("padding", "x".repeat(1024)).startSpan().end();
            }
            return memory.getFinishedSpanItems();
        }
    }
}

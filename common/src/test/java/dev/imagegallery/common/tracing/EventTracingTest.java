package dev.imagegallery.common.tracing;

import dev.imagegallery.events.CloudEvent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One trace across the outbox and Kafka: the event a request writes carries the request's trace context, the relay's
 * send and the consumer's work are spans of that trace, and what the consumer writes carries it on. Events without a
 * trace context, or with a malformed one, are sent and consumed as before (no span, no failure).
 */
class EventTracingTest {
    static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();
    static OpenTelemetrySdk sdk;

    @BeforeAll
    static void sdk() {
        sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(SPANS)).build()).build();
        EventTracing.use(sdk);
    }

    @AfterAll
    static void close() {
        EventTracing.use(io.opentelemetry.api.OpenTelemetry.noop());
        sdk.close();
    }

    @BeforeEach
    void clear() {
        SPANS.reset();
    }

    static CloudEvent event(String type) {
        return CloudEvent.of("/tests", type, "/versions/1", Map.of("versionId", "1"));
    }

    @Test
    void theRelaysSendAndTheConsumersSpanShareTheTraceOfTheWritingRequest() {
        Span request = sdk.getTracer("test").spanBuilder("PUT /versions/1").setSpanKind(SpanKind.SERVER).startSpan();
        CloudEvent written;
        try (Scope ignored = request.makeCurrent()) {
            written = EventTracing.withCurrentTrace(event("VersionPublished")); // Outbox.emit in the request's tx
        } finally {
            request.end();
        }
        String traceId = request.getSpanContext().getTraceId();
        assertNotNull(written.traceparent());
        assertTrue(written.traceparent().contains(traceId));

        // the relay sends the row (its traceparent column) as a span of that trace
        EventTracing.send(written.traceparent(), written.tracestate(), "gallery.catalog.v1",
                () -> Uni.createFrom().voidItem()).await().indefinitely();

        // the consumer reads the record and continues the trace; what it writes carries the trace on
        CloudEvent read = CloudEvent.parse(written.toJson());
        AtomicReference<CloudEvent> onward = new AtomicReference<>();
        EventTracing.consume(read, "catalog", () -> {
            onward.set(EventTracing.withCurrentTrace(event("ReplicaCompleted")));
            return Uni.createFrom().voidItem();
        }).await().indefinitely();

        SpanData send = only(SpanKind.PRODUCER);
        SpanData consume = only(SpanKind.CONSUMER);
        assertEquals(traceId, send.getTraceId());
        assertEquals(traceId, consume.getTraceId());
        assertEquals(request.getSpanContext().getSpanId(), send.getParentSpanId());
        assertEquals(request.getSpanContext().getSpanId(), consume.getParentSpanId());
        assertEquals(read.id(), consume.getAttributes().get(
                io.opentelemetry.api.common.AttributeKey.stringKey("cloudevents.event_id")));
        // the next hop's parent is the consumer's span
        assertEquals("00-" + traceId + "-" + consume.getSpanId() + "-01", onward.get().traceparent());
    }

    @Test
    void anEventWrittenOutsideATraceCarriesNoTraceContext() {
        CloudEvent e = EventTracing.withCurrentTrace(event("VersionPublished"));
        assertNull(e.traceparent());
        assertTrue(!e.toJson().contains("traceparent"));
    }

    @Test
    void anEventWithoutATraceContextIsConsumedAsBeforeWithoutASpan() {
        AtomicReference<Boolean> ran = new AtomicReference<>(false);
        EventTracing.consume(event("VersionPublished"), "catalog", () -> {
            ran.set(true);
            assertTrue(!Span.current().getSpanContext().isValid());
            return Uni.createFrom().voidItem();
        }).await().indefinitely();
        EventTracing.send(null, null, "gallery.catalog.v1", () -> Uni.createFrom().voidItem()).await().indefinitely();
        assertTrue(ran.get());
        assertEquals(List.of(), SPANS.getFinishedSpanItems());
    }

    @Test
    void aMalformedTraceparentIsIgnoredNeverAFailure() {
        for (String bad : new String[]{"", "garbage", "00-" + "0".repeat(32) + "-" + "0".repeat(16) + "-01",
                "00-zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-zzzzzzzzzzzzzzzz-01", "ff-" + "1".repeat(32) + "-"
                + "1".repeat(16) + "-01", "x".repeat(100_000)}) {
            CloudEvent e = event("VersionPublished").withTrace(bad, "a=\u0000");
            AtomicReference<Boolean> ran = new AtomicReference<>(false);
            EventTracing.consume(CloudEvent.parse(e.toJson()), "catalog", () -> {
                ran.set(true);
                return Uni.createFrom().voidItem();
            }).await().indefinitely();
            EventTracing.send(bad, null, "t", () -> Uni.createFrom().voidItem()).await().indefinitely();
            assertTrue(ran.get(), bad);
            assertTrue(EventTracing.startAll(List.of(e), "t").isEmpty(), bad);
        }
        assertEquals(List.of(), SPANS.getFinishedSpanItems());
    }

    @Test
    void aTraceparentThatIsNoStringReadsAsAbsent() {
        String json = event("VersionPublished").toJson();
        for (String value : new String[]{"42", "{\"a\":[1,2]}", "[\"00\"]", "null", "true"}) {
            CloudEvent e = CloudEvent.parse(json.substring(0, json.length() - 1) + ",\"traceparent\":" + value
                    + ",\"tracestate\":" + value + "}");
            assertNull(e.traceparent(), value);
            assertNull(e.tracestate(), value);
            assertEquals(Context.root(), EventTracing.contextOf(e));
        }
    }

    @Test
    void aBatchGetsASpanPerTracedEventEndedWithTheBatch() {
        Span request = sdk.getTracer("test").spanBuilder("PUT").startSpan();
        CloudEvent traced = EventTracing.withTrace(event("ReplicaCompleted"), Context.root().with(request));
        request.end();
        List<Span> spans = EventTracing.startAll(List.of(traced, event("ReplicaCompleted")), "replication");
        assertEquals(1, spans.size());
        EventTracing.end(spans, null);
        assertEquals(request.getSpanContext().getTraceId(), only(SpanKind.CONSUMER).getTraceId());
    }

    static SpanData only(SpanKind kind) {
        List<SpanData> of = SPANS.getFinishedSpanItems().stream().filter(s -> s.getKind() == kind).toList();
        assertEquals(1, of.size(), "spans of kind " + kind + ": " + of);
        return of.get(0);
    }
}

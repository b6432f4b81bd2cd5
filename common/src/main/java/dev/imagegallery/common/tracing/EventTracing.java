package dev.imagegallery.common.tracing;

import dev.imagegallery.events.CloudEvent;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.smallrye.mutiny.Uni;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The trace across Kafka: an event carries the trace context of the transaction that wrote it in its CloudEvents
 * distributed-tracing extension attributes ({@code traceparent}, {@code tracestate}; W3C Trace Context), the outbox row
 * keeps it, the relay's send is a span of that trace, and the consumer continues it (its span is a child of the
 * event's {@code traceparent}, current while the effect runs, so the events the effect writes carry it on).
 * <p>
 * An event without a trace context (an old row, a producer outside any trace) or with a malformed one (hostile input)
 * is sent and consumed exactly as before: no span, never a failure. Until the application's OpenTelemetry is
 * {@linkplain #use set} (and in a service without tracing) every method here is a no-op.
 */
public final class EventTracing {
    static final String SCOPE = "dev.imagegallery.events";
    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static volatile Tracer tracer = OpenTelemetry.noop().getTracer(SCOPE);

    private EventTracing() {
    }

    /** Spans from now on go to {@code openTelemetry} (the application's, at start-up; a test's SDK). */
    public static void use(OpenTelemetry openTelemetry) {
        tracer = openTelemetry.getTracer(SCOPE);
    }

    /** {@code event} carrying the current trace context (the request's or the consumer's span); as it is outside one. */
    public static CloudEvent withCurrentTrace(CloudEvent event) {
        return withTrace(event, Context.current());
    }

    /** {@code event} carrying the trace context {@code context}; as it is when that holds no valid span. */
    public static CloudEvent withTrace(CloudEvent event, Context context) {
        String[] tc = traceparentOf(context);
        return tc == null ? event : event.withTrace(tc[0], tc[1]);
    }

    /** The {@code traceparent} and {@code tracestate} (or null) of {@code context}; null outside a valid span. */
    public static String[] traceparentOf(Context context) {
        if (!Span.fromContext(context).getSpanContext().isValid()) {
            return null;
        }
        String[] tc = new String[2];
        W3C.inject(context, tc, (carrier, key, value) -> {
            if ("traceparent".equals(key)) {
                carrier[0] = value;
            } else if ("tracestate".equals(key)) {
                carrier[1] = value;
            }
        });
        return tc[0] == null ? null : tc;
    }

    /** The {@code traceparent} of the current trace context, or null outside one. */
    public static String currentTraceparent() {
        String[] tc = traceparentOf(Context.current());
        return tc == null ? null : tc[0];
    }

    /**
     * The remote trace context that {@code traceparent} and {@code tracestate} name, or {@link Context#root()} when
     * {@code traceparent} is absent or malformed (the propagator ignores what it cannot read).
     */
    public static Context contextOf(String traceparent, String tracestate) {
        if (traceparent == null || traceparent.length() < 55 || traceparent.length() > 512) { // version 00: 55 chars
            return Context.root();
        }
        try {
            return W3C.extract(Context.root(), new String[]{traceparent, tracestate}, GETTER);
        } catch (RuntimeException e) {
            return Context.root();
        }
    }

    /** The trace context {@code event} carries; {@link Context#root()} for none or a malformed one. */
    public static Context contextOf(CloudEvent event) {
        return contextOf(event.traceparent(), event.tracestate());
    }

    private static boolean traced(Context context) {
        return context != Context.root() && Span.fromContext(context).getSpanContext().isValid();
    }

    /**
     * The outbox relay's send of one event (a {@code PRODUCER} span of the trace that wrote the row, ended when Kafka
     * acknowledges): {@code send} as it is when the row carries no (valid) trace context.
     */
    public static <T> Uni<T> send(String traceparent, String tracestate, String topic, Supplier<Uni<T>> send) {
        Context parent = contextOf(traceparent, tracestate);
        if (!traced(parent)) {
            return send.get();
        }
        Span span = tracer.spanBuilder(topic + " publish").setParent(parent).setSpanKind(SpanKind.PRODUCER)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.destination.name", topic)
                .setAttribute("messaging.operation.type", "send")
                .startSpan();
        return send.get().onTermination().invoke((item, failure, cancelled) -> end(span, failure));
    }

    /**
     * A consumer's work on {@code event} of {@code topic}: a {@code CONSUMER} span, child of the event's trace
     * context, current while {@code work} runs (events it writes carry the trace on, log lines name it). Without a
     * (valid) trace context in the event, {@code work} runs as it is.
     */
    public static <T> Uni<T> consume(CloudEvent event, String topic, Supplier<Uni<T>> work) {
        Context parent = contextOf(event);
        if (!traced(parent)) {
            return work.get();
        }
        return Uni.createFrom().deferred(() -> {
            Span span = consumerSpan(event, topic, parent);
            Scope scope = parent.with(span).makeCurrent();
            Uni<T> running;
            try {
                running = work.get();
            } catch (RuntimeException e) {
                scope.close();
                end(span, e);
                throw e;
            }
            return running.onTermination().invoke((item, failure, cancelled) -> {
                end(span, failure);
                scope.close();
            });
        });
    }

    /**
     * The consumer spans of a batch of events taken in one go (billing's metering): one per event that carries a
     * valid trace context, started now; {@link #end(List, Throwable)} them when the batch's transaction is over.
     */
    public static List<Span> startAll(List<CloudEvent> events, String topic) {
        List<Span> spans = new ArrayList<>();
        for (CloudEvent event : events) {
            if (event == null || event.traceparent() == null) {
                continue;
            }
            Context parent = contextOf(event);
            if (traced(parent)) {
                spans.add(consumerSpan(event, topic, parent));
            }
        }
        return spans;
    }

    /** Ends the spans of {@link #startAll}, as failed if {@code failure} is not null. */
    public static void end(List<Span> spans, Throwable failure) {
        for (Span span : spans) {
            end(span, failure);
        }
    }

    /** A span of its own under {@code context} (say, the copy a consumed event started later, on another thread). */
    public static Span start(String name, Context parent) {
        return tracer.spanBuilder(name).setParent(parent).setSpanKind(SpanKind.INTERNAL).startSpan();
    }

    /** Runs {@code work} with {@code context} current on the Vert.x context it subscribes on (see {@link #consume}). */
    public static <T> Supplier<Uni<T>> within(Context context, Supplier<Uni<T>> work) {
        if (!traced(context)) {
            return work;
        }
        return () -> Uni.createFrom().deferred(() -> {
            Scope scope = context.makeCurrent();
            return work.get().onTermination().invoke(scope::close);
        });
    }

    private static Span consumerSpan(CloudEvent event, String topic, Context parent) {
        return tracer.spanBuilder(topic + " process").setParent(parent).setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.destination.name", topic)
                .setAttribute("messaging.operation.type", "process")
                .setAttribute("messaging.message.id", String.valueOf(event.id()))
                .setAttribute("cloudevents.event_id", String.valueOf(event.id()))
                .setAttribute("cloudevents.event_type", String.valueOf(event.type()))
                .setAttribute("cloudevents.event_subject", String.valueOf(event.subject()))
                .startSpan();
    }

    /** Ends {@code span}, as failed with {@code failure} if there is one. */
    public static void end(Span span, Throwable failure) {
        if (failure != null) {
            span.recordException(failure);
            span.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
        }
        span.end();
    }

    /** Whether {@code context} holds a span of a trace (not the root context, not an invalid span). */
    public static boolean isTraced(Context context) {
        return traced(context);
    }

    private static final TextMapGetter<String[]> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String[] carrier) {
            return List.of("traceparent", "tracestate");
        }

        @Override
        public String get(String[] carrier, String key) {
            if (carrier == null) {
                return null;
            }
            return "traceparent".equals(key) ? carrier[0] : "tracestate".equals(key) ? carrier[1] : null;
        }
    };
}

package dev.imagegallery.common.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

/** Hands the application's OpenTelemetry to {@link EventTracing} before the consumers and the relay start. */
@ApplicationScoped
public class TracingSetup {
    void start(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent e, OpenTelemetry openTelemetry) {
        EventTracing.use(openTelemetry);
    }
}

package dev.imagegallery.common.bus;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import java.util.Arrays;

/**
 * Kafka's clients fetch their OAUTHBEARER tokens only from URLs the JVM property
 * {@value #ALLOWED_URLS} lists (so that a configuration cannot make a client send its secret anywhere): this allows the
 * one token endpoint the service is configured with ({@code gallery.bus.token-url}), before any Kafka client starts
 * (the first observer of start-up; the messaging channels start after it). Nothing to pass on the command line.
 */
public class BusTokenEndpoint {
    static final String ALLOWED_URLS = "org.apache.kafka.sasl.oauthbearer.allowed.urls";

    void allow(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent start, BusConfig bus) {
        if (!bus.authenticated()) {
            return;
        }
        allow(bus.tokenUrl());
        Log.debugf("Kafka clients may fetch tokens from %s", bus.tokenUrl());
    }

    static synchronized void allow(String url) {
        String now = System.getProperty(ALLOWED_URLS, "");
        if (Arrays.stream(now.split(",")).map(String::trim).noneMatch(url::equals)) {
            System.setProperty(ALLOWED_URLS, now.isBlank() ? url : now + "," + url);
        }
    }
}

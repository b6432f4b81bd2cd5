package dev.imagegallery.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;

import java.time.Instant;
import java.util.UUID;

/**
 * The CloudEvents 1.0 JSON envelope every service writes to Kafka. {@code type} names the event
 * ({@link EventTypes}), {@code subject} is the affected resource id (also the Kafka key) and
 * {@code data} carries the typed payload. {@code traceparent} and {@code tracestate} are the CloudEvents
 * distributed-tracing extension attributes (W3C Trace Context): the trace of the transaction that wrote the event, which
 * the consumer continues; absent on events written outside a trace (and on public events: the trace is internal).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CloudEvent(
        String specversion,
        String id,
        String source,
        String type,
        String subject,
        Instant time,
        String datacontenttype,
        String dataschema,
        JsonNode data,
        @JsonDeserialize(using = CloudEvent.LenientText.class) String traceparent,
        @JsonDeserialize(using = CloudEvent.LenientText.class) String tracestate) {

    public static final String SPEC_VERSION = "1.0";

    /** An event outside any trace. */
    public CloudEvent(String specversion, String id, String source, String type, String subject, Instant time,
                      String datacontenttype, String dataschema, JsonNode data) {
        this(specversion, id, source, type, subject, time, datacontenttype, dataschema, data, null, null);
    }

    /** This event, carrying the trace context {@code traceparent} (and {@code tracestate}; null: none). */
    public CloudEvent withTrace(String traceparent, String tracestate) {
        return new CloudEvent(specversion, id, source, type, subject, time, datacontenttype, dataschema, data,
                traceparent, tracestate);
    }

    public static CloudEvent of(String source, String type, String subject, Object payload) {
        return new CloudEvent(SPEC_VERSION, UUID.randomUUID().toString(), source, type, subject, Instant.now(),
                "application/json", EventTypes.schemaOf(type), Json.MAPPER.valueToTree(payload));
    }

    public <T> T dataAs(Class<T> type) {
        try {
            return Json.MAPPER.treeToValue(data, type);
        } catch (Exception e) {
            throw new IllegalArgumentException("event " + id + " of type " + this.type + " has a malformed payload: "
                    + e.getMessage(), e);
        }
    }

    public String toJson() {
        return Json.write(this);
    }

    public static CloudEvent parse(String json) {
        return Json.read(json, CloudEvent.class);
    }

    /**
     * The trace attributes are a hint, never a reason to refuse an event: a value that is no string (a number, an
     * object: hostile or broken producers) reads as absent. (A malformed string is ignored where it is used.)
     */
    public static final class LenientText extends JsonDeserializer<String> {
        @Override
        public String deserialize(JsonParser p, DeserializationContext ctx) throws java.io.IOException {
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                return p.getText();
            }
            p.skipChildren();
            return null;
        }
    }
}

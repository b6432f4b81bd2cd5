package dev.imagegallery.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.UUID;

/**
 * The CloudEvents 1.0 JSON envelope every service writes to Kafka. {@code type} names the event
 * ({@link EventTypes}), {@code subject} is the affected resource id (also the Kafka key) and
 * {@code data} carries the typed payload.
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
        JsonNode data) {

    public static final String SPEC_VERSION = "1.0";

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
}

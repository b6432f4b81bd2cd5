package dev.imagegallery.door.proxy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/** The ARM error body the door answers with itself: {@code {"error":{"code","message","target"}}}. */
public final class ArmErrors {
    public static final String JSON = "application/json; charset=utf-8";

    private ArmErrors() {
    }

    public static Buffer body(String code, String message, String target) {
        JsonObject error = new JsonObject().put("code", code).put("message", message);
        if (target != null) {
            error.put("target", target);
        }
        return new JsonObject().put("error", error).toBuffer();
    }
}

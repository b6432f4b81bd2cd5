package dev.imagegallery.common.arm;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The ARM error body: {@code {"error": {"code", "message", "target"}}}. */
public record ArmError(Detail error) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Detail(String code, String message, String target) {
    }

    public static ArmError of(String code, String message, String target) {
        return new ArmError(new Detail(code, message, target));
    }
}

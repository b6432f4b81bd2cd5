package dev.imagegallery.common.arm;

/**
 * A domain error that the exception mapper turns into an ARM error body
 * ({@code {"error":{"code","message","target"}}}) with its HTTP status.
 */
public class ArmException extends RuntimeException {
    private final int status;
    private final String code;
    private final String target;

    public ArmException(int status, String code, String message, String target) {
        super(message);
        this.status = status;
        this.code = code;
        this.target = target;
    }

    public static ArmException invalid(String code, String message, String target) {
        return new ArmException(400, code, message, target);
    }

    public static ArmException invalidParameter(String target, String message) {
        return new ArmException(400, "InvalidParameter", message, target);
    }

    public static ArmException notFound(String code, String message, String target) {
        return new ArmException(404, code, message, target);
    }

    public static ArmException resourceNotFound(String type, String id) {
        return new ArmException(404, "ResourceNotFound", "The " + type + " '" + id + "' was not found.", id);
    }

    public static ArmException conflict(String code, String message, String target) {
        return new ArmException(409, code, message, target);
    }

    public static ArmException forbidden(String principal, String action, String scope) {
        return new ArmException(403, "AuthorizationFailed", "The client '" + principal
                + "' does not have authorization to perform action '" + action + "' over scope '" + scope
                + "' or the scope is invalid.", scope);
    }

    public static ArmException unauthorized(String message) {
        return new ArmException(401, "AuthenticationFailed", message, null);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String target() {
        return target;
    }
}

package dev.imagegallery.common.arm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import io.quarkus.logging.Log;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.stream.Collectors;

/** The one place where exceptions become ARM error bodies; nothing escapes as a bare 500 page. */
public class ArmExceptionMappers {

    public static Response response(int status, String code, String message, String target) {
        Response.ResponseBuilder b = Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ArmError.of(code, message, target));
        if (status == 401) {
            b.header("WWW-Authenticate", "Bearer");
        }
        return b.build();
    }

    @ServerExceptionMapper
    public Response arm(ArmException e) {
        return response(e.status(), e.code(), e.getMessage(), e.target());
    }

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e) {
        return response(401, "AuthenticationFailed", "Authentication failed: a valid bearer token is required.", null);
    }

    @ServerExceptionMapper
    public Response authFailed(AuthenticationFailedException e) {
        return response(401, "AuthenticationFailed", "Authentication failed: the bearer token is not valid.", null);
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return response(403, "AuthorizationFailed", "The client does not have authorization to perform this action.",
                null);
    }

    @ServerExceptionMapper
    public Response json(JsonMappingException e) {
        String target = e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
        String msg = e.getOriginalMessage();
        if (msg != null && msg.length() > 300) {
            msg = msg.substring(0, 300);
        }
        return response(400, "InvalidRequestContent", "The request content was invalid: " + msg,
                target.isEmpty() ? null : target);
    }

    /** More specific than Quarkus' built-in mapper for the same type, which answers a non-ARM body. */
    @ServerExceptionMapper
    public Response mismatch(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
        return json(e);
    }

    @ServerExceptionMapper
    public Response jsonSyntax(JsonProcessingException e) {
        return response(400, "InvalidRequestContent", "The request content is not valid JSON: "
                + e.getOriginalMessage(), null);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        JsonMappingException mapping = causeOf(e, JsonMappingException.class);
        if (mapping != null) {
            return json(mapping);
        }
        JsonProcessingException syntax = causeOf(e, JsonProcessingException.class);
        if (syntax != null) {
            return jsonSyntax(syntax);
        }
        int status = e.getResponse().getStatus();
        String code = switch (status) {
            case 400 -> "BadRequest";
            case 401 -> "AuthenticationFailed";
            case 403 -> "AuthorizationFailed";
            case 404 -> "NotFound";
            case 405 -> "MethodNotAllowed";
            case 406 -> "NotAcceptable";
            case 413 -> "RequestEntityTooLarge";
            case 415 -> "UnsupportedMediaType";
            default -> status >= 500 ? "InternalServerError" : "BadRequest";
        };
        if (status >= 500) {
            Log.error("request failed", e);
        }
        return response(status, code, e.getMessage() == null ? code : e.getMessage(), null);
    }

    @ServerExceptionMapper
    public Response illegalArgument(IllegalArgumentException e) {
        return response(400, "InvalidRequestContent", e.getMessage(), null);
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER + 1000)
    public Response unexpected(Throwable e) {
        ArmException arm = causeOf(e, ArmException.class);
        if (arm != null) {
            return arm(arm);
        }
        if (isUniqueViolation(e)) {
            return response(409, "Conflict", "The resource was changed concurrently; retry the request.", null);
        }
        Log.error("unexpected failure", e);
        return response(500, "InternalServerError", "An unexpected error occurred; it has been logged.", null);
    }

    static <T extends Throwable> T causeOf(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    public static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("23505") || m.contains("duplicate key value"))) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}

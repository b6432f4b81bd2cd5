package dev.imagegallery.common.arm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.quarkus.logging.Log;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.stream.Collectors;

/**
 * The one place where exceptions become ARM error bodies; nothing escapes as a bare 500 page. {@link #describe} holds
 * the rules; the mappers below apply them to RESTEasy's requests, and hand-written Vert.x routes call it directly.
 */
public class ArmExceptionMappers {

    /** What a failure answers: its status and ARM error body. */
    public record Failure(int status, ArmError body) {
    }

    public static Response response(Failure f) {
        Response.ResponseBuilder b = Response.status(f.status()).type(MediaType.APPLICATION_JSON_TYPE).entity(f.body());
        if (f.status() == 401) {
            b.header("WWW-Authenticate", "Bearer");
        }
        if (f.status() == 503) {
            b.header("Retry-After", "10"); // busy, not broken: ARM clients retry after this many seconds
        }
        if (f.status() == 429) {
            b.header("Retry-After", "1"); // ARM's throttling answer: the SDKs retry it after this many seconds
        }
        return b.build();
    }

    public static Failure failure(int status, String code, String message, String target) {
        return new Failure(status, ArmError.of(code, message, target));
    }

    /**
     * A JSON syntax error in JSON's words and where it is: Jackson's message named its own internals ("start marker
     * at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled)...").
     */
    static String syntaxMessage(JsonProcessingException e) {
        String m = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        int cut = m.indexOf(" (start marker at");
        if (cut >= 0) {
            m = m.substring(0, cut);
        }
        cut = m.indexOf("\n");
        if (cut >= 0) {
            m = m.substring(0, cut);
        }
        m = m.replace("Unexpected end-of-input", "the content ends too early")
                .replace("expected close marker for Object", "an object is not closed")
                .replace("expected close marker for Array", "an array is not closed");
        if (m.length() > 200) {
            m = m.substring(0, 200);
        }
        var at = e.getLocation();
        return m + (at != null && at.getLineNr() > 0 ? " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"
                : "") + ".";
    }

    /**
     * A framework's refusal (no route, a method the resource lacks, a Content-Type it does not read) in ARM's words;
     * a message of the system's own is kept. RESTEasy's were "Unable to find matching target resource method",
     * "HTTP 405 Method Not Allowed" and "The content-type header value did not match the value in @Consumes".
     */
    static String webMessage(int status, String message) {
        boolean framework = message == null || message.startsWith("HTTP ") || message.contains("@Consumes")
                || message.contains("@Produces") || message.contains("Unable to find matching")
                || message.contains("RESTEASY");
        if (!framework) {
            return message;
        }
        return switch (status) {
            case 404 -> "No resource or operation answers this path and method: check the path, the method and "
                    + "the api-version.";
            case 405 -> "The resource does not take this HTTP method.";
            case 406 -> "The resource cannot answer in a media type the Accept header allows: accept "
                    + "application/json.";
            case 415 -> "The request's Content-Type is not one this operation reads: send application/json.";
            case 413 -> "The request content is larger than this operation takes.";
            default -> status >= 500 ? "The request failed on the server." : "The request is not valid.";
        };
    }

    /** The ARM error that answers {@code e}, whatever it is; a 500 (logged) only for the unexpected. */
    public static Failure describe(Throwable e) {
        if (e instanceof ArmException arm) {
            return failure(arm.status(), arm.code(), arm.getMessage(), arm.target());
        }
        if (e instanceof UnauthorizedException) {
            return failure(401, "AuthenticationFailed", "Authentication failed: a valid bearer token is required.", null);
        }
        if (causeOf(e, AuthenticationFailedException.class) != null) {
            return failure(401, "AuthenticationFailed", "Authentication failed: the bearer token is not valid.", null);
        }
        if (e instanceof ForbiddenException) {
            return failure(403, "AuthorizationFailed", "The client does not have authorization to perform this "
                    + "action.", null);
        }
        JsonMappingException mapping = causeOf(e, JsonMappingException.class);
        if (mapping != null) {
            String target = mapping.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            String msg = jsonMessage(mapping, target);
            if (msg != null && msg.length() > 300) {
                msg = msg.substring(0, 300);
            }
            return failure(400, "InvalidRequestContent", "The request content was invalid: " + msg,
                    target.isEmpty() ? null : target);
        }
        JsonProcessingException syntax = causeOf(e, JsonProcessingException.class);
        if (syntax != null) {
            return failure(400, "InvalidRequestContent", "The request content is not valid JSON: "
                    + syntaxMessage(syntax), null);
        }
        if (e instanceof WebApplicationException web) {
            int status = web.getResponse().getStatus();
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
            return failure(status, code, webMessage(status, e.getMessage()), null);
        }
        if (e instanceof IllegalArgumentException) {
            return failure(400, "InvalidRequestContent", e.getMessage(), null);
        }
        ArmException arm = causeOf(e, ArmException.class);
        if (arm != null) {
            return failure(arm.status(), arm.code(), arm.getMessage(), arm.target());
        }
        if (ConcurrentChange.is(e)) {
            // a concurrent request created, changed or deleted the same resource first, in every attempt
            // (ConcurrentChange.retried)
            return failure(409, "Conflict", "The resource was changed concurrently; retry the request.", null);
        }
        if (causeOf(e, io.quarkus.oidc.OIDCException.class) != null) {
            // the token's issuer did not answer for its discovery document or keys (gallery.oidc.idp-timeout): the
            // token may be good, it cannot be verified now
            Log.warnf("a token could not be verified, its identity provider unavailable (answered 503): %s",
                    e.getMessage());
            return failure(503, "ServiceUnavailable", "The identity provider of the token's issuer is not answering; "
                    + "retry the request after the Retry-After seconds.", null);
        }
        if (dev.imagegallery.common.db.Unavailable.is(e)) {
            // the database restarting or failing over: the same request succeeds once it is back
            Log.warnf("a request failed on an unavailable dependency (answered 503): %s", e.getMessage());
            return failure(503, "ServiceUnavailable", "The service cannot reach its database at the moment; retry "
                    + "the request after the Retry-After seconds.", null);
        }
        if (clientGone(e)) {
            // the client closed its connection part-way (a download it stopped reading): nobody hears an answer, and
            // it is no failure of the service (it was logged as one, with its stack, on every such download)
            Log.debugf("the client closed the connection: %s", e.getMessage());
            return failure(499, "ClientClosedRequest", "The client closed the connection.", null);
        }
        Log.error("unexpected failure", e);
        return failure(500, "InternalServerError", "An unexpected error occurred; it has been logged.", null);
    }

    /** Whether the failure is the client's connection gone (closed, reset, a broken pipe) while it was answered. */
    static boolean clientGone(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.nio.channels.ClosedChannelException) {
                return true;
            }
            String m = t.getMessage();
            if (t instanceof java.io.IOException && m != null && (m.contains("Connection has been closed")
                    || m.contains("Connection was closed") || m.contains("Connection reset by peer")
                    || m.contains("Broken pipe"))) {
                return true;
            }
        }
        return false;
    }

    @ServerExceptionMapper
    public Response arm(ArmException e) {
        return response(describe(e));
    }

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e) {
        return response(describe(e));
    }

    @ServerExceptionMapper
    public Response authFailed(AuthenticationFailedException e) {
        return response(describe(e));
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return response(describe(e));
    }

    @ServerExceptionMapper
    public Response json(JsonMappingException e) {
        return response(describe(e));
    }

    /** More specific than Quarkus' built-in mapper for the same type, which answers a non-ARM body. */
    @ServerExceptionMapper
    public Response mismatch(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
        return response(describe(e));
    }

    @ServerExceptionMapper
    public Response jsonSyntax(JsonProcessingException e) {
        return response(describe(e));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        return response(describe(e));
    }

    @ServerExceptionMapper
    public Response illegalArgument(IllegalArgumentException e) {
        return response(describe(e));
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER + 1000)
    public Response unexpected(Throwable e) {
        return response(describe(e));
    }

    /**
     * What a value of the wrong JSON type is told, in JSON's words: Jackson's own message named Java types and this
     * code's classes ("Cannot deserialize value of type `java.lang.Integer` from String \"x\"", "Cannot construct
     * instance of `dev.imagegallery...Bodies$Identifier`", "Unexpected token (START_OBJECT) ... for java.time.Instant
     * value"). Messages written by this code (StrictJson's) pass as they
     * are.
     */
    static String jsonMessage(JsonMappingException mapping, String target) {
        String original = mapping.getOriginalMessage();
        var coercion = causeOf(mapping, com.fasterxml.jackson.core.exc.InputCoercionException.class);
        if (coercion != null && !target.isEmpty()) {
            // "Numeric value (1e30) out of range of long (-9223372036854775808 - 9223372036854775807)": Java's type
            return "'" + target + "' must be " + range(coercion.getTargetType()) + ".";
        }
        if (!(mapping instanceof MismatchedInputException mismatch) || original == null
                || !(original.startsWith("Cannot ") || original.startsWith("Unexpected token"))
                || mismatch.getTargetType() == null) {
            return original;
        }
        String field = target.isEmpty() ? "The request body" : "'" + target + "'";
        String got = mapping instanceof InvalidFormatException invalid && invalid.getValue() != null
                ? "; it is " + quoted(invalid.getValue()) : "";
        return field + " must be " + expected(mismatch.getTargetType()) + got + ".";
    }

    private static String range(Class<?> type) {
        if (type == Integer.class || type == int.class) {
            return "an integer from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE;
        }
        if (type == Long.class || type == long.class) {
            return "an integer from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE;
        }
        return type == null ? "a smaller number" : expected(type) + " of a smaller magnitude";
    }

    private static String expected(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class
                || type == Short.class || type == short.class || type == java.math.BigInteger.class) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (CharSequence.class.isAssignableFrom(type) || type == java.util.UUID.class) {
            return "a string";
        }
        if (java.time.temporal.Temporal.class.isAssignableFrom(type)) {
            return "a date and time in ISO 8601, such as 2030-12-31T00:00:00Z";
        }
        if (type.isEnum()) {
            return "one of " + java.util.Arrays.stream(type.getEnumConstants()).map(c -> "'" + c + "'")
                    .collect(Collectors.joining(", "));
        }
        if (type.isArray() || java.util.Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object";
    }

    private static String quoted(Object value) {
        String s = String.valueOf(value);
        s = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return value instanceof String ? "\"" + s.replaceAll("\\p{Cntrl}", "?") + "\"" : s;
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
            // 23505: a unique key taken concurrently; 23503: a resource referred to was deleted concurrently
            if (m != null && (m.contains("23505") || m.contains("duplicate key value") || m.contains("(23503)"))) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}

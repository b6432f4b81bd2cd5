package dev.imagegallery.common.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Base64;

/**
 * Whether a bearer credential is shaped like a signed JWT at all (three base64url parts, a JSON header naming its
 * algorithm, a JSON claims object whose registered claims have their registered types), checked before any OIDC code
 * sees it. A credential that fails is answered 401 with one log line at most; quarkus-oidc threw on some of them
 * ({@code Bearer ..} answered 500 with a 160-line stack trace). A credential that passes is still verified in full.
 */
public final class JwtShape {
    static final int MAX_LENGTH = 16 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private JwtShape() {
    }

    /** What is wrong with the credential after "Bearer" (leading blanks allowed), or null when it is JWT-shaped. */
    public static String problem(String credential) {
        String token = credential.strip();
        if (token.isEmpty()) {
            return "The bearer token is empty.";
        }
        if (token.length() > MAX_LENGTH) {
            return "The bearer token is too long.";
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
            return "The bearer token is not a signed JWT (header.claims.signature).";
        }
        for (String part : parts) {
            for (int i = 0; i < part.length(); i++) {
                char c = part.charAt(i);
                if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                    return "The bearer token is not base64url-encoded.";
                }
            }
        }
        try {
            JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            if (header == null || !header.isObject() || !header.path("alg").isTextual()) {
                return "The bearer token's header is not a JWS header.";
            }
            if (claims == null || !claims.isObject()) {
                return "The bearer token's claims are not a JSON object.";
            }
            for (String text : new String[]{"iss", "sub", "tid"}) {
                if (claims.has(text) && !claims.get(text).isTextual()) {
                    return "The bearer token's '" + text + "' claim is not a string.";
                }
            }
            for (String number : new String[]{"exp", "iat", "nbf"}) {
                if (claims.has(number) && !claims.get(number).isNumber()) {
                    return "The bearer token's '" + number + "' claim is not a number.";
                }
            }
            JsonNode aud = claims.get("aud");
            if (aud != null && !aud.isTextual() && !aud.isArray()) {
                return "The bearer token's 'aud' claim is neither a string nor a list.";
            }
        } catch (IllegalArgumentException | java.io.IOException e) {
            return "The bearer token is not a JWT.";
        }
        return null;
    }
}

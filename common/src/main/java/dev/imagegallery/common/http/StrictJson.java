package dev.imagegallery.common.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * Request bodies are read strictly, in every service, before any value reaches a rule or a database:
 * <ul>
 *   <li>no string may hold a control character other than tab, line feed and carriage return (NUL above all:
 *       PostgreSQL refuses it, so it used to surface as a 500), nor be longer than
 *       {@link HttpGuardConfig#maxJsonString()}; map keys (tags) likewise;</li>
 *   <li>no scalar is coerced into another type: {@code 1.5} is not an integer (it used to become 1), {@code 1e309} or
 *       {@code true} is not a string, {@code "5"} is not a number, {@code 1} is not a boolean;</li>
 *   <li>a body is one JSON value: anything but whitespace after it ({@code {"tags":{}} {"tags":{}}}) is refused, not
 *       dropped;</li>
 *   <li>no object names a member twice ({@code {"location":"westeurope","location":"northeurope"}} was read as its
 *       last, where another reader of the same bytes may take the first);</li>
 *   <li>no string holds half of a surrogate pair (U+D800 escaped alone in JSON is no character: stored as UTF-8 it
 *       became {@code ?}, so what was read back was not what was sent).</li>
 * </ul>
 * A date and time ({@code endOfLifeDate}) is read as ARM reads one: ISO 8601 with an offset or {@code Z}, and also
 * without one (UTC) or a date alone (its midnight, UTC), which ARM takes and which Jackson refused with a message
 * naming {@code java.time.Instant}.
 * Each refusal is a Jackson mapping error with its JSON path, which ArmExceptionMappers turns into a 400 naming the
 * field in {@code target}.
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {
    @Override
    public void customize(ObjectMapper mapper) {
        // read here, not injected: the application's ObjectMapper may be built before runtime configuration mappings
        int max = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("gallery.http.max-json-string", Integer.class).orElse(65536);
        apply(mapper, max);
    }

    /**
     * After Quarkus' own customizers, which register Jackson's Java time module: registered before it, this module's
     * date reader lost to that module's.
     */
    @Override
    public int priority() {
        return MINIMUM_PRIORITY;
    }

    /** Makes {@code mapper} strict (also for mappers built outside CDI, such as a route's or a test's). */
    public static ObjectMapper apply(ObjectMapper mapper, int maxString) {
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        // one value a body: {"a":1} {"a":2} was read as its first object and the rest dropped
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        for (LogicalType t : new LogicalType[]{LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
            mapper.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        }
        mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        SimpleModule module = new SimpleModule("gallery-strict-json");
        module.addDeserializer(String.class, new CheckedString(maxString));
        module.addKeyDeserializer(String.class, new CheckedKey(maxString));
        module.addDeserializer(Instant.class, new ArmInstant());
        mapper.registerModule(module);
        return mapper;
    }

    /** Why {@code s} may not be stored, or null when it may. */
    public static String problem(String s, int maxLength) {
        if (s == null) {
            return null;
        }
        if (s.length() > maxLength) {
            return "is longer than " + maxLength + " characters";
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f) {
                return "contains a control character (U+" + String.format("%04X", (int) c) + ")";
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++; // a pair: one character outside the Basic Multilingual Plane
                } else {
                    return "contains half of a surrogate pair (U+" + String.format("%04X", (int) c) + "), which is no "
                            + "character";
                }
            }
        }
        return null;
    }

    static final class CheckedString extends StdScalarDeserializer<String> {
        private final int max;

        CheckedString(int max) {
            super(String.class);
            this.max = max;
        }

        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String s = StringDeserializer.instance.deserialize(p, ctxt);
            String problem = problem(s, max);
            if (problem != null) {
                throw InvalidFormatException.from(p, "The value " + problem + ".", abbreviated(s), String.class);
            }
            return s;
        }

        @Override
        public LogicalType logicalType() {
            return LogicalType.Textual;
        }
    }

    static final class CheckedKey extends KeyDeserializer {
        private final int max;

        CheckedKey(int max) {
            this.max = max;
        }

        @Override
        public Object deserializeKey(String key, DeserializationContext ctxt) throws IOException {
            String problem = problem(key, max);
            if (problem != null) {
                throw InvalidFormatException.from(ctxt.getParser(), "The key " + problem + ".", abbreviated(key),
                        String.class);
            }
            return key;
        }
    }

    /** A date and time as ARM takes one ({@link StrictJson}); what this does not read is left to Jackson's own. */
    static final class ArmInstant extends StdScalarDeserializer<Instant> {
        ArmInstant() {
            super(Instant.class);
        }

        /** ARM's dates (.NET's DateTime): years 0001 to 9999. */
        static final Instant MIN = Instant.parse("0001-01-01T00:00:00Z");
        static final Instant MAX = Instant.parse("9999-12-31T23:59:59.999999Z");

        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return inRange(p, read(p, ctxt));
        }

        private static Instant read(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() == com.fasterxml.jackson.core.JsonToken.VALUE_STRING) {
                Instant read = parse(p.getText().trim());
                if (read != null) {
                    return read;
                }
                try {
                    return InstantDeserializer.INSTANT.deserialize(p, ctxt);
                } catch (IOException | DateTimeParseException e) {
                    throw InvalidFormatException.from(p, "The value is not a date and time in ISO 8601, such as "
                            + "2030-12-31T00:00:00Z or 2030-12-31.", abbreviated(p.getText()), Instant.class);
                }
            }
            return InstantDeserializer.INSTANT.deserialize(p, ctxt);
        }

        /**
         * A date past year 9999 (or before year 1) is refused: PostgreSQL's range ends in year 294276, and a later one
         * failed as a 500 or was stored wrapped round to a date 169 million years BC (a hostile probe).
         */
        private static Instant inRange(JsonParser p, Instant read) throws IOException {
            if (read != null && (read.isBefore(MIN) || read.isAfter(MAX))) {
                throw InvalidFormatException.from(p, "The value is not a date and time between 0001-01-01 and "
                        + "9999-12-31.", abbreviated(p.getText()), Instant.class);
            }
            return read;
        }

        /** An ISO 8601 date and time with an offset, without one (UTC), or a date alone (midnight UTC); else null. */
        static Instant parse(String s) {
            try {
                return OffsetDateTime.parse(s).toInstant();
            } catch (DateTimeParseException e) {
                // not with an offset
            }
            try {
                return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e) {
                // not without one either
            }
            try {
                return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException e) {
                return null;
            }
        }

        @Override
        public LogicalType logicalType() {
            return LogicalType.DateTime;
        }
    }

    private static String abbreviated(String s) {
        String clean = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return clean.replaceAll("\\p{Cntrl}", "?");
    }
}

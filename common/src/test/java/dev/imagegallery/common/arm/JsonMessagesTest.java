package dev.imagegallery.common.arm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.imagegallery.common.http.StrictJson;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A value of the wrong JSON type is told in JSON's words, naming the field: Jackson's named Java types. */
class JsonMessagesTest {
    record Inner(String name) {
    }

    record Body(Integer count, Long size, Boolean flag, String text, Instant date, List<String> items,
                Map<String, String> tags, Inner inner) {
    }

    private final ObjectMapper mapper = StrictJson.apply(new ObjectMapper().registerModule(new JavaTimeModule()),
            1000);

    private ArmError refused(String json) {
        var e = assertThrows(Exception.class, () -> mapper.readValue(json, Body.class));
        var f = ArmExceptionMappers.describe(e);
        assertEquals(400, f.status());
        return f.body();
    }

    @Test
    void eachWrongTypeNamesTheFieldAndWhatItMustBe() {
        assertEquals("The request content was invalid: 'count' must be an integer.",
                refused("{\"count\":\"2\"}").error().message());
        assertEquals("The request content was invalid: 'flag' must be true or false.",
                refused("{\"flag\":{}}").error().message());
        assertEquals("The request content was invalid: 'text' must be a string.",
                refused("{\"text\":[1]}").error().message());
        assertEquals("The request content was invalid: 'date' must be a date and time in ISO 8601, such as "
                + "2030-12-31T00:00:00Z.", refused("{\"date\":{}}").error().message());
        assertEquals("The request content was invalid: 'items' must be an array.",
                refused("{\"items\":\"x\"}").error().message());
        assertEquals("The request content was invalid: 'tags' must be an object.",
                refused("{\"tags\":\"x\"}").error().message());
        assertEquals("The request content was invalid: 'inner' must be an object.",
                refused("{\"inner\":\"x\"}").error().message());
        assertEquals("inner", refused("{\"inner\":\"x\"}").error().target());
    }

    /** A number too large for its field: it was Jackson's "Numeric value (...) out of range of long (...)". */
    @Test
    void aNumberOutOfRangeNamesTheFieldAndItsRange() {
        assertEquals("The request content was invalid: 'count' must be an integer from -2147483648 to 2147483647.",
                refused("{\"count\":2147483648}").error().message());
        var error = refused("{\"size\":1000000000000000000000000000000}").error();
        assertEquals("The request content was invalid: 'size' must be an integer from -9223372036854775808 to "
                + "9223372036854775807.", error.message());
        assertEquals("size", error.target());
    }
}

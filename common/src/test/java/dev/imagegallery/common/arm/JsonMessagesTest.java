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

    /** A syntax error says what and where in JSON's words (Jackson's named its source and stream features). */
    @Test
    void aSyntaxErrorSaysWhatAndWhereWithoutJacksonsInternals() {
        ArmError e = refused("{\"count\": 1,\n \"text\": \"x\"");
        assertEquals("InvalidRequestContent", e.error().code());
        org.junit.jupiter.api.Assertions.assertTrue(e.error().message().startsWith(
                "The request content is not valid JSON: the content ends too early: an object is not closed"),
                e.error().message());
        org.junit.jupiter.api.Assertions.assertTrue(e.error().message().contains("(line 2,"), e.error().message());
        for (String internal : new String[]{"REDACTED", "StreamReadFeature", "Source", "marker"}) {
            org.junit.jupiter.api.Assertions.assertFalse(e.error().message().contains(internal), e.error().message());
        }
    }

    /** A framework's refusal in ARM's words; the system's own messages kept. */
    @Test
    void aFrameworksRefusalIsToldInArmsWords() {
        assertEquals("The resource does not take this HTTP method.",
                ArmExceptionMappers.describe(new jakarta.ws.rs.NotAllowedException("GET")).body().error().message());
        var notFound = ArmExceptionMappers.describe(new jakarta.ws.rs.NotFoundException(
                "Unable to find matching target resource method"));
        assertEquals(404, notFound.status());
        org.junit.jupiter.api.Assertions.assertTrue(notFound.body().error().message().startsWith(
                "No resource or operation answers"), notFound.body().error().message());
        org.junit.jupiter.api.Assertions.assertTrue(ArmExceptionMappers.describe(new jakarta.ws.rs.NotSupportedException(
                "The content-type header value did not match the value in @Consumes")).body().error().message()
                .contains("send application/json"));
        assertEquals("No gallery here.", ArmExceptionMappers.describe(new jakarta.ws.rs.NotFoundException(
                "No gallery here.")).body().error().message());
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

package dev.imagegallery.common.http;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The strict reader on a mapper built as Quarkus builds one (its Java time module first). */
class StrictJsonTest {
    record Dated(Instant endOfLifeDate) {
    }

    private final ObjectMapper mapper = StrictJson.apply(new ObjectMapper().registerModule(new JavaTimeModule()),
            1000);

    private Instant read(String value) throws Exception {
        return mapper.readValue("{\"endOfLifeDate\":" + value + "}", Dated.class).endOfLifeDate();
    }

    @Test
    void aDateAndTimeIsReadAsArmReadsOne() throws Exception {
        assertEquals(Instant.parse("2099-06-30T00:00:00Z"), read("\"2099-06-30\""));
        assertEquals(Instant.parse("2099-07-01T12:30:00Z"), read("\"2099-07-01T12:30:00\""));
        assertEquals(Instant.parse("2099-07-01T23:00:00Z"), read("\"2099-07-02T01:00:00+02:00\""));
        assertEquals(Instant.parse("2099-07-01T23:00:00.5Z"), read("\"2099-07-01T23:00:00.5Z\""));
    }

    /**
     * One JSON value a body: what follows it (a second object, a stray bracket, words) is refused, where it was
     * dropped (a PATCH with two objects applied the first, a share action with two ran the first).
     */
    @Test
    void anythingAfterTheBodysValueIsRefusedButWhitespace() throws Exception {
        for (String body : new String[]{"{\"a\":\"1\"} {\"a\":\"2\"}", "{\"a\":\"1\"}garbage", "{\"a\":\"1\"}}",
                "{\"a\":\"1\"}]]]"}) {
            assertThrows(com.fasterxml.jackson.core.JacksonException.class,
                    () -> mapper.readValue(body, java.util.Map.class), body);
            assertThrows(com.fasterxml.jackson.core.JacksonException.class, () -> mapper.readTree(body), body);
        }
        assertEquals("1", mapper.readTree("{\"a\":\"1\"} \r\n\t").path("a").asText());
    }

    @Test
    void whatIsNoDateIsRefusedInJsonsWords() {
        var e = assertThrows(JsonMappingException.class, () -> read("\"30/06/2099\""));
        assertTrue(e.getOriginalMessage().contains("ISO 8601"), e.getOriginalMessage());
        assertEquals("endOfLifeDate", e.getPath().get(0).getFieldName());
        assertThrows(JsonMappingException.class, () -> read("{}"));
    }

    /** A date past year 9999 failed as a 500 in PostgreSQL, or was stored wrapped round (a hostile probe). */
    @Test
    void aDateOutsideYears1To9999IsRefused() throws Exception {
        assertEquals(Instant.parse("9999-12-31T00:00:00Z"), read("\"9999-12-31\""));
        for (String v : java.util.List.of("\"+294277-01-01T00:00:00Z\"", "\"+300000-01-01T00:00:00Z\"",
                "\"+999999999-12-31T23:59:59Z\"", "\"-0001-01-01T00:00:00Z\"", "\"+10000-01-01\"",
                "99999999999999")) {
            org.junit.jupiter.api.Assertions.assertThrows(com.fasterxml.jackson.databind.exc.InvalidFormatException.class,
                    () -> read(v), v);
        }
    }
}

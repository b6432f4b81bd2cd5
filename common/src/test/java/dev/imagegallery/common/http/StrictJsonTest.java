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

    @Test
    void whatIsNoDateIsRefusedInJsonsWords() {
        var e = assertThrows(JsonMappingException.class, () -> read("\"30/06/2099\""));
        assertTrue(e.getOriginalMessage().contains("ISO 8601"), e.getOriginalMessage());
        assertEquals("endOfLifeDate", e.getPath().get(0).getFieldName());
        assertThrows(JsonMappingException.class, () -> read("{}"));
    }
}

package dev.imagegallery.replication.service;

import dev.imagegallery.common.arm.ArmException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code Range} as RFC 9110 (section 14.1.2) reads it, on content of 8,192 bytes. */
class RangeTest {
    static final long SIZE = 8192;

    @Test
    void aLastPositionPastTheEndIsTheRestOfTheContentHoweverManyDigitsItHas() {
        // a last-pos "greater than or equal to the current length" is the remainder: one too long for a long was 416
        for (String last : new String[]{"8191", "8192", "9223372036854775807", "99999999999999999999"}) {
            ContentService.Span s = ContentService.span("bytes=100-" + last, SIZE);
            assertTrue(s.partial(), last);
            assertEquals(100, s.from(), last);
            assertEquals(SIZE, s.toExclusive(), last);
            assertEquals("bytes 100-8191/8192", s.contentRange(), last);
        }
    }

    @Test
    void aSuffixLongerThanTheContentIsAllOfIt() {
        for (String n : new String[]{"8192", "9223372036854775807", "99999999999999999999"}) {
            ContentService.Span s = ContentService.span("bytes=-" + n, SIZE);
            assertEquals(0, s.from(), n);
            assertEquals(SIZE, s.toExclusive(), n);
        }
        assertEquals(8187, ContentService.span("bytes=-5", SIZE).from());
    }

    @Test
    void aFirstPositionAtOrPastTheEndIsUnsatisfiableAndAnInvalidRangeIsIgnored() {
        for (String r : new String[]{"bytes=8192-", "bytes=99999999999999999999-", "bytes=-0",
                "bytes=99999999999999999999-99999999999999999999"}) {
            ArmException e = assertThrows(ArmException.class, () -> ContentService.span(r, SIZE), r);
            assertEquals(416, e.status(), r);
        }
        for (String r : new String[]{"bytes=5-2", "bytes=x", "items=0-1", "bytes=0-1,3-4", "bytes=-"}) {
            assertFalse(ContentService.span(r, SIZE).partial(), r);
        }
    }
}

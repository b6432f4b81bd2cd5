package dev.imagegallery.common.http;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one rule for a contact other users are shown (catalog-service and access-service disagreed). */
class EmailAddressTest {
    @Test
    void aContactIsAPlainAddressAtADomain() {
        for (String good : new String[]{"images@contoso.example", "pir@example.com", "first.last+tag@sub.example.org",
                "o'brien@example.ie"}) {
            assertTrue(EmailAddress.isValid(good), good);
        }
        for (String bad : new String[]{"mailto:a@b.com", "a@localhost", "not-an-email", "a@b@c.example",
                "<a@b.example>", "a b@c.example", "a@-b.example", ".a@b.example", "a.@b.example", "a..b@c.example",
                "a@b.example\n", "\"a\"@b.example", "x".repeat(65) + "@b.example", "a@" + "b".repeat(250) + ".example",
                "", null}) {
            assertFalse(EmailAddress.isValid(bad), bad);
        }
    }
}

package dev.imagegallery.common.http;

import dev.imagegallery.common.arm.ArmException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one rule for the links a service keeps and shows (catalog-service and access-service disagreed). */
class HttpUrlTest {
    @Test
    void linksOtherUsersAreShownAreHttpOrHttpsToAHostWithoutUserInformation() {
        for (String good : new String[]{"https://contoso.example/images", "http://localhost:8180/realms/contoso",
                "HTTPS://EXAMPLE.COM", "https://[::1]:8443/x?y=1#z", "https://xn--exmple-cua.com/"}) {
            assertNull(HttpUrl.problem(good, true), good);
        }
        for (String bad : new String[]{"https://user:pass@evil.example/", "https:evil.example", "https://[::1]:99999/",
                "https://example.com:0/", "https://exämple.com/", "https://example.com/\u202e", "javascript:alert(1)",
                "data:text/html,x", "ftp://example.com/", "https://exa mple.com/", "https://example.com/\n",
                "//example.com/", "", "https://" + "a".repeat(2048) + ".example/"}) {
            assertNotNull(HttpUrl.problem(bad, true), bad);
        }
        assertNotNull(HttpUrl.problem("https://example.com/?q=1", false));
    }

    @Test
    void aRefusalNamesItsTargetAndSaysWhyWithoutEchoingInvisibleCharacters() {
        ArmException e = assertThrows(ArmException.class, () -> HttpUrl.check("https://example.com/\u202e",
                "properties.sharingProfile.communityGalleryInfo.publisherUri", true));
        assertEquals(400, e.status());
        assertEquals("properties.sharingProfile.communityGalleryInfo.publisherUri", e.target());
        assertTrue(e.getMessage().contains("U+202E") && !e.getMessage().contains("\u202e"), e.getMessage());
    }
}

package dev.imagegallery.door;

import dev.imagegallery.door.server.DoorServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The portal's files and settings as the door serves them at {@code /portal/} (the portal itself, in a browser, is
 * the end-to-end suite's {@code PortalIT}).
 */
@QuarkusTest
@QuarkusTestResource(StubUpstreams.class)
class PortalTest {
    @Inject
    DoorServer door;

    URI at(String path) {
        return URI.create("https://localhost:" + door.httpsPort() + path);
    }

    @Test
    void thePageItsModulesAndItsSettingsAreServedWithAPolicyThatKeepsThePageToItselfAndTheTenants() throws Exception {
        HttpResponse<String> page = Door.send(Door.get(at("/portal/")));
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("<script type=\"module\" src=\"app.js\"></script>"), page.body());
        String policy = page.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(policy.contains("script-src 'self';"), policy);
        assertTrue(policy.contains("connect-src 'self' http://localhost:18180;"), policy);
        assertTrue(policy.contains("frame-ancestors 'none'"), policy);
        assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
        assertEquals("DENY", page.headers().firstValue("X-Frame-Options").orElse(""));

        for (String module : List.of("app.js", "auth.js", "arm.js")) {
            HttpResponse<String> js = Door.send(Door.get(at("/portal/" + module)));
            assertEquals(200, js.statusCode(), module);
            assertTrue(js.headers().firstValue("Content-Type").orElse("").startsWith("text/javascript"), module);
        }

        HttpResponse<String> settings = Door.send(Door.get(at("/portal/config.json")));
        assertEquals(200, settings.statusCode());
        assertEquals("no-store", settings.headers().firstValue("Cache-Control").orElse(""));
        JsonObject config = new JsonObject(settings.body());
        assertEquals("gallery-portal", config.getString("clientId"));
        assertEquals(2, config.getJsonArray("tenants").size());
        assertEquals(new JsonObject().put("name", "contoso").put("issuer", "http://localhost:18180/realms/contoso"),
                config.getJsonArray("tenants").getJsonObject(0));
    }

    @Test
    void thePortalWithoutItsSlashIsSentToItAndOtherPathsAreNotThePortals() throws Exception {
        HttpResponse<String> bare = Door.send(Door.get(at("/portal")));
        assertEquals(301, bare.statusCode());
        assertEquals("/portal/", bare.headers().firstValue("Location").orElse(""));
        // a path that only starts like it is the door's own 404, not the portal's
        HttpResponse<String> other = Door.send(Door.get(at("/portalx")));
        assertEquals(404, other.statusCode());
        assertEquals("NotFound", new JsonObject(other.body()).getJsonObject("error").getString("code"));
        assertTrue(other.headers().firstValue("Content-Security-Policy").isEmpty());
    }

    @Test
    void aMissingFileAndAWriteAreArmErrors() throws Exception {
        HttpResponse<String> missing = Door.send(Door.get(at("/portal/nothing-here.js")));
        assertEquals(404, missing.statusCode());
        assertEquals("NotFound", new JsonObject(missing.body()).getJsonObject("error").getString("code"));

        HttpResponse<String> post = Door.send(HttpRequest.newBuilder(at("/portal/"))
                .POST(HttpRequest.BodyPublishers.ofString("x")));
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
        assertEquals("MethodNotAllowed", new JsonObject(post.body()).getJsonObject("error").getString("code"));

        // nothing outside the portal's folder: a hidden file is not served, a way out of the folder is the door's 400
        assertEquals(404, Door.send(Door.get(at("/portal/.hidden"))).statusCode());
        HttpResponse<String> out = Door.send(Door.get(at("/portal/%2e%2e/%2e%2e/application.properties")));
        assertEquals(400, out.statusCode(), out.body());
        assertEquals("InvalidRequestUri", new JsonObject(out.body()).getJsonObject("error").getString("code"));
    }

    /**
     * A file's name with a slash after it is no file (the portal has no folders): it was the file, served without a
     * Content-Type. A range the file does not hold is an ARM error: it was a plain-text 416.
     */
    @Test
    void aFileWithASlashAfterItIsNotFoundAndAnUnsatisfiableRangeIsAnArmError() throws Exception {
        for (String path : new String[]{"/portal/index.html/", "/portal/app.js/", "/portal/index.html//",
                "/portal/index.html%2f", "/portal/style.css/x"}) {
            HttpResponse<String> r = Door.send(Door.get(at(path)));
            assertTrue(r.statusCode() == 404 || r.statusCode() == 400, path + ": " + r.statusCode());
            assertEquals("application/json; charset=utf-8", r.headers().firstValue("Content-Type").orElse("")
                    .toLowerCase(java.util.Locale.ROOT), path);
            assertTrue(new JsonObject(r.body()).getJsonObject("error").containsKey("code"), path);
        }
        for (String range : new String[]{"bytes=10-5", "bytes=99999999-"}) {
            HttpResponse<String> r = Door.send(Door.get(at("/portal/index.html")).header("Range", range));
            assertEquals(416, r.statusCode(), range);
            assertEquals("RangeNotSatisfiable", new JsonObject(r.body()).getJsonObject("error").getString("code"),
                    range);
        }
        HttpResponse<String> part = Door.send(Door.get(at("/portal/index.html")).header("Range", "bytes=0-14"));
        assertEquals(206, part.statusCode());
        assertEquals("<!doctype html>", part.body());
    }
}

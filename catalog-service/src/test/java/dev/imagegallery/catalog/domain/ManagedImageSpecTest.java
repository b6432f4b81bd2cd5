package dev.imagegallery.catalog.domain;

import dev.imagegallery.common.arm.ArmException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Whose blob URIs a managed image takes: the data plane's own URL, the origin the PUT was sent to through a proxy,
 * and the data plane's aliases (the front door's other listeners). A disk uploaded through the door's http twin was
 * refused by an image PUT sent to its https endpoint (a hostile probe), since only the PUT's own origin was taken.
 */
class ManagedImageSpecTest {
    static final String SUB = "00000000-0000-4000-8000-0000000000aa";
    static final List<String> DOOR = List.of("https://localhost:8443", "http://localhost:8080/");

    static ManagedImageSpec spec(String base) {
        return new ManagedImageSpec("westeurope", null, new ManagedImageSpec.OsDisk("Linux", "Generalized",
                base + "/blobs/westeurope/" + SUB + "/disk.raw"));
    }

    static ManagedImageSpec.Checked check(String base, String called) {
        return ManagedImageSpec.check(spec(base), "rg", "img", SUB, "http://localhost:8082", DOOR, called);
    }

    @Test
    void aDiskUploadedThroughTheDoorsOtherListenerIsTaken() {
        // the PUT came through the https endpoint; the disk went up through the http twin
        assertEquals("disk.raw", check("http://localhost:8080", "https://localhost:8443").blob().name());
        assertEquals("disk.raw", check("https://localhost:8443", null).blob().name());
        assertEquals("disk.raw", check("http://localhost:8082", "https://localhost:8443").blob().name());
        assertEquals("disk.raw", check("https://gallery.example", "https://gallery.example").blob().name());
    }

    @Test
    void anyOtherOriginIsRefusedNamingTheOneCalled() {
        var e = assertThrows(ArmException.class, () -> check("http://localhost:8081", "https://localhost:8443"));
        assertEquals(ManagedImageSpec.BLOB_URI_TARGET, e.target());
        assertThrows(ArmException.class, () -> check("http://evil.example", null));
        assertThrows(ArmException.class, () -> check("http://localhost:80800", null));
    }
}

package dev.imagegallery.access;

import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.TestInfra;
import dev.imagegallery.devstack.TestIssuer;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Json;
import dev.imagegallery.events.Payloads;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

/** What several access-service test classes share: principals, tenants of their own, the read model, the topic. */
final class AccessTestSupport {
    static final String SHARE_API = "?api-version=2024-03-03";
    static final String AUTHZ_API = "?api-version=2022-04-01";
    static final String SUB_API = "?api-version=2022-12-01";
    static final String CONTOSO_SCOPE = "/subscriptions/" + Realms.CONTOSO_SUBSCRIPTION;
    static final String READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

    private AccessTestSupport() {
    }

    /** A principal of contoso that no other test names, and a token of it. */
    record Principal(String id, String token) {
        static Principal contoso() {
            String id = UUID.randomUUID().toString();
            return new Principal(id, Tokens.of(Realms.CONTOSO, id).sign());
        }
    }

    /** A tenant registered for one test: its administrator's token and first subscription. */
    record OwnTenant(String id, String admin, String token, String subscription) {
    }

    /** Registers a new tenant (alice is the platform administrator), so a test can create subscriptions in it. */
    static OwnTenant newTenant() {
        String tenant = "t" + UUID.randomUUID().toString().substring(0, 8);
        String admin = UUID.randomUUID().toString();
        String sub = UUID.randomUUID().toString();
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body("{\"issuer\":\"" + TestIssuer.shared().issuer(tenant) + "\",\"displayName\":\"" + tenant
                        + "\",\"administratorPrincipalId\":\"" + admin + "\",\"subscriptionId\":\"" + sub + "\"}")
                .put("/tenants/" + tenant + SUB_API).then().statusCode(201);
        String token = Tokens.of(tenant, admin).sign();
        await().atMost(Duration.ofSeconds(20)).until(() -> given().auth().oauth2(token).get("/subscriptions" + SUB_API)
                .statusCode() == 200);
        return new OwnTenant(tenant, admin, token, sub);
    }

    /** {@code principal} becomes Reader at {@code scope} (alice assigns it); answers the assignment's path. */
    static String assignReader(String scope, String principal) {
        String path = scope + "/providers/Microsoft.Authorization/roleAssignments/" + UUID.randomUUID() + AUTHZ_API;
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(assignmentBody(principal, READER))
                .put(path).then().statusCode(201);
        return path;
    }

    static String assignmentBody(String principal, String role) {
        return "{\"properties\":{\"roleDefinitionId\":\"/providers/Microsoft.Authorization/roleDefinitions/" + role
                + "\",\"principalId\":\"" + principal + "\",\"principalType\":\"User\"}}";
    }

    static Response share(String token, String gallery, String body) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body).post(gallery + "/share" + SHARE_API);
    }

    static String group(String op, String type, String... ids) {
        return "{\"operationType\":\"" + op + "\",\"groups\":[{\"type\":\"" + type + "\",\"ids\":["
                + String.join(",", java.util.Arrays.stream(ids).map(i -> "\"" + i + "\"").toList()) + "]}]}";
    }

    /** catalog-service's word that a gallery was created or deleted (GalleryChanged on its topic). */
    static void galleryChanged(String galleryId, boolean deleted) {
        String name = galleryId.substring(galleryId.lastIndexOf('/') + 1);
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.GALLERY_CHANGED, galleryId,
                new Payloads.GalleryChanged(galleryId, Realms.CONTOSO_SUBSCRIPTION, "contoso",
                        Realms.CONTOSO_SUBSCRIPTION + "-" + name.toUpperCase(Locale.ROOT), "westeurope", deleted)));
    }

    /** The sharing state access-service's own read model (common's AccessEventsConsumer) holds, or null. */
    static Payloads.GallerySharingChanged readModel(String galleryId) {
        return query("SELECT snapshot FROM share_view WHERE gallery_key = ?", galleryId.toLowerCase(Locale.ROOT),
                rs -> rs.next() ? Json.read(rs.getString(1), Payloads.GallerySharingChanged.class) : null);
    }

    /** Whether access-service's consumers have processed an event (its id is in processed_event). */
    static boolean processed(String eventId) {
        return query("SELECT 1 FROM processed_event WHERE event_id = ?", eventId, ResultSet::next);
    }

    interface Rows<T> {
        T read(ResultSet rs) throws SQLException;
    }

    static <T> T query(String sql, String param, Rows<T> rows) {
        TestInfra infra = TestInfra.shared();
        try (Connection c = DriverManager.getConnection(infra.jdbcUrl("access"), infra.pgUser(), infra.pgPassword());
             PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, param);
            try (ResultSet rs = s.executeQuery()) {
                return rows.read(rs);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The events about {@code subject} on access-service's topic, read until {@code until} holds for them. */
    static List<CloudEvent> eventsOf(String subject, Predicate<List<CloudEvent>> until) {
        return TestEvents.read(EventTypes.ACCESS_TOPIC, Duration.ofSeconds(20),
                        seen -> until.test(seen.stream().filter(e -> e.subject().equalsIgnoreCase(subject)).toList()))
                .stream().filter(e -> e.subject().equalsIgnoreCase(subject)).toList();
    }
}

package dev.imagegallery.catalog;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static dev.imagegallery.catalog.CatalogTestSupport.*;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The authorization matrix: each built-in role at each scope (subscription, resource group, gallery, image
 * definition, image version) against each action, with real signed tokens; then the other tenants, a registered
 * third tenant, forged and expired tokens, and sharing before and after acceptance, rejection and revocation.
 * The expectations are written by hand from Azure's role definitions, not computed by the code under test.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "catalog"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class AuthorizationMatrixTest {
    static final String DIGEST = "sha256:" + "0d".repeat(32);
    static final String MRG = "/subscriptions/" + SUB + "/resourceGroups/rg-matrix";
    static final String G = MRG + "/providers/Microsoft.Compute/galleries/matrix";
    static final String D = G + "/images/img";
    static final String V = D + "/versions/1.0.0";

    enum Action {
        READ_GALLERY("GET", G, null, 200),
        WRITE_GALLERY("PATCH", G, "{\"tags\":{\"k\":\"v\"}}", 200),
        READ_IMAGE("GET", D, null, 200),
        WRITE_IMAGE("PATCH", D, "{\"properties\":{\"description\":\"matrix\"}}", 200),
        READ_VERSION("GET", V, null, 200),
        WRITE_VERSION("PATCH", V, "{\"tags\":{\"k\":\"v\"}}", 200),
        DELETE_ABSENT_VERSION("DELETE", D + "/versions/9.9.9", null, 204);

        final String method;
        final String path;
        final String body;
        final int allowedStatus;

        Action(String method, String path, String body, int allowedStatus) {
            this.method = method;
            this.path = path;
            this.body = body;
            this.allowedStatus = allowedStatus;
        }

        int call(String token) {
            RequestSpecification r = given().auth().oauth2(token);
            if (body != null) {
                r = r.contentType(ContentType.JSON).body(body);
            }
            return r.request(method, path + api(path)).statusCode();
        }
    }

    static final Set<Action> READS = Set.of(Action.READ_GALLERY, Action.READ_IMAGE, Action.READ_VERSION);
    static final Set<Action> ALL = Set.of(Action.values());

    /** What each built-in role may do where its assignment covers the target (Azure's action lists). */
    static final Map<String, Set<Action>> ROLES = new LinkedHashMap<>();

    static {
        ROLES.put("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", ALL);      // Owner
        ROLES.put("b24988ac-6180-42a0-ab88-20f7382dd24c", ALL);      // Contributor
        ROLES.put("acdd72a7-3385-48ef-bd42-f606fba81ae7", READS);    // Reader
        ROLES.put("cf7c76d2-98a3-4358-a134-615aa78bf44d", READS);    // Compute Gallery Image Reader
        ROLES.put("85a2d0d9-2eba-4c9c-b355-11c2cc0788ab", ALL);      // Compute Gallery Artifacts Publisher
        ROLES.put("1ef6a3be-d0ac-425d-8c01-acb62866290b", READS);    // Compute Gallery Sharing Admin
    }

    /** Which actions each assignment scope covers: a version scope covers that version only. */
    static final Map<String, Set<Action>> SCOPES = new LinkedHashMap<>();

    static {
        SCOPES.put("/subscriptions/" + SUB, ALL);
        SCOPES.put(MRG, ALL);
        SCOPES.put(G, ALL);
        SCOPES.put(D, Set.of(Action.READ_IMAGE, Action.WRITE_IMAGE, Action.READ_VERSION, Action.WRITE_VERSION,
                Action.DELETE_ABSENT_VERSION));
        SCOPES.put(V, Set.of(Action.READ_VERSION, Action.WRITE_VERSION));
    }

    record Principal(String role, String scope, String id, String assignment) {
        String token() {
            return Tokens.of(Realms.CONTOSO, id).sign();
        }
    }

    static void setUpCatalog() {
        seedGrants();
        String mi = MRG + "/providers/Microsoft.Compute/images/matrix-src";
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(managedImageBody("matrix.raw")
                ).put(mi + MI_API).then().statusCode(org.hamcrest.Matchers.anyOf(org.hamcrest.Matchers.is(200),
                        org.hamcrest.Matchers.is(201)));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody()).put(G + API);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(imageBody("matrix")).put(D + API);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(versionBody(mi, "westeurope"))
                .put(V + API);
        TestEvents.publish(EventTypes.REPLICATION_TOPIC, CloudEvent.of("/tests", EventTypes.REPLICA_COMPLETED, V,
                new Payloads.ReplicaCompleted(V, SUB, "westeurope", 1, "Standard_LRS", DIGEST, 1, 1,
                        Instant.now())));
    }

    @TestFactory
    List<DynamicTest> everyRoleAtEveryScopeAgainstEveryAction() {
        setUpCatalog();
        List<Principal> principals = new ArrayList<>();
        for (String role : ROLES.keySet()) {
            for (String scope : SCOPES.keySet()) {
                Principal p = new Principal(role, scope, UUID.randomUUID().toString(), UUID.randomUUID().toString());
                TestEvents.grant(p.assignment(), Realms.CONTOSO, scope, p.id(), role);
                principals.add(p);
            }
        }
        // every principal may read the version (every scope covers it, every role reads): wait for all grants
        for (Principal p : principals) {
            await().atMost(Duration.ofSeconds(30)).until(() -> Action.READ_VERSION.call(p.token()) == 200);
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (Principal p : principals) {
            for (Action a : Action.values()) {
                boolean allowed = ROLES.get(p.role()).contains(a) && SCOPES.get(p.scope()).contains(a);
                int expected = allowed ? a.allowedStatus : 403;
                String name = roleName(p.role()) + " at " + p.scope().replace(SUB, "{sub}") + ": " + a + " -> "
                        + expected;
                tests.add(DynamicTest.dynamicTest(name, () -> assertEquals(expected, a.call(p.token()), name)));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> otherTenantsNoRoleAndBadTokens() {
        setUpCatalog();
        // a third tenant, registered at run time (as access-service announces it), with its own subscription
        String northwind = "northwind";
        String nwSub = "0a0a0000-0000-4000-8000-00000000a0a0";
        String erin = UUID.randomUUID().toString();
        TestEvents.publish(EventTypes.ACCESS_TOPIC, CloudEvent.of("/tests", EventTypes.TENANT_REGISTERED,
                "/tenants/" + northwind, new Payloads.TenantRegistered(northwind,
                        dev.imagegallery.devstack.TestIssuer.shared().issuer(northwind), "Northwind")));
        TestEvents.publish(EventTypes.ACCESS_TOPIC, CloudEvent.of("/tests", EventTypes.SUBSCRIPTION_CREATED,
                "/subscriptions/" + nwSub, new Payloads.SubscriptionCreated(nwSub, northwind, "Northwind")));
        TestEvents.grant(UUID.randomUUID().toString(), northwind, "/subscriptions/" + nwSub, erin,
                "8e3af657-a8ff-443c-a75c-2fe8c4bcb635");
        String erinToken = Tokens.of(northwind, erin).sign();
        await().atMost(Duration.ofSeconds(30)).until(() -> given().auth().oauth2(erinToken)
                .get("/subscriptions/" + nwSub + "/providers/Microsoft.Compute/galleries" + API).statusCode() == 200);
        List<DynamicTest> tests = new ArrayList<>();
        for (Action a : Action.values()) {
            tests.add(DynamicTest.dynamicTest("erin (northwind Owner, registered at run time): " + a + " -> 404",
                    () -> assertEquals(404, a.call(erinToken))));
            tests.add(DynamicTest.dynamicTest("carol (contoso, no role in the subscription): " + a
                    + " -> 404 (what it holds is secret to her)", () -> assertEquals(404, a.call(Tokens.carol()))));
            tests.add(DynamicTest.dynamicTest("bob (fabrikam Owner): " + a + " -> 404 (existence is secret)",
                    () -> assertEquals(404, a.call(Tokens.bob()))));
            tests.add(DynamicTest.dynamicTest("forged token: " + a + " -> 401",
                    () -> assertEquals(401, a.call(Tokens.of(Realms.CONTOSO, Realms.ALICE).forged().sign()))));
            tests.add(DynamicTest.dynamicTest("expired token: " + a + " -> 401",
                    () -> assertEquals(401, a.call(Tokens.of(Realms.CONTOSO, Realms.ALICE).expired().sign()))));
            tests.add(DynamicTest.dynamicTest("unregistered issuer: " + a + " -> 401",
                    () -> assertEquals(401, a.call(Tokens.of("unregistered", Realms.ALICE).sign()))));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> shareAcceptRejectAndRevocation() {
        setUpCatalog();
        String unique = given().auth().oauth2(Tokens.alice()).get(G + API).then().extract()
                .path("properties.identifier.uniqueName");
        String bobLoc = "/subscriptions/" + Realms.FABRIKAM_SUBSCRIPTION + "/providers/Microsoft.Compute/locations/westeurope";
        String sharedImage = bobLoc + "/sharedGalleries/" + unique + "/images/img" + API;
        Runnable[] states = new Runnable[1];
        List<DynamicTest> tests = new ArrayList<>();
        record Step(String name, String state, int bob) {
        }
        for (Step s : List.of(new Step("before any share", null, 404), new Step("share pending", "Pending", 404),
                new Step("share accepted", "Accepted", 200), new Step("share rejected", "Rejected", 404),
                new Step("accepted again", "Accepted", 200), new Step("share revoked", "", 404))) {
            tests.add(DynamicTest.dynamicTest(s.name() + ": bob reads the shared image -> " + s.bob(), () -> {
                if (s.state() != null) {
                    List<Payloads.ShareEntry> shares = s.state().isEmpty() ? List.of()
                            : List.of(new Payloads.ShareEntry("AADTenants", "fabrikam", "fabrikam", s.state()));
                    TestEvents.publish(EventTypes.ACCESS_TOPIC, CloudEvent.of("/tests",
                            EventTypes.GALLERY_SHARING_CHANGED, G, new Payloads.GallerySharingChanged(G, unique,
                                    "contoso", SUB, "westeurope", shares, null, null)));
                }
                await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertEquals(s.bob(),
                        given().auth().oauth2(Tokens.bob()).get(sharedImage).statusCode()));
                // a share never opens the owner's own paths
                assertEquals(404, Action.READ_IMAGE.call(Tokens.bob()));
            }));
        }
        // revocation of a role assignment reaches enforcement within seconds
        String dave = UUID.randomUUID().toString();
        String assignment = UUID.randomUUID().toString();
        tests.add(DynamicTest.dynamicTest("a revoked Reader at the gallery is refused (404) within 2 s", () -> {
            TestEvents.grant(assignment, Realms.CONTOSO, G, dave, "acdd72a7-3385-48ef-bd42-f606fba81ae7");
            String token = Tokens.of(Realms.CONTOSO, dave).sign();
            await().atMost(Duration.ofSeconds(20)).until(() -> Action.READ_GALLERY.call(token) == 200);
            TestEvents.revoke(assignment, Realms.CONTOSO, G, dave, "acdd72a7-3385-48ef-bd42-f606fba81ae7");
            await().atMost(Duration.ofSeconds(2)).until(() -> Action.READ_GALLERY.call(token) == 404);
        }));
        return tests;
    }

    static String roleName(String id) {
        return switch (id.substring(0, 4)) {
            case "8e3a" -> "Owner";
            case "b249" -> "Contributor";
            case "acdd" -> "Reader";
            case "cf7c" -> "ImageReader";
            case "85a2" -> "ArtifactsPublisher";
            default -> "SharingAdmin";
        };
    }
}

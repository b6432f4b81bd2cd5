package dev.imagegallery.access;

import dev.imagegallery.devstack.Hostile;
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
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import static dev.imagegallery.access.AccessTestSupport.*;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sharing state the enforcing services hold is the state access-service ends in: whatever order concurrent
 * changes commit in, whatever order their events arrive in, and after a gallery is deleted and created again.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "access"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class SharingConsistencyTest {

    /** The recipients of a state as "type id state", for comparison. */
    static Set<String> recipients(List<Payloads.ShareEntry> shares) {
        return shares == null ? Set.of() : shares.stream().map(s -> s.type() + " " + s.id() + " " + s.state())
                .collect(Collectors.toSet());
    }

    static Set<String> answered(String gallery) {
        List<java.util.Map<String, String>> shares = given().auth().oauth2(Tokens.alice())
                .get(gallery + "/sharingProfile" + SHARE_API).then().statusCode(200).extract().path("shares");
        return shares.stream().map(s -> s.get("type") + " " + s.get("id") + " " + s.get("state"))
                .collect(Collectors.toSet());
    }

    /** bob (fabrikam's administrator) accepts whatever invitation to this gallery is pending. */
    static void acceptPending(String uniqueName) {
        List<String> pending = given().auth().oauth2(Tokens.bob())
                .get("/providers/Microsoft.Compute/sharingInvitations" + SHARE_API).then().statusCode(200)
                .extract().path("value.findAll { it.properties.galleryUniqueName == '" + uniqueName
                        + "' && it.properties.state == 'Pending' }.name");
        for (String id : pending) {
            given().auth().oauth2(Tokens.bob()).post("/providers/Microsoft.Compute/sharingInvitations/" + id
                    + "/accept" + SHARE_API).then().statusCode(200);
        }
    }

    @Test
    void concurrentAddAndRemoveOfOneShareLeaveTheReadModelInTheStateAccessServiceAnswers() {
        String g = SharingTest.gallery();
        String unique = Realms.CONTOSO_SUBSCRIPTION + "-" + g.substring(g.lastIndexOf('/') + 1).toUpperCase();
        String add = group("Add", "Subscriptions", Realms.FABRIKAM_SUBSCRIPTION);
        String remove = group("Remove", "Subscriptions", Realms.FABRIKAM_SUBSCRIPTION);
        String token = Tokens.alice();
        List<String> diverged = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            // shared with fabrikam's subscription and accepted by bob, then Add and Remove race
            share(token, g, add).then().statusCode(200);
            acceptPending(unique);
            List<Callable<Hostile.Outcome>> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String body = i % 2 == 0 ? add : remove;
                int n = i;
                calls.add(() -> {
                    Response r = share(token, g, body);
                    return new Hostile.Outcome(n, r.statusCode(), r.asString());
                });
            }
            var outcomes = Hostile.parallel(calls, Duration.ofSeconds(20));
            outcomes.forEach(o -> assertEquals(200, o.status(), "every share change answers: " + o));
            Set<String> truth = answered(g);
            try {
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    var held = readModel(g);
                    assertNotNull(held, "the read model knows the gallery");
                    assertEquals(truth, recipients(held.shares()));
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                diverged.add("round " + round + ": access-service answers " + truth + ", the read model holds "
                        + recipients(readModel(g).shares()));
            }
        }
        assertEquals(List.of(), diverged, "rounds where the enforcing read model kept another state");
        assertEquals(List.of(), Hostile.openTransactions("access", Duration.ofSeconds(5)));
    }

    static CloudEvent sharingEvent(String gallery, List<Payloads.ShareEntry> shares, Long sequence) {
        return CloudEvent.of("/tests", EventTypes.GALLERY_SHARING_CHANGED, gallery,
                new Payloads.GallerySharingChanged(gallery, "u-" + UUID.randomUUID(), "contoso",
                        Realms.CONTOSO_SUBSCRIPTION, "westeurope", shares, null, sequence));
    }

    static void publishAndAwait(CloudEvent... events) {
        for (CloudEvent e : events) {
            TestEvents.publish(EventTypes.ACCESS_TOPIC, e);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> java.util.Arrays.stream(events)
                .allMatch(e -> processed(e.id())));
    }

    @Test
    void anOlderSharingStateNeverReplacesANewerOneWhateverOrderItArrivesIn() {
        String g = "/subscriptions/" + Realms.CONTOSO_SUBSCRIPTION + "/resourceGroups/rg/providers/Microsoft.Compute/"
                + "galleries/order" + UUID.randomUUID().toString().substring(0, 8);
        var accepted = List.of(new Payloads.ShareEntry("AADTenants", "fabrikam", "fabrikam", "Accepted"));
        var pending = List.of(new Payloads.ShareEntry("AADTenants", "fabrikam", "fabrikam", "Pending"));
        CloudEvent newest = sharingEvent(g, accepted, 1005L);
        publishAndAwait(newest);
        assertEquals(recipients(accepted), recipients(readModel(g).shares()));
        // older states arrive late (a race between two changes), a state from before sequences, one of the same number
        publishAndAwait(sharingEvent(g, List.of(), 1003L), sharingEvent(g, pending, 1004L),
                sharingEvent(g, List.of(), null), sharingEvent(g, List.of(), 1005L));
        assertEquals(recipients(accepted), recipients(readModel(g).shares()), "the newest state stays");
        assertEquals(1005L, readModel(g).sequence());
        // a newer one replaces it
        publishAndAwait(sharingEvent(g, List.of(), 1006L));
        assertEquals(Set.of(), recipients(readModel(g).shares()));
        // and a replay of the old one (another event id, the same old state) does not bring the share back
        publishAndAwait(sharingEvent(g, accepted, 1005L));
        assertEquals(Set.of(), recipients(readModel(g).shares()));
    }

    @Test
    void aGalleryDeletedAndCreatedAgainUnderItsIdStartsPrivateWithoutSharesCommunityOrGrants() {
        String g = SharingTest.gallery();
        String unique = Realms.CONTOSO_SUBSCRIPTION + "-" + g.substring(g.lastIndexOf('/') + 1).toUpperCase();
        String token = Tokens.alice();
        share(token, g, group("Add", "AADTenants", "fabrikam")).then().statusCode(200);
        share(token, g, group("Add", "Subscriptions", Realms.FABRIKAM_SUBSCRIPTION)).then().statusCode(200);
        share(token, g, "{\"operationType\":\"EnableCommunity\",\"communityGalleryInfo\":{\"publicNamePrefix\":"
                + "\"contoso\",\"publisherContact\":\"images@contoso.example\",\"eula\":\"Use freely.\"}}")
                .then().statusCode(200).body("permissions", is("Community"));
        // a reader at the gallery, and one at an image definition in it
        var erin = Principal.contoso();
        var frank = Principal.contoso();
        String atGallery = assignReader(g, erin.id());
        String d = g + "/images/app";
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.IMAGE_DEFINITION_CHANGED, d,
                new Payloads.ImageDefinitionChanged(d, Realms.CONTOSO_SUBSCRIPTION, false)));
        await().atMost(Duration.ofSeconds(20)).until(() -> given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(assignmentBody(frank.id(), READER))
                .put(d + "/providers/Microsoft.Authorization/roleAssignments/" + UUID.nameUUIDFromBytes(d.getBytes())
                        + AUTHZ_API).statusCode() == 201);
        String atDefinition = d + "/providers/Microsoft.Authorization/roleAssignments/"
                + UUID.nameUUIDFromBytes(d.getBytes()) + AUTHZ_API;
        long before = readModelSequence(g);

        // catalog-service deletes the definition, then the gallery, and a gallery of the same name is created again
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.IMAGE_DEFINITION_CHANGED, d,
                new Payloads.ImageDefinitionChanged(d, Realms.CONTOSO_SUBSCRIPTION, true)));
        galleryChanged(g, true);
        await().atMost(Duration.ofSeconds(20)).until(() -> given().auth().oauth2(token)
                .get(g + "/sharingProfile" + SHARE_API).statusCode() == 404);
        galleryChanged(g, false);
        await().atMost(Duration.ofSeconds(20)).until(() -> given().auth().oauth2(token)
                .get(g + "/sharingProfile" + SHARE_API).statusCode() == 200);

        given().auth().oauth2(token).get(g + "/sharingProfile" + SHARE_API).then().statusCode(200)
                .body("permissions", is("Private")).body("shares", empty())
                .body("communityGalleryInfo", nullValue());
        given().auth().oauth2(token).get(atGallery).then().statusCode(404);
        given().auth().oauth2(token).get(atDefinition).then().statusCode(404);
        // erin holds no role any more: the subscription is invisible to her
        given().auth().oauth2(erin.token()).get(CONTOSO_SCOPE + SUB_API).then().statusCode(404);
        // bob is invited to nothing of it any more
        given().auth().oauth2(Tokens.bob()).get("/providers/Microsoft.Compute/sharingInvitations" + SHARE_API)
                .then().statusCode(200).body("value.properties.galleryUniqueName", not(org.hamcrest.Matchers
                        .hasItem(unique)));
        // the enforcing services were told: each assignment deleted, and a final empty state of a newer sequence
        for (String path : List.of(atGallery, atDefinition)) {
            String subject = path.substring(0, path.indexOf('?'));
            var events = eventsOf(subject, seen -> seen.size() >= 2);
            assertEquals(List.of(EventTypes.ROLE_ASSIGNMENT_CREATED, EventTypes.ROLE_ASSIGNMENT_DELETED),
                    events.stream().map(CloudEvent::type).toList(), subject);
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            var held = readModel(g);
            assertTrue(held.shares().isEmpty(), "no share is held: " + held);
            assertNull(held.community(), "no community publication is held");
            assertTrue(held.sequence() > before, "the final state is newer than the last shared one");
        });
        // the audit log says why the grants ended
        given().auth().oauth2(token).get("/providers/Microsoft.Authorization/auditLogs" + AUTHZ_API).then()
                .statusCode(200)
                .body("value.find { it.scope == '" + g + "' && it.outcome == 'Revoked' }.detail",
                        org.hamcrest.Matchers.containsString("deleted"));
    }

    static long readModelSequence(String gallery) {
        await().atMost(Duration.ofSeconds(20)).until(() -> readModel(gallery) != null
                && readModel(gallery).community() != null);
        Long s = readModel(gallery).sequence();
        return s == null ? -1 : s;
    }
}

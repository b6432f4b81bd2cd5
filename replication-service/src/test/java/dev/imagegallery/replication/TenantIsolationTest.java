package dev.imagegallery.replication;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.BlobRef;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a tenant is told and billed never depends on what other tenants store: deduplication stops at the tenant.
 * Alice keeps a 64 KiB secret in northeurope; bob uploads the same bytes and replicates them there, and he sees the
 * same egress, replica figures and progress as for random bytes of the same size.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "replication"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class TenantIsolationTest {
    static final String CONTOSO = Realms.CONTOSO_SUBSCRIPTION;
    static final String FABRIKAM = Realms.FABRIKAM_SUBSCRIPTION;

    @BeforeEach
    void grants() {
        TestSupport.seedGrants();
    }

    static byte[] random(int size) {
        byte[] b = new byte[size];
        new Random(System.nanoTime()).nextBytes(b);
        return b;
    }

    static String blob(String sub, String name) {
        return "/blobs/westeurope/" + sub + "/" + name;
    }

    static String version(String sub) {
        return "/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/"
                + "iso/versions/3.0." + Math.abs(UUID.randomUUID().hashCode() % 100000);
    }

    static void publish(String version, String sub, String tenant, String blobName, String region) {
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_PUBLISHED, version,
                new Payloads.VersionPublished(version, sub, tenant, BlobRef.parse("http://localhost:8082"
                        + blob(sub, blobName)), 0, List.of(new Payloads.TargetRegion(region, 1,
                        "Standard_LRS")))));
    }

    /** What replication told about one version: its ReplicaCompleted, egress total and last progress. */
    record Told(Payloads.ReplicaCompleted completed, long egress, long lastCopied) {
    }

    static Told told(List<CloudEvent> events, String version) {
        var mine = events.stream().filter(e -> e.subject().equals(version)).toList();
        var completed = mine.stream().filter(e -> e.type().equals(EventTypes.REPLICA_COMPLETED))
                .map(e -> e.dataAs(Payloads.ReplicaCompleted.class)).findFirst().orElseThrow();
        long egress = mine.stream().filter(e -> e.type().equals(EventTypes.EGRESS_TRANSFERRED))
                .mapToLong(e -> e.dataAs(Payloads.EgressTransferred.class).bytes()).sum();
        long copied = mine.stream().filter(e -> e.type().equals(EventTypes.REPLICA_PROGRESS))
                .mapToLong(e -> e.dataAs(Payloads.ReplicaProgress.class).bytesCopied()).max().orElse(-1);
        return new Told(completed, egress, copied);
    }

    @Test
    void aTenantsEgressAndReplicaFiguresDoNotDependOnWhatAnotherTenantStores() throws Exception {
        byte[] secret = random(64 * 1024);
        byte[] distinct = random(64 * 1024);
        String aliceVersion = version(CONTOSO);
        String secretName = "secret-" + UUID.randomUUID() + ".raw";
        given().auth().oauth2(Tokens.alice()).body(secret).put(blob(CONTOSO, secretName)).then().statusCode(201);
        publish(aliceVersion, CONTOSO, Realms.CONTOSO, secretName, "northeurope");
        TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30), seen -> seen.stream().anyMatch(e ->
                e.subject().equals(aliceVersion) && e.type().equals(EventTypes.REPLICA_COMPLETED)));

        String sameName = "guess-" + UUID.randomUUID() + ".raw";
        String distinctName = "control-" + UUID.randomUUID() + ".raw";
        int usedSame = given().auth().oauth2(Tokens.bob()).body(secret).put(blob(FABRIKAM, sameName)).then()
                .statusCode(201).extract().path("usedBytes");
        int usedDistinct = given().auth().oauth2(Tokens.bob()).body(distinct).put(blob(FABRIKAM, distinctName))
                .then().statusCode(201).extract().path("usedBytes");
        assertEquals(usedDistinct, usedSame);
        String same = version(FABRIKAM);
        String control = version(FABRIKAM);
        publish(same, FABRIKAM, Realms.FABRIKAM, sameName, "northeurope");
        publish(control, FABRIKAM, Realms.FABRIKAM, distinctName, "northeurope");
        List<CloudEvent> events = TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30),
                seen -> seen.stream().filter(e -> (e.subject().equals(same) || e.subject().equals(control))
                        && e.type().equals(EventTypes.REPLICA_COMPLETED)).count() == 2);
        Told guessed = told(events, same);
        Told random = told(events, control);
        Told alice = told(events, aliceVersion);

        assertEquals(secret.length, random.egress(), "random bytes cross westeurope -> northeurope");
        assertEquals(random.egress(), guessed.egress(), "the same egress whatever alice stores");
        assertEquals(alice.egress(), guessed.egress());
        assertEquals(random.lastCopied(), guessed.lastCopied(), "the same progress figures");
        assertEquals(random.completed().physicalBytesPerReplica(), guessed.completed().physicalBytesPerReplica());
        assertEquals(random.completed().logicalBytesPerReplica(), guessed.completed().logicalBytesPerReplica());
        assertEquals(random.completed().replicaCount(), guessed.completed().replicaCount());

        // and each reads back its own content, in the region it was replicated to
        assertArrayEquals(secret, given().auth().oauth2(Tokens.bob()).get("/download/northeurope" + same
                + "?api-version=2024-03-03").then().statusCode(200).extract().asByteArray());
        assertArrayEquals(secret, given().auth().oauth2(Tokens.alice()).get("/download/northeurope" + aliceVersion
                + "?api-version=2024-03-03").then().statusCode(200).extract().asByteArray());
    }

    /** A version can only be built from a blob of its own tenant, whatever URI the catalog hands over. */
    @Test
    void aVersionIsNeverBuiltFromAnotherTenantsBlob() {
        byte[] secret = random(16 * 1024);
        String name = "alice-only-" + UUID.randomUUID() + ".raw";
        given().auth().oauth2(Tokens.alice()).body(secret).put(blob(CONTOSO, name)).then().statusCode(201);
        String viaPath = version(FABRIKAM);
        String direct = version(FABRIKAM);
        // a reference no longer passes the parser when it is written (BlobRef), but an event of the form before
        // (a URI string) may still be on the topic: it names no blob
        Map<String, Object> legacy = new LinkedHashMap<>();
        legacy.put("versionId", viaPath);
        legacy.put("subscriptionId", FABRIKAM);
        legacy.put("tenantId", Realms.FABRIKAM);
        legacy.put("sourceRegion", "westeurope");
        legacy.put("sourceBlobUri", "http://localhost:8082" + blob(FABRIKAM, "../" + CONTOSO + "/" + name));
        legacy.put("targetRegions", List.of(new Payloads.TargetRegion("northeurope", 1, "Standard_LRS")));
        TestEvents.publishUnchecked(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_PUBLISHED,
                viaPath, legacy));
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_PUBLISHED, direct,
                new Payloads.VersionPublished(direct, FABRIKAM, Realms.FABRIKAM,
                        BlobRef.parse("http://localhost:8082" + blob(CONTOSO, name)), 0,
                        List.of(new Payloads.TargetRegion("northeurope", 1, "Standard_LRS")))));
        List<CloudEvent> events = TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30),
                seen -> seen.stream().filter(e -> (e.subject().equals(viaPath) || e.subject().equals(direct))
                        && e.type().equals(EventTypes.REPLICA_FAILED)).count() == 2);
        var mine = events.stream().filter(e -> e.subject().equals(viaPath) || e.subject().equals(direct)).toList();
        assertEquals(0, mine.stream().filter(e -> e.type().equals(EventTypes.REPLICA_COMPLETED)).count(),
                "never copied: " + mine);
        assertEquals(2, mine.stream().filter(e -> e.type().equals(EventTypes.REPLICA_FAILED)).count(),
                "both refused: " + mine);
        given().auth().oauth2(Tokens.bob()).get("/download/northeurope" + direct + "?api-version=2024-03-03")
                .then().statusCode(404);
    }
}

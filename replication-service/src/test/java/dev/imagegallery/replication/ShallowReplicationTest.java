package dev.imagegallery.replication;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.BlobRef;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.replication.content.Replicator;
import dev.imagegallery.replication.content.TenantStores;
import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.Manifest;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.imagegallery.replication.DataPlaneTest.blob;
import static dev.imagegallery.replication.DataPlaneTest.download;
import static dev.imagegallery.replication.ReplicationTest.image;
import static dev.imagegallery.replication.ReplicationTest.sha;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Shallow version (issue 17): its one replica, in its source's region, references the source blob's content there
 * instead of copying it; it completes with the events a Full copy ends with, downloads byte for byte, and outlives the
 * deletion of its source blob.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "replication"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class ShallowReplicationTest {
    static final String SUB = Realms.CONTOSO_SUBSCRIPTION;

    @Inject
    TenantStores tenants;
    @Inject
    Replicator replicator;

    @BeforeEach
    void grants() {
        TestSupport.seedGrants();
    }

    static String versionId() {
        return "/subscriptions/" + SUB + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/"
                + "shallow/versions/1.0." + Math.abs(UUID.randomUUID().hashCode() % 100000);
    }

    static void publishShallow(String version, String blobName, String region) {
        TestEvents.publish(EventTypes.CATALOG_TOPIC, CloudEvent.of("/tests", EventTypes.VERSION_PUBLISHED, version,
                new Payloads.VersionPublished(version, SUB, "contoso", BlobRef.parse("http://localhost:8082"
                        + blob(blobName)), 0, List.of(new Payloads.TargetRegion(region, 1, "Standard_LRS")),
                        Payloads.VersionPublished.SHALLOW)));
    }

    @Test
    void aShallowVersionCopiesNoChunkDownloadsWholeAndOutlivesItsSourceBlob() throws Exception {
        byte[] img = image(2 * 1024 * 1024, System.nanoTime()); // fresh chunks: stores persist between runs
        String name = "shallow-" + UUID.randomUUID() + ".raw";
        given().auth().oauth2(Tokens.alice()).body(img).put(blob(name)).then().statusCode(201);
        Manifest m = tenants.of("contoso").store("westeurope", 0).manifest(sha(img)).orElseThrow();
        Set<ChunkId> mine = new HashSet<>();
        for (int i = 0; i < m.count(); i++) {
            if (!m.isZero(i)) {
                mine.add(m.chunk(i));
            }
        }
        AtomicInteger copied = new AtomicInteger();
        replicator.hook((region, replica, id) -> {
            if (mine.contains(id)) {
                copied.incrementAndGet();
            }
        });
        String version = versionId();
        List<CloudEvent> events;
        try {
            publishShallow(version, name, "westeurope");
            events = TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30),
                    seen -> seen.stream().anyMatch(e -> e.subject().equals(version)
                            && e.type().equals(EventTypes.REPLICA_COMPLETED)));
        } finally {
            replicator.hook(null);
        }
        assertEquals(0, copied.get(), "no chunk of the content was written into a replica");
        var told = events.stream().filter(e -> e.subject().equals(version)).toList();
        var completed = told.stream().filter(e -> e.type().equals(EventTypes.REPLICA_COMPLETED))
                .map(e -> e.dataAs(Payloads.ReplicaCompleted.class)).toList();
        assertEquals(1, completed.size(), told.toString());
        assertEquals("westeurope", completed.get(0).region());
        assertEquals(1, completed.get(0).replicaCount());
        assertEquals("sha256:" + sha(img), completed.get(0).digest());
        assertEquals(img.length, completed.get(0).logicalBytesPerReplica());
        assertEquals(m.uniqueBytes(), completed.get(0).physicalBytesPerReplica());
        assertTrue(told.stream().noneMatch(e -> e.type().equals(EventTypes.EGRESS_TRANSFERRED)
                || e.type().equals(EventTypes.REPLICA_FAILED)), "nothing moved, nothing failed: " + told);

        assertArrayEquals(img, given().auth().oauth2(Tokens.alice()).get(download("westeurope", version)).then()
                .statusCode(200).header("X-Content-SHA256", "sha256:" + sha(img)).extract().asByteArray());

        // the source blob deleted (its store collects what nothing references): the version's content stays
        given().auth().oauth2(Tokens.alice()).delete(blob(name)).then().statusCode(202);
        given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(404);
        assertArrayEquals(img, given().auth().oauth2(Tokens.alice()).get(download("westeurope", version)).then()
                .statusCode(200).extract().asByteArray());
        tenants.of("contoso").store("westeurope", 0).collect();
        assertArrayEquals(img, given().auth().oauth2(Tokens.alice()).get(download("westeurope", version)).then()
                .statusCode(200).extract().asByteArray());
    }

    @Test
    void aShallowVersionIsNeverCopiedToAnotherRegion() throws Exception {
        byte[] img = image(256 * 1024, System.nanoTime());
        String name = "shallow-far-" + UUID.randomUUID() + ".raw";
        given().auth().oauth2(Tokens.alice()).body(img).put(blob(name)).then().statusCode(201);
        String version = versionId();
        publishShallow(version, name, "northeurope"); // catalog-service allows no such version
        List<CloudEvent> events = TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30),
                seen -> seen.stream().anyMatch(e -> e.subject().equals(version)
                        && e.type().equals(EventTypes.REPLICA_FAILED)));
        var failed = events.stream().filter(e -> e.subject().equals(version)
                && e.type().equals(EventTypes.REPLICA_FAILED)).findFirst().orElseThrow()
                .dataAs(Payloads.ReplicaFailed.class);
        assertEquals("northeurope", failed.region());
        assertTrue(failed.reason().contains("Shallow"), failed.reason());
        given().auth().oauth2(Tokens.alice()).get(download("northeurope", version)).then().statusCode(404)
                .body("error.code", is("ReplicaNotFound"));
    }
}

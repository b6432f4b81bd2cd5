package dev.imagegallery.replication;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.content.TenantStores;
import dev.imagegallery.replication.store.Azurite;
import dev.imagegallery.replication.store.azure.AzureBlobChunkStore;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static dev.imagegallery.replication.DataPlaneTest.blob;
import static dev.imagegallery.replication.DataPlaneTest.download;
import static dev.imagegallery.replication.DataPlaneTest.publish;
import static dev.imagegallery.replication.DataPlaneTest.versionId;
import static dev.imagegallery.replication.ReplicationTest.image;
import static dev.imagegallery.replication.ReplicationTest.sha;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;

/** The service configured with gallery.store.backend=azure-blob: upload, replication and download on Azurite. */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "replication"),
        scope = TestResourceScope.MATCHING_RESOURCES)
@WithTestResource(value = AzuriteResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class AzureBlobServiceTest {
    private static boolean seeded;

    @Inject
    TenantStores tenants;

    @BeforeEach
    void grants() {
        Assumptions.assumeTrue(Azurite.available(), "node and npm are not on the PATH: Azurite tests are skipped");
        synchronized (AzureBlobServiceTest.class) {
            if (!seeded) {
                TestEvents.publishSeedGrants();
                await().atMost(Duration.ofSeconds(30)).until(() -> given().auth().oauth2(Tokens.alice())
                        .get(blob("absent")).then().extract().path("error.code").equals("BlobNotFound"));
                seeded = true;
            }
        }
    }

    @Test
    void aVersionUploadedToOneAccountIsCopiedToAnotherAndDownloadsByteForByte() throws Exception {
        byte[] img = image(4 * 1024 * 1024, System.nanoTime());
        String name = "azure-" + UUID.randomUUID() + ".raw";
        int used = given().auth().oauth2(Tokens.alice()).body(img).put(blob(name)).then().statusCode(201)
                .extract().path("usedBytes");
        String version = versionId();
        publish(version, name, new Payloads.TargetRegion("westeurope", 1, "Standard_LRS"),
                new Payloads.TargetRegion("northeurope", 2, "Standard_ZRS"));
        List<CloudEvent> events = TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(60),
                seen -> seen.stream().filter(e -> e.subject().equals(version)
                        && e.type().equals(EventTypes.REPLICA_COMPLETED)).count() == 2);
        var egress = events.stream().filter(e -> e.subject().equals(version)
                        && e.type().equals(EventTypes.EGRESS_TRANSFERRED))
                .map(e -> e.dataAs(Payloads.EgressTransferred.class)).toList();
        assertEquals(1, egress.size(), "only westeurope to northeurope crosses accounts: " + egress);
        assertEquals(used, egress.get(0).bytes(), "each non-zero chunk crossed once; zeros did not");
        assertInstanceOf(AzureBlobChunkStore.class, contoso().store("northeurope", 1));
        assertEquals(2, contoso().replicas("northeurope"));
        assertArrayEquals(img, given().auth().oauth2(Tokens.alice()).get(download("northeurope", version)).then()
                .statusCode(200).header("X-Content-SHA256", "sha256:" + sha(img)).extract().asByteArray());
    }

    /**
     * A storage account that stops answering is the service's failure, not the client's: an upload is answered 503
     * {@code StorageUnavailable} with Retry-After (an ARM client retries it), nothing stored, and so is a download;
     * once the account is back, both work. They were answered 400 {@code UploadIncomplete} (blaming the client's
     * body) or 500, depending on where the store failed.
     */
    @Test
    void whileTheStorageAccountIsDownUploadsAndDownloadsAre503AndWorkOnceItIsBack() {
        byte[] before = image(256 * 1024, System.nanoTime());
        String stored = "up-" + UUID.randomUUID() + ".raw";
        given().auth().oauth2(Tokens.alice()).body(before).put(blob(stored)).then().statusCode(201);
        byte[] img = image(6 * 1024 * 1024, System.nanoTime()); // past the 4 MiB a session buffers: fails in ingest
        String name = "down-" + UUID.randomUUID() + ".raw";
        AzuriteResource.server.stop();
        try {
            given().auth().oauth2(Tokens.alice()).body(img).put(blob(name)).then().statusCode(503)
                    .header("Retry-After", notNullValue())
                    .body("error.code", is("StorageUnavailable"), "error.target", is("region"),
                            "error.message", containsString("westeurope"));
            given().auth().oauth2(Tokens.alice()).get(blob(stored)).then().statusCode(503)
                    .header("Retry-After", notNullValue()).body("error.code", is("StorageUnavailable"));
        } finally {
            AzuriteResource.server.restart();
        }
        assertArrayEquals(before, given().auth().oauth2(Tokens.alice()).get(blob(stored)).then().statusCode(200)
                .extract().asByteArray());
        given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(404);
        given().auth().oauth2(Tokens.alice()).body(img).put(blob(name)).then().statusCode(201);
        assertArrayEquals(img, given().auth().oauth2(Tokens.alice()).get(blob(name)).then().statusCode(200)
                .extract().asByteArray());
    }

    /** contoso's stores: alice's uploads and versions live in her tenant's namespace. */
    RegionStores contoso() {
        return tenants.of(dev.imagegallery.devstack.Realms.CONTOSO);
    }
}

package dev.imagegallery.catalog;

import dev.imagegallery.catalog.service.ReplicationStatusService;
import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.Payloads;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static dev.imagegallery.catalog.CatalogTestSupport.*;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.is;

/**
 * A PATCH of a version's regions while replication reports on them keeps what it said. The consumer of a report read
 * the region's row, and wrote it whole: read before the PATCH committed and written after, it put the region's old
 * replica count and {@code excludeFromLatest} back (a region excluded from latest served as latest again; catalog
 * showed one replica where replication made two).
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "catalog"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class ReplicationEventRacesTest {
    static final String MI = RG + "/providers/Microsoft.Compute/images/races-src";
    /** How long the report's transaction stays open after it read the region: the PATCH comes meanwhile. */
    static final Duration REPORT_HOLDS = Duration.ofMillis(900);

    @Inject
    ReplicationStatusService status;

    @BeforeEach
    void setUp() {
        seedGrants();
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(managedImageBody("races.raw"))
                .put(MI + MI_API).then().statusCode(anyOf(is(200), is(201)));
    }

    @Test
    void aPatchDuringAProgressReportKeepsItsReplicaCountAndExclusion() throws Throwable {
        String version = version();
        race(() -> status.replicaProgress(new Payloads.ReplicaProgress(version, SUB, "northeurope", 40, 4096,
                Instant.now())), version);
        patched(version);
    }

    @Test
    void aPatchDuringAFailureReportKeepsItsReplicaCountAndExclusion() throws Throwable {
        String version = version();
        race(() -> status.replicaFailed(new Payloads.ReplicaFailed(version, SUB, "northeurope", "a disk failed")),
                version);
        patched(version);
    }

    private static String version() {
        String g = "races" + java.util.UUID.randomUUID().toString().substring(0, 8);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(galleryBody())
                .put(gallery(g) + API).then().statusCode(201);
        String def = gallery(g) + "/images/app";
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(imageBody("sku-" + g))
                .put(def + API).then().statusCode(201);
        String version = def + "/versions/1.0.0";
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(versionBody(MI, "westeurope", "northeurope")).put(version + API).then().statusCode(201);
        return version;
    }

    /** The report ({@code report}, in a transaction held open {@link #REPORT_HOLDS}) begun; the PATCH meanwhile. */
    private static void race(Supplier<Uni<Void>> report, String version) throws Throwable {
        CompletableFuture<Void> consumer = CompletableFuture.runAsync(() -> {
            try {
                VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> report.get()
                        .onItem().delayIt().by(REPORT_HOLDS)));
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        });
        Thread.sleep(REPORT_HOLDS.toMillis() / 3); // the report has read the region
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body("{\"properties\":{\"publishingProfile\":{\"targetRegions\":[{\"name\":\"westeurope\","
                        + "\"regionalReplicaCount\":1},{\"name\":\"northeurope\",\"regionalReplicaCount\":2,"
                        + "\"excludeFromLatest\":true}]}}}")
                .patch(version + API).then().statusCode(anyOf(is(200), is(202)));
        consumer.get(30, TimeUnit.SECONDS);
    }

    private static void patched(String version) {
        given().auth().oauth2(Tokens.alice()).get(version + API).then().statusCode(200)
                .body("properties.publishingProfile.targetRegions.find { it.name == 'North Europe' || it.name == "
                        + "'northeurope' }.regionalReplicaCount", is(2))
                .body("properties.publishingProfile.targetRegions.find { it.name == 'North Europe' || it.name == "
                        + "'northeurope' }.excludeFromLatest", is(true));
    }
}

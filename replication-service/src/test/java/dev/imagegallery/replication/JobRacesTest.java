package dev.imagegallery.replication;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Realms;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.replication.content.Replicator;
import dev.imagegallery.replication.domain.ReplicaJob;
import dev.imagegallery.replication.service.ReplicationService;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A version deleted while its copy runs stays deleted. The copy (the worker) and the deletion (catalog's
 * VersionDeleted, in the consumer) each read the job and write it whole; the copy's save, read before the deletion
 * committed and written after it, set the job back to Pending (a checkpoint) or Completed (the copy's end, with a
 * ReplicaCompleted after the ReplicaDeleted): the deleted version's replicas stayed in the stores and in billing for
 * good. Found on the local stack: versions put, given a region by PATCH and deleted at once, one after the other, left
 * 2 of 10 deleted versions with a Completed replica in the added region.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "replication"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class JobRacesTest {
    static final String SUB = Realms.CONTOSO_SUBSCRIPTION;
    /** How long the copy's transaction stays open after it read its job: the deletion commits meanwhile (before). */
    static final Duration COPY_HOLDS = Duration.ofMillis(800);

    @Inject
    ReplicationService replication;

    @Test
    void aCheckpointSavedAfterTheVersionsDeletionDoesNotBringItsJobBack() throws Throwable {
        String version = job();
        race(version, () -> replication.checkpoint(ReplicaJob.idOf(version, "eastus"),
                new Replicator.Checkpoint(1, 10, 10, Map.of("westeurope", 4096L), 4096, 50), false)
                .onFailure().recoverWithNull().replaceWithVoid());
        assertEquals(ReplicaJob.DELETED, state(version));
    }

    @Test
    void aCopyCompletedAfterTheVersionsDeletionDoesNotBringItsJobBack() throws Throwable {
        String version = job();
        race(version, () -> replication.completed(ReplicaJob.idOf(version, "eastus"),
                new Replicator.Checkpoint(1, 10, 10, Map.of("westeurope", 4096L), 4096, 100), 4096));
        assertEquals(ReplicaJob.DELETED, state(version));
    }

    /**
     * The worker's save ({@code save}, in its own transaction, held open {@link #COPY_HOLDS} after it ran) begun first;
     * the version's deletion while it is open.
     */
    private void race(String version, Supplier<Uni<Void>> save) throws Throwable {
        CompletableFuture<Void> copy = CompletableFuture.runAsync(() -> {
            try {
                VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> save.get()
                        .onItem().delayIt().by(COPY_HOLDS)));
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        });
        Thread.sleep(COPY_HOLDS.toMillis() / 3); // the copy has read its job
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(
                () -> replication.versionDeleted(new Payloads.VersionDeleted(version, SUB))));
        copy.get(30, TimeUnit.SECONDS);
    }

    /** A version with a pending job in eastus, not due for an hour (the service's worker leaves it alone). */
    private static String job() throws Throwable {
        String version = "/subscriptions/" + SUB + "/resourceGroups/rg-races/providers/Microsoft.Compute/galleries/g"
                + "/images/d/versions/1.0." + Math.abs(UUID.randomUUID().getMostSignificantBits() % 100000);
        ReplicaJob j = new ReplicaJob();
        j.id = ReplicaJob.idOf(version, "eastus");
        j.versionId = version;
        j.subscriptionId = SUB;
        j.tenantId = Realms.CONTOSO;
        j.region = "eastus";
        j.replicaCount = 1;
        j.storageAccountType = "Standard_LRS";
        j.sourceRegion = "westeurope";
        j.digest = "00".repeat(32);
        j.sizeBytes = 4096L;
        j.usedBytes = 4096L;
        j.replicationMode = ReplicaJob.FULL;
        j.state = ReplicaJob.PENDING;
        j.updatedAt = Instant.now().plus(Duration.ofHours(1));
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> j.persist().replaceWithVoid()));
        return version;
    }

    private static String state(String version) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(
                () -> ReplicaJob.<ReplicaJob>findById(ReplicaJob.idOf(version, "eastus")).map(j -> j.state)));
    }
}

package dev.imagegallery.replication;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.replication.config.StoreConfig;
import dev.imagegallery.replication.content.Replicator;
import dev.imagegallery.replication.service.ReplicationWorker;
import io.quarkus.logging.Log;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.imagegallery.replication.DataPlaneTest.blob;
import static dev.imagegallery.replication.DataPlaneTest.publish;
import static dev.imagegallery.replication.DataPlaneTest.versionId;
import static dev.imagegallery.replication.ReplicationTest.image;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When copies start, with the worker's poll made an hour long: a job starts when the event that planned it has been
 * consumed, one waiting for room when a copy ends; and the room is counted in bytes in flight, so a small copy is not
 * held up by big ones into the same region (test profile: 16 MiB a region, at most 2 small copies at once).
 */
@QuarkusTest
@TestProfile(JobStartTest.LongPoll.class)
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "replication"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class JobStartTest {
    public static class LongPoll implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gallery.store.poll-interval", "1h");
        }
    }

    @Inject
    ReplicationWorker worker;
    @Inject
    Replicator replicator;
    @Inject
    StoreConfig config;

    @BeforeEach
    void grants() {
        TestSupport.seedGrants();
    }

    static String upload(int size) {
        String name = "start-" + UUID.randomUUID() + ".raw";
        given().auth().oauth2(Tokens.alice()).body(image(size, System.nanoTime())).put(blob(name)).then()
                .statusCode(201);
        return name;
    }

    static boolean completed(List<CloudEvent> seen, String version) {
        return seen.stream().anyMatch(e -> e.subject().equals(version)
                && e.type().equals(EventTypes.REPLICA_COMPLETED));
    }

    @Test
    void aPlannedJobStartsWhenItsEventArrivesNotAtThePoll() {
        String name = upload(256 * 1024);
        String version = versionId();
        long t = System.nanoTime();
        publish(version, name, new Payloads.TargetRegion("westus2", 1, "Standard_LRS"));
        List<CloudEvent> seen = TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(20),
                e -> completed(e, version));
        assertTrue(completed(seen, version), "not completed within 20 s of its event: the worker waits for its poll");
        Log.infof("a job completed %.2f s after its event (the poll is an hour away)", (System.nanoTime() - t) / 1e9);
    }

    @Test
    void aSmallCopyCompletesWhileBigCopiesIntoTheSameRegionRun() throws Exception {
        int limit = config.maxConcurrentCopiesPerRegion();
        long budget = config.maxCopyBytesInFlightPerRegion();
        int bigSize = (int) (budget / 2) + 4 * 1024 * 1024; // half of it random, half zeros: > a quarter of the budget
        Set<String> big = ConcurrentHashMap.newKeySet();
        Map<Thread, String> copying = new ConcurrentHashMap<>();
        AtomicInteger bigNow = new AtomicInteger();
        AtomicInteger bigPeak = new AtomicInteger();
        Set<String> finished = ConcurrentHashMap.newKeySet();
        CountDownLatch gate = new CountDownLatch(1);
        worker.listener(new ReplicationWorker.CopyListener() {
            @Override
            public void started(String region, String versionId) {
                if (big.contains(versionId)) {
                    copying.put(Thread.currentThread(), versionId);
                    bigPeak.accumulateAndGet(bigNow.incrementAndGet(), Math::max);
                }
            }

            @Override
            public void finished(String region, String versionId) {
                if (big.contains(versionId)) {
                    copying.remove(Thread.currentThread());
                    bigNow.decrementAndGet();
                }
                finished.add(versionId);
            }
        });
        TestSupport.holdCopies(replicator, () -> copying.containsKey(Thread.currentThread()), gate);
        try {
            // as many big copies into eastus as the old limit of copies per region let run: all of them held
            List<String> bigs = new ArrayList<>();
            for (int i = 0; i < limit; i++) {
                String version = versionId();
                big.add(version);
                bigs.add(version);
                publish(version, upload(bigSize), new Payloads.TargetRegion("eastus", 1, "Standard_LRS"));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> bigNow.get() >= 1);

            String small = versionId();
            publish(small, upload(64 * 1024), new Payloads.TargetRegion("eastus", 1, "Standard_LRS"));
            assertTrue(completed(TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30),
                    seen -> completed(seen, small)), small), "the small copy waits for the big ones");
            assertTrue(bigNow.get() >= 1, "the small copy completed while a big one was copying");
            assertEquals(1, bigPeak.get(), "big copies share half the budget: one of "
                    + (bigSize >> 20) + " MiB at a time");

            gate.countDown();
            // each big copy that ends wakes the worker for the next: all of them end without a poll
            await().atMost(Duration.ofSeconds(60)).until(() -> finished.containsAll(bigs));
            List<CloudEvent> seen = TestEvents.read(EventTypes.REPLICATION_TOPIC, Duration.ofSeconds(30),
                    e -> bigs.stream().allMatch(v -> completed(e, v)));
            assertTrue(bigs.stream().allMatch(v -> completed(seen, v)), "every big copy completed");
        } finally {
            gate.countDown();
            replicator.hook(null);
            worker.listener(null);
        }
    }
}

package dev.imagegallery.replication;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.Payloads;
import dev.imagegallery.replication.config.StoreConfig;
import dev.imagegallery.replication.content.Replicator;
import dev.imagegallery.replication.service.ReplicationWorker;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
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

/**
 * {@code gallery.store.max-concurrent-copies-per-region}: small copies into one region wait for a free slot (2 in the
 * test profile; big ones are bounded by bytes in flight, {@code JobStartTest}), and a saturated
 * region does not hold up copies into another. Copies into eastus are held at their first chunk (through the
 * replicator's hook) until the test lets them go, so without the limit every one of them would be running at once.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "replication"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class CopyLimitTest {
    private static boolean seeded;

    @Inject
    ReplicationWorker worker;
    @Inject
    Replicator replicator;
    @Inject
    StoreConfig config;

    @BeforeEach
    void grants() {
        synchronized (CopyLimitTest.class) {
            if (!seeded) {
                TestEvents.publishSeedGrants();
                await().atMost(Duration.ofSeconds(30)).until(() -> given().auth().oauth2(Tokens.alice())
                        .get(blob("absent")).then().extract().path("error.code").equals("BlobNotFound"));
                seeded = true;
            }
        }
    }

    static String upload() {
        String name = "limit-" + UUID.randomUUID() + ".raw";
        given().auth().oauth2(Tokens.alice()).body(image(64 * 1024, System.nanoTime())).put(blob(name)).then()
                .statusCode(201);
        return name;
    }

    @Test
    void copiesIntoARegionNeverExceedTheLimitWhileAnotherRegionProceeds() throws Exception {
        int limit = config.maxConcurrentCopiesPerRegion();
        int n = limit + 2;
        Set<String> mine = ConcurrentHashMap.newKeySet();
        Map<Thread, String> copying = new ConcurrentHashMap<>(); // copier thread -> target region, for our versions
        Map<String, AtomicInteger> now = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> peak = new ConcurrentHashMap<>();
        Map<String, Set<String>> started = new ConcurrentHashMap<>();
        Map<String, Set<String>> finished = new ConcurrentHashMap<>();
        CountDownLatch gate = new CountDownLatch(1);
        worker.listener(new ReplicationWorker.CopyListener() {
            @Override
            public void started(String region, String versionId) {
                if (mine.contains(versionId)) {
                    copying.put(Thread.currentThread(), region);
                    int c = now.computeIfAbsent(region, r -> new AtomicInteger()).incrementAndGet();
                    peak.computeIfAbsent(region, r -> new AtomicInteger()).accumulateAndGet(c, Math::max);
                    started.computeIfAbsent(region, r -> ConcurrentHashMap.newKeySet()).add(versionId);
                }
            }

            @Override
            public void finished(String region, String versionId) {
                if (mine.contains(versionId)) {
                    copying.remove(Thread.currentThread());
                    now.get(region).decrementAndGet();
                    finished.computeIfAbsent(region, r -> ConcurrentHashMap.newKeySet()).add(versionId);
                }
            }
        });
        TestSupport.holdCopies(replicator, () -> "eastus".equals(copying.get(Thread.currentThread())), gate);
        try {
            List<String> east = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String name = upload();
                String version = versionId();
                east.add(version);
                mine.add(version);
                publish(version, name, new Payloads.TargetRegion("eastus", 1, "Standard_LRS"));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> started.getOrDefault("eastus", Set.of()).size() >= limit);

            // eastus is saturated and its copies are held; a copy into westus2 still runs to its end
            String other = versionId();
            mine.add(other);
            publish(other, upload(), new Payloads.TargetRegion("westus2", 1, "Standard_LRS"));
            await().atMost(Duration.ofSeconds(30)).until(() -> finished.getOrDefault("westus2", Set.of())
                    .contains(other));
            // several polling rounds later, the waiting eastus copies are still waiting
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(
                    limit, started.get("eastus").size(), "copies into eastus started while " + limit + " run"));
            assertEquals(limit, now.get("eastus").get());
            assertEquals(limit, worker.copying("eastus"));

            gate.countDown();
            await().atMost(Duration.ofSeconds(60)).until(() -> finished.getOrDefault("eastus", Set.of()).size() == n);
            assertEquals(Set.copyOf(east), started.get("eastus"), "every copy ran in the end");
            assertEquals(limit, peak.get("eastus").get(), "never more than the limit at once into eastus");
        } finally {
            gate.countDown();
            replicator.hook(null);
            worker.listener(null);
        }
    }
}

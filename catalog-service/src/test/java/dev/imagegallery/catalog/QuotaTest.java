package dev.imagegallery.catalog;

import dev.imagegallery.devstack.Hostile;
import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import static dev.imagegallery.catalog.CatalogTestSupport.*;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Quotas per subscription and region, configurable (Azure's defaults otherwise): over them a 409 with a quota code. */
@QuarkusTest
@TestProfile(QuotaTest.SmallQuotas.class)
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "catalog"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class QuotaTest {
    public static class SmallQuotas implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gallery.catalog.quota.galleries", "2", "gallery.catalog.quota.definitions", "1");
        }
    }

    @Inject
    Pool pool;

    @BeforeEach
    void grants() {
        seedGrants();
    }

    @Test
    void galleriesAndDefinitionsOverTheQuotaAre409() {
        String body = "{\"location\":\"westus2\"}";
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(body).put(gallery("q1") + API)
                .then().statusCode(201);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(body).put(gallery("q2") + API)
                .then().statusCode(201);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(body).put(gallery("q3") + API)
                .then().statusCode(409).body("error.code", is("QuotaExceeded"));
        // replacing an existing gallery is not a new one
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(body).put(gallery("q1") + API)
                .then().statusCode(200);
        String image = imageBody("q").replace("westeurope", "westus2");
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(image)
                .put(gallery("q1") + "/images/a" + API).then().statusCode(201);
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(image.replace("\"sku\":\"q\"",
                "\"sku\":\"r\"")).put(gallery("q1") + "/images/b" + API).then().statusCode(409)
                .body("error.code", is("QuotaExceeded"));
    }

    @Test
    void concurrentCreatesDoNotPassTheQuotaTogether() {
        String body = "{\"location\":\"eastus\"}";
        String token = Tokens.alice();
        List<Callable<Hostile.Outcome>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int n = i;
            calls.add(() -> {
                var r = given().auth().oauth2(token).contentType(ContentType.JSON).body(body)
                        .put(gallery("race" + n) + API);
                return new Hostile.Outcome(n, r.statusCode(), r.asString());
            });
        }
        List<Hostile.Outcome> out = Hostile.parallel(calls, Duration.ofSeconds(30));
        assertEquals(List.of(), Hostile.failures(out));
        assertEquals(2, out.stream().filter(o -> o.status() == 201).count(), () -> "answers: " + out);
        assertTrue(out.stream().filter(o -> o.status() != 201).allMatch(o -> o.status() == 409
                && o.body().contains("QuotaExceeded")), () -> "answers: " + out);
    }

    /**
     * Each version create counts its subscription's live versions in the region twice (up to 10,000 of them): from an
     * index of the live versions alone, not by reading every one from the table (a sequential scan before).
     */
    @Test
    void theVersionCountIsAnsweredFromAnIndexOfLiveVersions() {
        String plan = pool.withTransaction(c -> c.query("SET LOCAL enable_seqscan = off").execute()
                        .flatMap(x -> c.preparedQuery("EXPLAIN SELECT count(*) FROM image_version WHERE "
                                + "subscription_id = $1 AND location = $2 AND deleted_at IS NULL")
                                .execute(Tuple.of("c0de0000-0000-4000-8000-00000000c001", "westus2"))))
                .map(rows -> {
                    StringBuilder text = new StringBuilder();
                    rows.forEach(r -> text.append(r.getString(0)).append('\n'));
                    return text.toString();
                }).await().atMost(Duration.ofSeconds(10));
        assertTrue(plan.contains("Index Only Scan using image_version_quota"), plan);
    }
}

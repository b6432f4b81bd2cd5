package dev.imagegallery.catalog;

import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import static dev.imagegallery.catalog.CatalogTestSupport.*;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PUT is idempotent: the same PUT sent several times at once (an SDK retrying a request it timed out on while the first
 * is still running, two pipelines applying one template) is answered as if they came one after another. Before, every
 * request that lost the race to create the row got 409 {@code Conflict} ("retry the request"), which Azure's SDKs do
 * not retry; a definition that lost the race for an identifier got that same generic 409 in place of
 * {@code GalleryImageIdentifierConflict}.
 */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "catalog"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class ConcurrentWritesTest {
    static final int AT_ONCE = 8;
    static final int ROUNDS = 5;

    @BeforeEach
    void grants() {
        seedGrants();
    }

    /** {@code AT_ONCE} requests released together; their answers. */
    static List<Response> atOnce(IntFunction<Response> request) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Response>> all = new ArrayList<>();
        for (int i = 0; i < AT_ONCE; i++) {
            int n = i;
            all.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return request.apply(n);
            }));
        }
        go.countDown();
        List<Response> answers = new ArrayList<>();
        for (var f : all) {
            answers.add(f.get(60, TimeUnit.SECONDS));
        }
        return answers;
    }

    static void createGallery(String token, String name) {
        given().auth().oauth2(token).contentType(ContentType.JSON).body(galleryBody()).put(gallery(name) + API)
                .then().statusCode(org.hamcrest.Matchers.anyOf(org.hamcrest.Matchers.is(200),
                        org.hamcrest.Matchers.is(201)));
    }

    static String statuses(List<Response> answers) {
        return answers.stream().map(r -> r.statusCode() + (r.statusCode() >= 300 ? " " + r.body().asString() : ""))
                .toList().toString();
    }

    @Test
    void theSamePutOfANewGalleryAtOnceCreatesItOnceAndAnswersEveryone() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String gallery = gallery("racing" + round);
            String token = Tokens.alice();
            List<Response> answers = atOnce(i -> given().auth().oauth2(token).contentType(ContentType.JSON)
                    .body(galleryBody()).put(gallery + API));
            assertTrue(answers.stream().allMatch(r -> r.statusCode() == 200 || r.statusCode() == 201),
                    statuses(answers));
            assertEquals(1, answers.stream().filter(r -> r.statusCode() == 201).count(), statuses(answers));
            given().auth().oauth2(token).get(gallery + API).then().statusCode(200);
        }
    }

    @Test
    void theSamePutOfANewDefinitionAtOnceCreatesItOnceAndAnswersEveryone() throws Exception {
        String token = Tokens.alice();
        createGallery(token, "racingdefs");
        for (int round = 0; round < ROUNDS; round++) {
            String definition = gallery("racingdefs") + "/images/def" + round;
            String body = imageBody("sku-" + round);
            List<Response> answers = atOnce(i -> given().auth().oauth2(token).contentType(ContentType.JSON).body(body)
                    .put(definition + API));
            assertTrue(answers.stream().allMatch(r -> r.statusCode() == 200 || r.statusCode() == 201),
                    statuses(answers));
            assertEquals(1, answers.stream().filter(r -> r.statusCode() == 201).count(), statuses(answers));
        }
    }

    @Test
    void definitionsRacingForOneIdentifierGetOneWinnerAndTheIdentifiersConflict() throws Exception {
        String token = Tokens.alice();
        createGallery(token, "racingids");
        for (int round = 0; round < ROUNDS; round++) {
            String sku = "contested-" + round;
            String twins = gallery("racingids") + "/images/twin" + round + "x";
            List<Response> answers = atOnce(i -> given().auth().oauth2(token).contentType(ContentType.JSON)
                    .body(imageBody(sku)).put(twins + i + API));
            assertEquals(1, answers.stream().filter(r -> r.statusCode() == 201).count(), statuses(answers));
            assertTrue(answers.stream().filter(r -> r.statusCode() != 201).allMatch(r -> r.statusCode() == 409
                    && "GalleryImageIdentifierConflict".equals(r.jsonPath().getString("error.code"))),
                    statuses(answers));
        }
    }
}

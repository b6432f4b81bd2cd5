package dev.imagegallery.billing;

import dev.imagegallery.devstack.Hostile;
import dev.imagegallery.devstack.InfraResource;
import dev.imagegallery.devstack.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import static dev.imagegallery.billing.BillingTestSupport.PRICE_SHEET;
import static dev.imagegallery.billing.BillingTestSupport.SUB;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hostile client against billing-service: malformed tokens and bodies, and bursts of concurrent writes. */
@QuarkusTest
@WithTestResource(value = InfraResource.class, initArgs = @ResourceArg(name = "database", value = "billing"),
        scope = TestResourceScope.MATCHING_RESOURCES)
class HostileClientsTest {
    static final String ESTIMATE = "/subscriptions/" + SUB
            + "/providers/Microsoft.Consumption/estimateImageVersionCost?api-version=2023-05-01";
    static final String OK_ESTIMATE = "{\"sizeBytes\": 1024, \"sourceRegion\": \"westeurope\", \"targetRegions\": "
            + "[{\"name\": \"eastus\"}]}";

    @BeforeAll
    static void seed() {
        BillingTestSupport.publishSeedGrants();
    }

    @BeforeEach
    void grantsKnown() {
        BillingTestSupport.awaitSeedGrants();
    }

    @Test
    void malformedBearerTokensAre401WithAnArmBodyOnEveryRoute() {
        String openApi = given().get("/q/openapi?format=json").then().statusCode(200).extract().asString();
        // every fixed word of these routes is one that common's ArmPathCase knows (it routes them in any case)
        for (Object template : io.restassured.path.json.JsonPath.from(openApi).getMap("paths").keySet()) {
            org.junit.jupiter.api.Assertions.assertEquals(List.of(),
                    dev.imagegallery.common.arm.ArmPathCase.unknownWords((String) template), (String) template);
        }
        List<String[]> routes = Hostile.routes(openApi, SUB, List.of("/ping"));
        assertTrue(routes.size() >= 8, "the OpenAPI document lists every route: " + routes.size());
        List<String> wrong = new ArrayList<>();
        for (String[] route : routes) {
            for (String token : Hostile.MALFORMED_TOKENS) {
                Response r = given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON)
                        .body("{}").request(route[0], route[1] + "?api-version=2023-05-01");
                if (r.statusCode() != 401 || r.jsonPath().getString("error.code") == null) {
                    wrong.add(route[0] + " " + route[1] + " '" + (token.length() > 40 ? token.substring(0, 40) : token)
                            + "' -> " + r.statusCode() + " " + r.asString());
                }
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void anEstimateDateThatIsNoDateIs400WhereverItIsSent() {
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(OK_ESTIMATE)
                .post(ESTIMATE + "&date=2026-99-99").then().statusCode(400).body("error.target", is("date"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON)
                .body(OK_ESTIMATE.replace("}]}", "}], \"date\": \"2026-99-99\"}"))
                .post(ESTIMATE).then().statusCode(400).body("error.target", is("date"));
        given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(OK_ESTIMATE)
                .post(ESTIMATE + "&date=2026-02-01").then().statusCode(200);
    }

    @Test
    void nulCharactersAndWrongTypesInBodiesAre400NamingTheField() {
        record Case(String path, String method, String body, String target) {
        }
        List<Case> cases = List.of(
                new Case(ESTIMATE, "POST", OK_ESTIMATE.replace("\"westeurope\"", "\"west\\u0000europe\""),
                        "sourceRegion"),
                new Case(ESTIMATE, "POST", OK_ESTIMATE.replace("1024", "1.5"), "sizeBytes"),
                new Case(ESTIMATE, "POST", OK_ESTIMATE.replace("1024", "\"1024\""), "sizeBytes"),
                new Case(ESTIMATE, "POST", OK_ESTIMATE.replace("{\"name\": \"eastus\"}",
                        "{\"name\": \"eastus\", \"regionalReplicaCount\": 2.5}"),
                        "targetRegions[0].regionalReplicaCount"),
                new Case(PRICE_SHEET, "PUT", "{\"properties\": {\"effectiveFrom\": \"2099-0\\u00001-01\"}}",
                        "properties.effectiveFrom"),
                new Case(PRICE_SHEET, "PUT", "{\"properties\": {\"effectiveFrom\": 20990101}}",
                        "properties.effectiveFrom"));
        for (Case c : cases) {
            given().auth().oauth2(Tokens.alice()).contentType(ContentType.JSON).body(c.body())
                    .request(c.method(), c.path()).then().statusCode(400).body("error.target", is(c.target()));
        }
    }

    @Test
    void concurrentPriceSheetWritesAndReadsNeverFailNorHangNorLeaveATransactionOpen() {
        String token = Tokens.alice();
        String storage = "{\"storageAccountType\": \"Standard_LRS\", \"pricePerGiBMonth\": 0.04},"
                + "{\"storageAccountType\": \"Standard_ZRS\", \"pricePerGiBMonth\": 0.06},"
                + "{\"storageAccountType\": \"Premium_LRS\", \"pricePerGiBMonth\": 0.15}";
        String egress = "{\"sourceGeography\": \"Europe\", \"destinationGeography\": \"Europe\", \"pricePerGiB\": 0.02},"
                + "{\"sourceGeography\": \"Europe\", \"destinationGeography\": \"US\", \"pricePerGiB\": 0.05},"
                + "{\"sourceGeography\": \"US\", \"destinationGeography\": \"Europe\", \"pricePerGiB\": 0.05},"
                + "{\"sourceGeography\": \"US\", \"destinationGeography\": \"US\", \"pricePerGiB\": 0.02}";
        for (int round = 0; round < 3; round++) {
            String day = "2097-0" + (round + 1) + "-01";
            String sheet = "{\"properties\": {\"effectiveFrom\": \"" + day + "\", \"storage\": [" + storage
                    + "], \"egress\": [" + egress + "]}}";
            List<Callable<Hostile.Outcome>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int n = i;
                calls.add(() -> {
                    Response r = switch (n % 3) {
                        case 0, 1 -> given().auth().oauth2(token).contentType(ContentType.JSON).body(sheet)
                                .put(PRICE_SHEET);
                        default -> given().auth().oauth2(token).contentType(ContentType.JSON).body(OK_ESTIMATE)
                                .post(ESTIMATE);
                    };
                    return new Hostile.Outcome(n, r.statusCode(), r.asString());
                });
            }
            var outcomes = Hostile.parallel(calls, Duration.ofSeconds(20));
            assertEquals(List.of(), Hostile.failures(outcomes));
            // one of the racing PUTs creates the version; the others find its day taken
            assertEquals(1, outcomes.stream().filter(o -> o.status() == 201).count(), outcomes.toString());
            assertEquals(List.of(), Hostile.openTransactions("billing", Duration.ofSeconds(5)));
        }
    }

    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;

    @Test
    void metricsAreServedOnlyOnTheManagementInterface() {
        given().get("/q/metrics").then().statusCode(404);
        given().get(metrics).then().statusCode(200);
    }
}

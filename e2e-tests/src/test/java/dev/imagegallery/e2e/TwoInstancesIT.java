package dev.imagegallery.e2e;

import dev.imagegallery.devstack.LocalStack;
import dev.imagegallery.devstack.Realms;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Random;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * catalog-, access- and billing-service as two instances each over one database, behind the front door (which sends
 * each request to the next instance), as deploy/k8s runs them: the story's writes land on either instance, the
 * events of one resource stay in order whichever instance wrote them, and an instance that goes away leaves the other
 * to answer. Its own stack (after the shared one, before WalkingSkeletonIT's: the suites run in alphabetical order).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoInstancesIT extends StackIT {
    static final int OFFSET = 8_500;
    static final String RG = "/subscriptions/" + CONTOSO + "/resourceGroups/rg-two";
    static final String MI = RG + "/providers/Microsoft.Compute/images/two-src";
    static final String DEF = RG + "/providers/Microsoft.Compute/galleries/two/images/app";

    @BeforeAll
    static void up() throws java.io.IOException {
        stack = own("target/stack-two", OFFSET).instances(2).start();
    }

    static String door(String path) {
        return stack.doorHttpUrl() + path;
    }

    static String versionBody(String... regions) {
        StringBuilder targets = new StringBuilder();
        for (String r : regions) {
            targets.append(targets.length() == 0 ? "" : ",").append("{\"name\":\"").append(r).append("\"}");
        }
        return "{\"location\":\"westeurope\",\"properties\":{\"publishingProfile\":{\"targetRegions\":[" + targets
                + "]},\"storageProfile\":{\"source\":{\"id\":\"" + MI + "\"}}}}";
    }

    /**
     * Versions put, given a region by PATCH and (every other one) deleted at once, each request to either instance:
     * the kept ones replicate to their three regions, the deleted ones keep no replica and no meter (before, 2 to 3 of
     * 10 deleted versions kept a replica, stored and billed, in the region the PATCH added).
     */
    @Test
    @Order(1)
    void theStorysWritesLandOnEitherInstanceAndStayInOrder() throws Exception {
        String alice = token(Realms.CONTOSO, "alice");
        await().atMost(Duration.ofSeconds(60)).until(() -> given().auth().oauth2(alice)
                .get(door("/subscriptions/" + CONTOSO + "/providers/Microsoft.Compute/galleries" + API))
                .statusCode() == 200);
        byte[] image = new byte[1 << 20];
        new Random(7).nextBytes(image);
        String blobUri = given().auth().oauth2(alice).body(image)
                .put(door("/blobs/westeurope/" + CONTOSO + "/two.raw")).then().statusCode(201)
                .extract().path("blobUri");
        given().auth().oauth2(alice).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"properties\":{\"storageProfile\":{\"osDisk\":{"
                        + "\"osType\":\"Linux\",\"osState\":\"Generalized\",\"blobUri\":\"" + blobUri + "\"}}}}")
                .put(door(MI + MI_API)).then().statusCode(201);
        given().auth().oauth2(alice).contentType(ContentType.JSON).body("{\"location\":\"westeurope\"}")
                .put(door(RG + "/providers/Microsoft.Compute/galleries/two" + API)).then().statusCode(201);
        given().auth().oauth2(alice).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"properties\":{\"osType\":\"Linux\",\"osState\":\"Generalized\","
                        + "\"identifier\":{\"publisher\":\"p\",\"offer\":\"two\",\"sku\":\"1\"}}}")
                .put(door(DEF + API)).then().statusCode(201);
        int n = 10;
        for (int i = 0; i < n; i++) {
            String v = door(DEF + "/versions/1.0." + i + API);
            given().auth().oauth2(alice).contentType(ContentType.JSON).body(versionBody("westeurope", "northeurope"))
                    .put(v).then().statusCode(201);
            given().auth().oauth2(alice).contentType(ContentType.JSON)
                    .body("{\"properties\":{\"publishingProfile\":{\"targetRegions\":[{\"name\":\"westeurope\"},"
                            + "{\"name\":\"northeurope\"},{\"name\":\"eastus\"}]}}}")
                    .patch(v).then().statusCode(200);
            if (i % 2 == 0) {
                int status = given().auth().oauth2(alice).delete(v).statusCode();
                assertTrue(status == 200 || status == 202 || status == 204, "DELETE " + status);
            }
        }
        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
            for (int i = 0; i < n; i++) {
                var r = given().auth().oauth2(alice).get(door(DEF + "/versions/1.0." + i + API
                        + "&$expand=ReplicationStatus"));
                if (i % 2 == 0) {
                    assertEquals(404, r.statusCode(), "1.0." + i);
                } else {
                    r.then().statusCode(200).body("properties.replicationStatus.aggregatedState", is("Completed"))
                            .body("properties.replicationStatus.summary.size()", is(3));
                }
            }
        });
        // what replication and billing hold once the events have settled: the kept versions' regions, nothing else
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertEquals(n / 2 * 3, count("replication-service", "SELECT count(*) FROM replica_job WHERE "
                    + "lower(version_id) LIKE ? AND state <> 'Deleted'"), "live replica jobs");
            assertEquals(n / 2 * 3, count("billing-service", "SELECT count(*) FROM storage_meter WHERE "
                    + "version_key LIKE ? AND ended_at IS NULL"), "open storage meters");
        });
        for (int i = 0; i < 4; i++) {
            given().auth().oauth2(alice).get(door("/subscriptions?api-version=2022-12-01")).then().statusCode(200);
            given().auth().oauth2(alice).get(door("/subscriptions/" + CONTOSO
                    + "/providers/Microsoft.Consumption/usageDetails?api-version=2023-05-01")).then().statusCode(200);
        }
        for (String svc : LocalStack.SCALABLE) {
            for (int i = 1; i <= 2; i++) {
                assertTrue(requestsServed(svc, i) > 0, svc + " instance " + i + " served no request");
            }
        }
    }

    /**
     * An instance of each service killed (a crash, a node drained): every request through the door is answered by
     * the other, none 502, and a version published meanwhile replicates (the killed instance's partitions go to the
     * other once the group notices); the instance started again takes its share.
     */
    @Test
    @Order(2)
    void anInstanceThatGoesAwayLeavesTheOtherToAnswer() {
        String alice = token(Realms.CONTOSO, "alice");
        stack.killInstance("catalog-service", 1);
        stack.killInstance("access-service", 2);
        stack.killInstance("billing-service", 1);
        try {
            for (int i = 0; i < 6; i++) {
                given().auth().oauth2(alice).get(door(DEF + API)).then().statusCode(200);
                given().auth().oauth2(alice).get(door("/subscriptions?api-version=2022-12-01")).then().statusCode(200);
                given().auth().oauth2(alice).get(door("/subscriptions/" + CONTOSO
                        + "/providers/Microsoft.Consumption/usageDetails?api-version=2023-05-01")).then().statusCode(200);
            }
            String v = door(DEF + "/versions/2.0.0" + API);
            given().auth().oauth2(alice).contentType(ContentType.JSON).body(versionBody("westeurope", "northeurope"))
                    .put(v).then().statusCode(201);
            await().atMost(Duration.ofSeconds(150)).untilAsserted(() -> given().auth().oauth2(alice)
                    .get(v + "&$expand=ReplicationStatus").then().statusCode(200)
                    .body("properties.provisioningState", is("Succeeded")));
        } finally {
            stack.startInstance("catalog-service", 1);
            stack.startInstance("access-service", 2);
            stack.startInstance("billing-service", 1);
        }
        for (int i = 0; i < 4; i++) {
            given().auth().oauth2(alice).get(door(DEF + API)).then().statusCode(200);
        }
    }

    private static long count(String service, String sql) throws Exception {
        try (Connection db = stack.database(service); PreparedStatement st = db.prepareStatement(sql)) {
            st.setString(1, "%/galleries/two/images/app/versions/1.0.%");
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Requests instance {@code n} of a service has answered (its metrics, on its management interface). */
    private static double requestsServed(String service, int n) {
        String metrics = given().get(stack.managementUrl(service, n) + "/q/metrics").then().statusCode(200)
                .extract().asString();
        double total = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("http_server_requests_seconds_count{")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }
}

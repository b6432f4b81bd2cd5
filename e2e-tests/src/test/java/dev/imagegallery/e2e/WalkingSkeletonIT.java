package dev.imagegallery.e2e;

import dev.imagegallery.devstack.LocalStack;
import dev.imagegallery.devstack.Realms;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The foundation's walking skeleton through every hop, on the whole local stack with real Keycloak tokens: upload,
 * managed image, gallery, definition, version, replication to two regions, status back in the catalog, usage in
 * billing, and the refusals.
 */
class WalkingSkeletonIT {
    static final int OFFSET = 10_000;
    static final String SUB = Realms.CONTOSO_SUBSCRIPTION;
    static final String API = "?api-version=2024-03-03";
    static LocalStack stack;

    @BeforeAll
    static void up() {
        stack = new LocalStack(Path.of("target/stack"), OFFSET).start();
    }

    @AfterAll
    static void down() {
        if (stack != null) {
            stack.close();
        }
    }

    static String token(String realm, String user) {
        return given().formParams(Map.of("grant_type", "password", "client_id", Realms.CLI_CLIENT, "username", user,
                        "password", user))
                .post(stack.issuer(realm) + "/protocol/openid-connect/token")
                .then().statusCode(200).extract().path("access_token");
    }

    static String url(String service, String path) {
        return stack.serviceUrl(service) + path;
    }

    @Test
    void aVersionTravelsThroughEveryService() throws Exception {
        String alice = token(Realms.CONTOSO, "alice");
        String carol = token(Realms.CONTOSO, "carol");
        String bob = token(Realms.FABRIKAM, "bob");

        given().auth().oauth2(alice).get(url("access-service", "/subscriptions?api-version=2022-12-01"))
                .then().statusCode(200)
                .body("value[0].id", is("/subscriptions/" + SUB))
                .body("value[0].subscriptionId", is(SUB))
                .body("value[0].tenantId", is("contoso"));

        // the grants reach catalog-service and replication-service through Kafka
        String rg = "/subscriptions/" + SUB + "/resourceGroups/rg-e2e";
        await().atMost(Duration.ofSeconds(60)).until(() -> given().auth().oauth2(alice)
                .get(url("catalog-service", rg + "/providers/Microsoft.Compute/galleries" + API)).statusCode() == 200);

        byte[] image = new byte[4 * 1024 * 1024];
        new Random(7).nextBytes(image);
        java.util.Arrays.fill(image, 1024 * 1024, 2 * 1024 * 1024, (byte) 0);
        String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image));
        await().atMost(Duration.ofSeconds(60)).until(() -> given().auth().oauth2(alice)
                .get(url("replication-service", "/blobs/westeurope/" + SUB + "/missing")).statusCode() == 404);
        String blobUri = given().auth().oauth2(alice).header("X-Content-SHA256", "sha256:" + hex).body(image)
                .put(url("replication-service", "/blobs/westeurope/" + SUB + "/ubuntu-22.04.raw"))
                .then().statusCode(201)
                .body("digest", is("sha256:" + hex))
                .body("sizeBytes", is(image.length))
                .body("region", is("westeurope"))
                .extract().path("blobUri");

        String mi = rg + "/providers/Microsoft.Compute/images/ubuntu-src";
        given().auth().oauth2(alice).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"properties\":{\"storageProfile\":{\"osDisk\":{"
                        + "\"osType\":\"Linux\",\"osState\":\"Generalized\",\"blobUri\":\"" + blobUri + "\"}}}}")
                .put(url("catalog-service", mi + API)).then().statusCode(201);
        String gallery = rg + "/providers/Microsoft.Compute/galleries/e2egallery";
        given().auth().oauth2(alice).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"properties\":{\"description\":\"e2e\"}}")
                .put(url("catalog-service", gallery + API)).then().statusCode(201);
        given().auth().oauth2(alice).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"properties\":{\"osType\":\"Linux\",\"osState\":\"Generalized\","
                        + "\"identifier\":{\"publisher\":\"contoso\",\"offer\":\"ubuntu\",\"sku\":\"22_04\"}}}")
                .put(url("catalog-service", gallery + "/images/ubuntu" + API)).then().statusCode(201);
        String version = gallery + "/images/ubuntu/versions/1.0.0";
        given().auth().oauth2(alice).contentType(ContentType.JSON)
                .body("{\"location\":\"westeurope\",\"properties\":{\"publishingProfile\":{\"targetRegions\":["
                        + "{\"name\":\"westeurope\",\"regionalReplicaCount\":1},"
                        + "{\"name\":\"northeurope\",\"regionalReplicaCount\":1}]},"
                        + "\"storageProfile\":{\"source\":{\"id\":\"" + mi + "\"}}}}")
                .put(url("catalog-service", version + API)).then().statusCode(201)
                .body("properties.provisioningState", is("Creating"));

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().auth().oauth2(alice)
                .get(url("catalog-service", version + API + "&$expand=ReplicationStatus")).then().statusCode(200)
                .body("properties.provisioningState", is("Succeeded"))
                .body("properties.replicationStatus.aggregatedState", is("Completed"))
                .body("properties.replicationStatus.summary.state", is(List.of("Completed", "Completed"))));

        String usage = "/subscriptions/" + SUB + "/providers/Microsoft.Consumption/usageDetails?api-version=2023-05-01";
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().auth().oauth2(alice)
                .get(url("billing-service", usage)).then().statusCode(200)
                .body("value.properties.resourceLocation", hasItem("westeurope"))
                .body("value.properties.resourceLocation", hasItem("northeurope"))
                .body("value.properties.meterCategory", hasItem("Bandwidth")));
        List<Map<String, Object>> lines = given().auth().oauth2(alice).get(url("billing-service", usage))
                .then().extract().path("value.properties");
        assertTrue(lines.stream().anyMatch(l -> "Bandwidth".equals(l.get("meterCategory"))
                && ((Number) l.get("quantity")).doubleValue() > 0), "egress westeurope to northeurope: " + lines);

        given().auth().oauth2(carol).get(url("catalog-service", gallery + API)).then().statusCode(403);
        given().auth().oauth2(bob).get(url("catalog-service", gallery + API)).then()
                .statusCode(anyOf(is(403), is(404)));
        given().get(url("catalog-service", gallery + API)).then().statusCode(401);
        given().auth().oauth2(carol).get(url("billing-service", usage)).then().statusCode(403);
    }
}

package dev.imagegallery.catalog;

import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.Tokens;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

/** Paths, bodies and the one-time grant seeding the catalog tests share. */
final class CatalogTestSupport {
    static final String API = "?api-version=2024-03-03";
    /** Managed images take the Compute resource provider's api-versions, never a gallery date. */
    static final String MI_API = "?api-version=2024-07-01";
    static final String SUB = Realms.CONTOSO_SUBSCRIPTION;
    static final String RG = "/subscriptions/" + SUB + "/resourceGroups/rg-images";
    private static boolean seeded;

    private CatalogTestSupport() {
    }

    /** Publishes the seed grants to Kafka once and waits until the catalog's read model has them. */
    static synchronized void seedGrants() {
        if (seeded) {
            return;
        }
        TestEvents.publishSeedGrants();
        await().atMost(Duration.ofSeconds(30)).until(() -> given().auth().oauth2(Tokens.alice())
                .get("/subscriptions/" + SUB + "/providers/Microsoft.Compute/galleries" + API).statusCode() == 200);
        seeded = true;
    }

    /** The api-version query for {@code path}: a managed image's or a gallery's. */
    static String api(String path) {
        return path.toLowerCase(java.util.Locale.ROOT).contains("/microsoft.compute/images") ? MI_API : API;
    }

    static String gallery(String name) {
        return RG + "/providers/Microsoft.Compute/galleries/" + name;
    }

    static String galleryBody() {
        return "{\"location\":\"westeurope\",\"tags\":{\"team\":\"platform\"},\"properties\":{\"description\":\"golden images\"}}";
    }

    static String imageBody(String sku) {
        return "{\"location\":\"westeurope\",\"properties\":{\"osType\":\"Linux\",\"osState\":\"Generalized\","
                + "\"hyperVGeneration\":\"V2\",\"identifier\":{\"publisher\":\"contoso\",\"offer\":\"ubuntu\","
                + "\"sku\":\"" + sku + "\"},\"recommended\":{\"vCPUs\":{\"min\":2,\"max\":16}}}}";
    }

    private static final java.util.Set<String> UPLOADED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * A managed image from blob {@code blob} of westeurope, which it announces as replication-service does after an
     * upload ({@code BlobCommitted}): catalog-service creates images only from blobs it knows.
     */
    static String managedImageBody(String blob) {
        uploaded(blob);
        return "{\"location\":\"westeurope\",\"properties\":{\"storageProfile\":{\"osDisk\":{\"osType\":\"Linux\","
                + "\"osState\":\"Generalized\",\"blobUri\":\"http://localhost:8082/blobs/westeurope/" + SUB + "/" + blob
                + "\"}}}}";
    }

    static void uploaded(String blob) {
        if (UPLOADED.add(blob)) {
            TestEvents.publish(dev.imagegallery.events.EventTypes.REPLICATION_TOPIC, dev.imagegallery.events.CloudEvent
                    .of("/tests", dev.imagegallery.events.EventTypes.BLOB_COMMITTED, "/blobs/westeurope/" + SUB + "/"
                            + blob, new dev.imagegallery.events.Payloads.BlobCommitted("westeurope", SUB, blob,
                            "0".repeat(64), 4096, java.time.Instant.now())));
        }
    }

    /**
     * A bearer token of tenant {@code silent}, registered at run time (its {@code tenant_view} row written as
     * access-service's TenantRegistered makes it) with {@code silent} as its issuer: a socket that accepts connections
     * and answers nothing, as an identity provider that hangs. The token's signature is never checked: its issuer's
     * keys never arrive.
     */
    static String tokenOfSilentIssuer(java.net.ServerSocket silent) throws java.sql.SQLException {
        String issuer = "http://127.0.0.1:" + silent.getLocalPort() + "/realms/silent";
        dev.imagegallery.devstack.TestInfra infra = dev.imagegallery.devstack.TestInfra.shared();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(infra.jdbcUrl("catalog"), infra.pgUser(),
                infra.pgPassword()); var st = c.prepareStatement("INSERT INTO tenant_view (tenant_id, issuer) "
                + "VALUES ('silent', ?) ON CONFLICT (tenant_id) DO UPDATE SET issuer = excluded.issuer")) {
            st.setString(1, issuer);
            st.executeUpdate();
        }
        java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"k\"}".getBytes())
                + "." + b64.encodeToString(("{\"iss\":\"" + issuer + "\",\"aud\":\"gallery-api\",\"sub\":\"x\","
                + "\"tid\":\"silent\",\"exp\":4102444800}").getBytes()) + "." + b64.encodeToString(new byte[256]);
    }

    static String versionBody(String sourceId, String... regions) {
        StringBuilder targets = new StringBuilder();
        for (String r : regions) {
            if (targets.length() > 0) {
                targets.append(',');
            }
            targets.append("{\"name\":\"").append(r).append("\",\"regionalReplicaCount\":1}");
        }
        return "{\"location\":\"westeurope\",\"properties\":{\"publishingProfile\":{\"targetRegions\":[" + targets
                + "]},\"storageProfile\":{\"source\":{\"id\":\"" + sourceId + "\"}}}}";
    }
}

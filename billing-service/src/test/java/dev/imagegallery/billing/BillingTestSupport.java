package dev.imagegallery.billing;

import dev.imagegallery.devstack.Realms;
import dev.imagegallery.devstack.TestEvents;
import dev.imagegallery.devstack.Tokens;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Json;
import dev.imagegallery.events.Payloads;
import io.restassured.path.json.config.JsonPathConfig;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

/** Events, paths and readings shared by billing-service's tests. Every test uses versions of its own. */
final class BillingTestSupport {
    static final String SUB = Realms.CONTOSO_SUBSCRIPTION;
    static final long GIB = 1L << 30;
    static final Duration PATIENCE = Duration.ofSeconds(60);
    static final String OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
    static final String READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
    static final String IMAGE_READER = "cf7c76d2-98a3-4358-a134-615aa78bf44d";
    private static boolean published;
    private static boolean known;

    /** One usage line as read back, numbers exact. */
    record Line(String date, String category, String meterName, String location, BigDecimal quantity,
                BigDecimal unitPrice, BigDecimal cost, Map<String, Object> info, Map<String, Object> raw) {
    }

    private BillingTestSupport() {
    }

    static LocalDate today() {
        return LocalDate.now(ZoneOffset.UTC);
    }

    static Instant at(LocalDate day, int hour) {
        return day.atTime(LocalTime.of(hour, 0)).toInstant(ZoneOffset.UTC);
    }

    /** Publishes the seed subscriptions and Owner grants, once per JVM (from {@code @BeforeAll}). */
    static synchronized void publishSeedGrants() {
        if (!published) {
            TestEvents.publishSeedGrants();
            published = true;
        }
    }

    /**
     * Waits until billing-service's read model knows the seed grants (from {@code @BeforeEach}: RestAssured is
     * pointed at the application only around each test).
     */
    static synchronized void awaitSeedGrants() {
        if (!known) {
            await().atMost(PATIENCE).untilAsserted(() -> given().auth().oauth2(Tokens.alice())
                    .get(usagePath(null, null)).then().statusCode(200));
            known = true;
        }
    }

    static String usagePath(LocalDate start, LocalDate end) {
        return usagePath(SUB, start, end);
    }

    static String usagePath(String sub, LocalDate start, LocalDate end) {
        return "/subscriptions/" + sub + "/providers/Microsoft.Consumption/usageDetails?api-version=2023-05-01"
                + (start == null ? "" : "&startDate=" + start) + (end == null ? "" : "&endDate=" + end);
    }

    static String newVersionId() {
        return "/subscriptions/" + SUB + "/resourceGroups/rg-billing/providers/Microsoft.Compute/galleries/g"
                + UUID.randomUUID().toString().substring(0, 8) + "/images/ubuntu/versions/1.0.0";
    }

    /** A region's replicas completed; the byte counts are of one replica, as replication-service reports them. */
    static CloudEvent replicaCompleted(String versionId, String region, int replicas, String storageType,
                                       long physicalBytesPerReplica, long logicalBytesPerReplica,
                                       Instant completedAt) {
        return replicaCompleted(SUB, versionId, region, replicas, storageType, physicalBytesPerReplica,
                logicalBytesPerReplica, completedAt);
    }

    static CloudEvent replicaCompleted(String sub, String versionId, String region, int replicas, String storageType,
                                       long physicalBytesPerReplica, long logicalBytesPerReplica,
                                       Instant completedAt) {
        return at(completedAt, CloudEvent.of("/tests", EventTypes.REPLICA_COMPLETED, versionId,
                new Payloads.ReplicaCompleted(versionId, sub, region, replicas, storageType, "sha256:" + "ab".repeat(32),
                        physicalBytesPerReplica, logicalBytesPerReplica, completedAt)));
    }

    /** replication-service removed a version's replicas in one region (a region dropped, or the version deleted). */
    static CloudEvent replicaDeleted(String versionId, String region, int replicas, Instant deletedAt) {
        return replicaDeleted(SUB, versionId, region, replicas, deletedAt);
    }

    static CloudEvent replicaDeleted(String sub, String versionId, String region, int replicas, Instant deletedAt) {
        return at(deletedAt, CloudEvent.of("/tests", EventTypes.REPLICA_DELETED, versionId,
                new Payloads.ReplicaDeleted(versionId, sub, region, replicas, deletedAt)));
    }

    static CloudEvent egress(String versionId, String from, String to, long bytes, Instant at) {
        return egress(SUB, versionId, from, to, bytes, at);
    }

    static CloudEvent egress(String sub, String versionId, String from, String to, long bytes, Instant at) {
        return at(at, CloudEvent.of("/tests", EventTypes.EGRESS_TRANSFERRED, versionId,
                new Payloads.EgressTransferred(versionId, sub, from, to, bytes, at)));
    }

    /**
     * The event as its producer would have stamped it when the fact happened (knowledge time = event time; billing
     * invoices a month as known at its cutoff).
     */
    static CloudEvent at(Instant time, CloudEvent e) {
        return new CloudEvent(e.specversion(), e.id(), e.source(), e.type(), e.subject(), time, e.datacontenttype(),
                e.dataschema(), e.data());
    }

    /** The same fact, reported at {@code time} (later than it happened: a late event). */
    static CloudEvent reportedAt(Instant time, CloudEvent e) {
        return at(time, e);
    }

    /** A version id under another subscription. */
    static String newVersionId(String sub) {
        return "/subscriptions/" + sub + "/resourceGroups/rg-billing/providers/Microsoft.Compute/galleries/g"
                + UUID.randomUUID().toString().substring(0, 8) + "/images/ubuntu/versions/1.0.0";
    }

    /**
     * A subscription of contoso of its own for a test (so that its invoices are its alone), with alice as Owner;
     * answers when billing-service lets alice read it.
     */
    static String newSubscription() {
        String sub = UUID.randomUUID().toString();
        TestEvents.publish(EventTypes.ACCESS_TOPIC, CloudEvent.of("/tests", EventTypes.SUBSCRIPTION_CREATED,
                "/subscriptions/" + sub, new Payloads.SubscriptionCreated(sub, Realms.CONTOSO, "Billing test")));
        TestEvents.grant(UUID.randomUUID().toString(), Realms.CONTOSO, "/subscriptions/" + sub, Realms.ALICE, OWNER);
        await().atMost(PATIENCE).untilAsserted(() -> given().auth().oauth2(Tokens.alice())
                .get(invoicesPath(sub)).then().statusCode(200));
        return sub;
    }

    static String invoicesPath(String sub) {
        return "/subscriptions/" + sub + "/providers/Microsoft.Consumption/invoices?api-version=2023-05-01";
    }

    static String invoicePath(String sub, String month) {
        return "/subscriptions/" + sub + "/providers/Microsoft.Consumption/invoices/" + month
                + "?api-version=2023-05-01";
    }

    static final String PRICE_SHEET = "/providers/Microsoft.Consumption/priceSheets/default?api-version=2023-05-01";

    /** Exact numbers from a JSON answer. */
    static io.restassured.path.json.JsonPath exact(io.restassured.response.Response r) {
        return r.then().extract().jsonPath(JsonPathConfig.jsonPathConfig()
                .numberReturnType(JsonPathConfig.NumberReturnType.BIG_DECIMAL));
    }

    /** Alice's usage lines of any version of a subscription from start to end. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> usageOf(String sub, LocalDate start, LocalDate end) {
        List<Map<String, Object>> value = given().auth().oauth2(Tokens.alice())
                .get(usagePath(sub, start, end) + "&$top=5000")
                .then().statusCode(200).extract()
                .jsonPath(JsonPathConfig.jsonPathConfig().numberReturnType(JsonPathConfig.NumberReturnType.BIG_DECIMAL))
                .getList("value");
        return value.stream().map(v -> (Map<String, Object>) v.get("properties")).toList();
    }

    /** The sum of the quantities of a subscription's usage lines of one meter. */
    static BigDecimal usageQuantity(String sub, LocalDate start, LocalDate end, String meterName) {
        return usageOf(sub, start, end).stream().filter(p -> meterName.equals(p.get("meterName")))
                .map(p -> (BigDecimal) p.get("quantity")).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /** A VersionDeleted at a given time (CloudEvent.of would stamp it now). */
    static CloudEvent versionDeleted(String versionId, Instant time) {
        return new CloudEvent(CloudEvent.SPEC_VERSION, UUID.randomUUID().toString(), "/tests",
                EventTypes.VERSION_DELETED, versionId, time, "application/json",
                EventTypes.schemaOf(EventTypes.VERSION_DELETED),
                Json.MAPPER.valueToTree(new Payloads.VersionDeleted(versionId, SUB)));
    }

    static void publishReplication(CloudEvent e) {
        TestEvents.publish(EventTypes.REPLICATION_TOPIC, e);
    }

    /** A usage event off the contract on purpose (a negative count, an unknown region...): billing must refuse it. */
    static void publishReplicationUnchecked(CloudEvent e) {
        TestEvents.publishUnchecked(EventTypes.REPLICATION_TOPIC, e);
    }

    static void publishCatalog(CloudEvent e) {
        TestEvents.publish(EventTypes.CATALOG_TOPIC, e);
    }

    /** Alice's usage lines of one version from start to end. */
    @SuppressWarnings("unchecked")
    static List<Line> lines(String versionId, LocalDate start, LocalDate end) {
        List<Map<String, Object>> value = given().auth().oauth2(Tokens.alice()).get(usagePath(start, end))
                .then().statusCode(200).extract()
                .jsonPath(JsonPathConfig.jsonPathConfig().numberReturnType(JsonPathConfig.NumberReturnType.BIG_DECIMAL))
                .getList("value");
        return value.stream()
                .filter(v -> versionId.equals(((Map<String, Object>) v.get("properties")).get("resourceId")))
                .map(v -> {
                    var p = (Map<String, Object>) v.get("properties");
                    Map<String, Object> info = Json.read((String) p.get("additionalInfo"), Map.class);
                    return new Line(((String) p.get("date")).substring(0, 10), (String) p.get("meterCategory"),
                            (String) p.get("meterName"), (String) p.get("resourceLocation"),
                            (BigDecimal) p.get("quantity"), (BigDecimal) p.get("unitPrice"), (BigDecimal) p.get("cost"),
                            info, v);
                })
                .toList();
    }

    static List<Line> storage(List<Line> lines) {
        return lines.stream().filter(l -> l.category().equals("Storage")).toList();
    }

    static List<Line> bandwidth(List<Line> lines) {
        return lines.stream().filter(l -> l.category().equals("Bandwidth")).toList();
    }

    static Line on(List<Line> lines, LocalDate day) {
        return lines.stream().filter(l -> l.date().equals(day.toString())).findFirst()
                .orElseThrow(() -> new AssertionError("no line on " + day + " in " + lines));
    }
}

package dev.imagegallery.events;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The wire form of the payloads whose fields changed, and the reading of events written in the form before. */
class PayloadsCompatibilityTest {
    static final String SUB = "6f1c2a34-0000-4000-8000-00000000c0de";
    static final String URI = "http://localhost:8082/blobs/westeurope/" + SUB + "/ubuntu.raw";
    static final String VERSION = "/subscriptions/" + SUB + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g"
            + "/images/i/versions/1.0.0";

    static Set<String> fields(Object payload) {
        Set<String> names = new TreeSet<>();
        Json.MAPPER.valueToTree(payload).fieldNames().forEachRemaining(names::add);
        return names;
    }

    static <T> T read(String json, Class<T> type) {
        return CloudEvent.parse("{\"id\":\"e\",\"type\":\"t\",\"data\":" + json + "}").dataAs(type);
    }

    @Test
    void versionPublishedCarriesItsSourceBlobAsAReference() {
        var p = new Payloads.VersionPublished(VERSION, SUB, "contoso", BlobRef.parse(URI), 0,
                List.of(new Payloads.TargetRegion("westeurope", 1, "Standard_LRS")));
        assertEquals(Set.of("versionId", "subscriptionId", "tenantId", "sourceBlob", "sizeBytes", "targetRegions",
                "replicationMode"), fields(p));
        assertEquals("Full", p.replicationMode());
        JsonNode blob = Json.MAPPER.valueToTree(p).path("sourceBlob");
        assertEquals(Set.of("baseUrl", "region", "subscriptionId", "name"), fields(blob));
        assertEquals(p, read(Json.write(p), Payloads.VersionPublished.class));
    }

    @Test
    void aShallowVersionPublishedSaysSoAndOneWithoutAModeIsFull() {
        var p = new Payloads.VersionPublished(VERSION, SUB, "contoso", BlobRef.parse(URI), 0,
                List.of(new Payloads.TargetRegion("westeurope", 1, "Standard_LRS")), "Shallow");
        var back = read(Json.write(p), Payloads.VersionPublished.class);
        assertEquals(p, back);
        assertTrue(back.shallow());
        var before = read("{\"versionId\":\"" + VERSION + "\",\"subscriptionId\":\"" + SUB + "\",\"sourceBlob\":"
                + Json.write(BlobRef.parse(URI)) + ",\"sizeBytes\":0,\"targetRegions\":[]}",
                Payloads.VersionPublished.class);
        assertEquals("Full", before.replicationMode());
        assertFalse(before.shallow());
    }

    @Test
    void aVersionPublishedOfTheFormerShapeStillReads() {
        var p = read("{\"versionId\":\"" + VERSION + "\",\"subscriptionId\":\"" + SUB + "\",\"tenantId\":\"contoso\","
                + "\"sourceRegion\":\"westeurope\",\"sourceBlobUri\":\"" + URI + "\",\"digest\":null,\"sizeBytes\":0,"
                + "\"usedBytes\":0,\"targetRegions\":[{\"name\":\"northeurope\",\"regionalReplicaCount\":2,"
                + "\"storageAccountType\":\"Standard_LRS\"}]}", Payloads.VersionPublished.class);
        assertEquals(BlobRef.parse(URI), p.sourceBlob());
        assertEquals("westeurope", p.sourceBlob().region());
        assertEquals(2, p.targetRegions().get(0).regionalReplicaCount());
    }

    @Test
    void aFormerSourceBlobUriThatIsNoBlobOfThisSystemReadsAsNoSource() {
        var p = read("{\"versionId\":\"v\",\"subscriptionId\":\"" + SUB + "\",\"sourceBlobUri\":"
                + "\"http://elsewhere/blobs/westeurope/" + SUB + "/..%2Fother\",\"targetRegions\":[]}",
                Payloads.VersionPublished.class);
        assertNull(p.sourceBlob());
        var changed = read("{\"versionId\":\"v\",\"subscriptionId\":\"" + SUB + "\",\"sourceBlobUri\":\"" + URI
                + "\",\"targetRegions\":[],\"removedRegions\":[\"eastus\"]}", Payloads.VersionTargetRegionsChanged.class);
        assertEquals(BlobRef.parse(URI), changed.sourceBlob());
        assertEquals(List.of("eastus"), changed.removedRegions());
    }

    @Test
    void aSourceBlobIsCheckedByTheOneParserWhenRead() {
        String evil = "{\"versionId\":\"v\",\"subscriptionId\":\"" + SUB + "\",\"sourceBlob\":{\"baseUrl\":"
                + "\"http://localhost:8082\",\"region\":\"westeurope\",\"subscriptionId\":\"" + SUB + "\",\"name\":"
                + "\"../" + "other\"},\"targetRegions\":[]}";
        assertThrows(IllegalArgumentException.class, () -> read(evil, Payloads.VersionPublished.class));
        String moon = evil.replace("../other", "ok.raw").replace("westeurope", "moon");
        assertThrows(IllegalArgumentException.class, () -> read(moon, Payloads.VersionPublished.class));
    }

    @Test
    void replicaCompletedCarriesTheBytesOfOneReplica() {
        var p = new Payloads.ReplicaCompleted(VERSION, SUB, "westeurope", 3, "Standard_LRS", "sha256:ab", 100, 250,
                Instant.parse("2026-12-01T00:00:00Z"));
        assertEquals(Set.of("versionId", "subscriptionId", "region", "replicaCount", "storageAccountType", "digest",
                "physicalBytesPerReplica", "logicalBytesPerReplica", "completedAt"), fields(p));
        assertEquals(300, p.physicalBytesOfAllReplicas());
        assertEquals(750, p.logicalBytesOfAllReplicas());
        assertEquals(p, read(Json.write(p), Payloads.ReplicaCompleted.class));
    }

    @Test
    void aReplicaCompletedOfTheFormerShapeReadsAsBytesPerReplica() {
        var p = read("{\"versionId\":\"v\",\"subscriptionId\":\"s\",\"region\":\"westeurope\",\"replicaCount\":3,"
                + "\"storageAccountType\":\"Standard_LRS\",\"digest\":\"sha256:ab\",\"physicalBytes\":300,"
                + "\"logicalBytes\":750,\"completedAt\":\"2026-12-01T00:00:00Z\"}", Payloads.ReplicaCompleted.class);
        assertEquals(100, p.physicalBytesPerReplica());
        assertEquals(250, p.logicalBytesPerReplica());
        assertEquals(300, p.physicalBytesOfAllReplicas());
        assertEquals(750, p.logicalBytesOfAllReplicas());
        var noCount = read("{\"versionId\":\"v\",\"physicalBytes\":300,\"logicalBytes\":750}",
                Payloads.ReplicaCompleted.class);
        assertEquals(300, noCount.physicalBytesPerReplica());
    }
}

package dev.imagegallery.devstack;

import dev.imagegallery.events.BlobRef;
import dev.imagegallery.events.CloudEvent;
import dev.imagegallery.events.EventTypes;
import dev.imagegallery.events.Payloads;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** One schema per internal event type, no schema without a type, and the payload types write what they say. */
class EventSchemasTest {
    static final String SUB = Realms.CONTOSO_SUBSCRIPTION;
    static final String GALLERY = "/subscriptions/" + SUB + "/resourceGroups/rg/providers/Microsoft.Compute/galleries/g";
    static final String VERSION = GALLERY + "/images/i/versions/1.0.0";
    static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    static final String DIGEST = "sha256:" + "ab".repeat(32);

    @Test
    void everyInternalEventTypeHasExactlyOneSchema() throws IOException {
        Set<String> files;
        try (Stream<Path> s = Files.list(EventSchemas.internalDir())) {
            files = s.map(p -> p.getFileName().toString().replaceFirst("\\.json$", ""))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(new TreeSet<>(EventTypes.TYPES), files);
    }

    static CloudEvent event(String type, Object payload) {
        return CloudEvent.of("/services/tests", type, "subject", payload);
    }

    /** One event of every type, as the producers build them. */
    static List<CloudEvent> samples() {
        var target = new Payloads.TargetRegion("northeurope", 2, "Standard_ZRS");
        var blob = BlobRef.parse("http://localhost:8082/blobs/westeurope/" + SUB + "/disk.raw");
        var grant = new Payloads.RoleAssignment("5eed0000-0000-4000-8000-0000000a11ce", "contoso",
                "/subscriptions/" + SUB, "alice", "User", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner");
        return List.of(
                event(EventTypes.VERSION_PUBLISHED, new Payloads.VersionPublished(VERSION, SUB, "contoso", blob, 0,
                        List.of(target))),
                event(EventTypes.VERSION_PUBLISHED, new Payloads.VersionPublished(VERSION, SUB, "contoso", blob, 0,
                        List.of(target), Payloads.VersionPublished.FULL, null, "ab".repeat(32))),
                event(EventTypes.MANAGED_IMAGE_CHANGED, new Payloads.ManagedImageChanged("/subscriptions/" + SUB
                        + "/resourceGroups/rg/providers/Microsoft.Compute/images/img", SUB, null, blob, "ab".repeat(32),
                        false)),
                event(EventTypes.VERSION_DELETED, new Payloads.VersionDeleted(VERSION, SUB)),
                event(EventTypes.VERSION_TARGET_REGIONS_CHANGED, new Payloads.VersionTargetRegionsChanged(VERSION, SUB,
                        "contoso", blob, List.of(target), List.of("eastus"))),
                event(EventTypes.VERSION_LIFECYCLE_CHANGED, new Payloads.VersionLifecycleChanged(VERSION, SUB,
                        "Deprecated", null)),
                event(EventTypes.VERSION_SOFT_DELETED, new Payloads.VersionSoftDeleted(VERSION, SUB, true)),
                event(EventTypes.GALLERY_CHANGED, new Payloads.GalleryChanged(GALLERY, SUB, "contoso", "g-1234",
                        "westeurope", false)),
                event(EventTypes.IMAGE_DEFINITION_CHANGED, new Payloads.ImageDefinitionChanged(GALLERY + "/images/i",
                        SUB, true)),
                event(EventTypes.REPLICA_COMPLETED, new Payloads.ReplicaCompleted(VERSION, SUB, "northeurope", 2,
                        "Standard_ZRS", DIGEST, 100, 250, NOW)),
                event(EventTypes.REPLICA_FAILED, new Payloads.ReplicaFailed(VERSION, SUB, "eastus", "gone")),
                event(EventTypes.EGRESS_TRANSFERRED, new Payloads.EgressTransferred(VERSION, SUB, "westeurope",
                        "northeurope", 4096, NOW)),
                event(EventTypes.REPLICA_PROGRESS, new Payloads.ReplicaProgress(VERSION, SUB, "northeurope", 45, 4096,
                        NOW)),
                event(EventTypes.REPLICA_DELETED, new Payloads.ReplicaDeleted(VERSION, SUB, "northeurope", 2, NOW)),
                event(EventTypes.BLOB_COMMITTED, new Payloads.BlobCommitted("westeurope", SUB, "disk.raw",
                        "ab".repeat(32), 8192, NOW)),
                event(EventTypes.BLOB_DELETED, new Payloads.BlobDeleted("westeurope", SUB, "disk.raw", NOW)),
                event(EventTypes.CHUNK_REPAIRED, new Payloads.ChunkRepaired("westeurope", 0, DIGEST, "corrupt",
                        "westeurope", 1, NOW)),
                event(EventTypes.SUBSCRIPTION_CREATED, new Payloads.SubscriptionCreated(SUB, "contoso", "Production")),
                event(EventTypes.ROLE_ASSIGNMENT_CREATED, grant),
                event(EventTypes.ROLE_ASSIGNMENT_DELETED, grant),
                event(EventTypes.GALLERY_SHARING_CHANGED, new Payloads.GallerySharingChanged(GALLERY, "g-1234",
                        "contoso", SUB, "westeurope", List.of(new Payloads.ShareEntry("AADTenants", "fabrikam",
                        "fabrikam", "Pending")), new Payloads.CommunityInfo(true, "pub-1", "pub", null, null, null),
                        7L)),
                event(EventTypes.TENANT_REGISTERED, new Payloads.TenantRegistered("northwind",
                        "http://localhost:8180/realms/northwind", "Northwind")),
                event(EventTypes.ACCESS_DENIED, new Payloads.AccessDenied("catalog-service", "fabrikam", "bob",
                        "read", GALLERY, "NotFound", NOW)),
                event(EventTypes.USAGE_EVENT_REJECTED, new Payloads.UsageEventRejected(null, null,
                        EventTypes.REPLICATION_TOPIC, "not a CloudEvent: ...", "{garbage")));
    }

    @Test
    void theEventsTheProducersBuildAreWhatTheSchemasSay() {
        List<CloudEvent> all = samples();
        assertEquals(new TreeSet<>(EventTypes.TYPES), all.stream().map(CloudEvent::type)
                .collect(Collectors.toCollection(TreeSet::new)), "a sample of every type");
        EventSchemas.checkAll(all);
    }

    @Test
    void aFieldTheSchemaDoesNotKnowOrAFormerShapeBreaksIt() {
        var legacy = event(EventTypes.REPLICA_COMPLETED, Map.of("versionId", VERSION, "subscriptionId", SUB,
                "region", "westeurope", "replicaCount", 2, "storageAccountType", "Standard_LRS", "digest", DIGEST,
                "physicalBytes", 200, "logicalBytes", 500, "completedAt", NOW.toString()));
        assertFalse(EventSchemas.problems(legacy).isEmpty());
        var unknownStorage = event(EventTypes.REPLICA_DELETED, Map.of("versionId", VERSION, "subscriptionId", SUB,
                "region", "westeurope", "replicaCount", 0, "deletedAt", NOW.toString()));
        assertThrows(AssertionError.class, () -> EventSchemas.check(unknownStorage));
    }
}

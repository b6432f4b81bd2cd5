package dev.imagegallery.e2e;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.Region;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.management.profile.AzureProfile;
import com.azure.core.util.Context;
import com.azure.resourcemanager.authorization.AuthorizationManager;
import com.azure.resourcemanager.authorization.models.BuiltInRole;
import com.azure.resourcemanager.authorization.models.RoleAssignment;
import com.azure.resourcemanager.compute.ComputeManager;
import com.azure.resourcemanager.compute.fluent.models.GalleryImageVersionInner;
import com.azure.resourcemanager.compute.fluent.models.GalleryInner;
import com.azure.resourcemanager.compute.fluent.models.SharingUpdateInner;
import com.azure.resourcemanager.compute.models.ReplicationStatusTypes;
import com.azure.resourcemanager.compute.models.AggregatedReplicationState;
import com.azure.resourcemanager.compute.models.Gallery;
import com.azure.resourcemanager.compute.models.GalleryImage;
import com.azure.resourcemanager.compute.models.GalleryImageVersion;
import com.azure.resourcemanager.compute.models.OperatingSystemStateTypes;
import com.azure.resourcemanager.compute.models.SelectPermissions;
import com.azure.resourcemanager.compute.models.SharingProfileGroup;
import com.azure.resourcemanager.compute.models.SharingProfileGroupTypes;
import com.azure.resourcemanager.compute.models.SharingUpdateOperationTypes;
import com.azure.resourcemanager.compute.models.TargetRegion;
import com.azure.resourcemanager.compute.models.VirtualMachineCustomImage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagegallery.devstack.Realms;
import io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15: the official Azure SDKs drive the core story end to end through the front door over HTTPS, as a user who
 * points their tools at this system would. One stack serves both suites.
 * <ul>
 * <li>Java: azure-resourcemanager-compute, -authorization, -resources 2.46.0 (galleries 2024-03-03, managed images
 * 2024-07-01, role assignments 2022-04-01), signed in with the SDK's standard
 * {@code authenticate(TokenCredential, AzureProfile)}: a {@link TokenCredential} that gets Keycloak tokens and an
 * {@link AzureEnvironment} whose endpoints name the door; the SDK's Netty client trusts the stack's generated CA.</li>
 * <li>JavaScript: {@code src/test/js/story.mjs} with {@code @azure/arm-compute} 22.4.0 and 25.1.1 and
 * {@code @azure/arm-authorization}, installed with npm into {@code target/js-sdk} (downloads cached in
 * {@code ~/.cache/image-gallery/npm}), the stack's CA in {@code NODE_EXTRA_CA_CERTS}; skipped where node/npm is
 * missing.</li>
 * </ul>
 * Each step of a story is recorded; a failing step does not hide the ones after it (a step that depends on a failed
 * one is set up without the SDK where that is possible), and the test fails listing every failed step with the request
 * and the error the SDK saw.
 */
class AzureSdkIT extends StackIT {
    /** How long after the server's Succeeded the SDK may take to return a version create (the issue: 3 s). */
    static final Duration LRO_SLACK = Duration.ofSeconds(5);
    static final ObjectMapper JSON = new ObjectMapper();
    static java.net.http.HttpClient plain;
    static HttpClient sdkHttp;
    static AzureEnvironment door;

    @BeforeAll
    static void up() throws Exception {
        stack = shared();
        // the JDK client (uploads, setup, the poller that watches the server) and the SDK's Netty client: both trust
        // the stack's own CA and nothing else
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(stack.tls().trustStore())) {
            trust.load(in, dev.imagegallery.devstack.LocalTls.TRUSTSTORE_PASSWORD.toCharArray());
        }
        var tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        var ssl = javax.net.ssl.SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        plain = java.net.http.HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();
        var netty = SslContextBuilder.forClient().trustManager(stack.tls().caCertificate().toFile()).build();
        sdkHttp = new NettyAsyncHttpClientBuilder(reactor.netty.http.client.HttpClient.create()
                .secure(spec -> spec.sslContext(netty))).build();
        // a custom cloud whose every ARM endpoint is the door ("token credentials require a URL using the HTTPS
        // protocol scheme": the door's https is what makes the standard path possible)
        Map<String, String> endpoints = new HashMap<>(AzureEnvironment.AZURE.getEndpoints());
        String base = stack.doorUrl() + "/";
        endpoints.put("resourceManagerEndpointUrl", base);
        endpoints.put("managementEndpointUrl", base);
        endpoints.put("activeDirectoryResourceId", base);
        endpoints.put("activeDirectoryEndpointUrl", stack.issuer(Realms.CONTOSO) + "/");
        endpoints.put("microsoftGraphEndpointUrl", base);
        endpoints.put("microsoftGraphResourceId", base);
        door = new AzureEnvironment(endpoints);
    }

    /** The SDK's sign-in: a Keycloak token of {@code user}, renewed by the SDK when it runs out. */
    static TokenCredential credential(String realm, String user) {
        return request -> Mono.fromCallable(() -> new AccessToken(token(realm, user),
                OffsetDateTime.now().plusMinutes(2)));
    }

    static AzureProfile profile(String tenant, String subscription) {
        return new AzureProfile(tenant, subscription, door);
    }

    static ComputeManager compute(String realm, String user, String subscription) {
        return ComputeManager.configure().withHttpClient(sdkHttp)
                .authenticate(credential(realm, user), profile(realm, subscription));
    }

    static HttpResponse<String> send(String token, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stack.doorUrl() + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token);
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return plain.send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** 1 MiB of random bytes uploaded through the door's data plane; answers the blob's URI. */
    static String upload(String token, String name) throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> send(token, "GET", "/subscriptions/" + CONTOSO
                + "/providers/Microsoft.Compute/galleries" + API, null).statusCode() == 200);
        await().atMost(Duration.ofSeconds(60)).until(() -> send(token, "GET", "/blobs/westeurope/" + CONTOSO
                + "/missing", null).statusCode() == 404);
        byte[] image = new byte[1 << 20];
        new Random(name.hashCode()).nextBytes(image);
        HttpResponse<String> up = plain.send(HttpRequest.newBuilder(URI.create(stack.doorUrl() + "/blobs/westeurope/"
                        + CONTOSO + "/" + name + ".vhd")).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token).PUT(HttpRequest.BodyPublishers.ofByteArray(image)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, up.statusCode(), up.body());
        String blobUri = JSON.readTree(up.body()).path("blobUri").asText();
        // on the host the client called (the door), not replication-service's own port, which a client may not reach
        assertTrue(blobUri.startsWith(stack.doorUrl() + "/blobs/westeurope/"), blobUri);
        return blobUri;
    }

    /** The steps of one story: each passes or fails on its own, and the test fails at the end listing the failures. */
    static final class Story {
        final String name;
        final List<String> passed = new ArrayList<>();
        final Map<String, String> failed = new LinkedHashMap<>();

        Story(String name) {
            this.name = name;
        }

        <T> T step(String step, Callable<T> body) {
            try {
                T result = body.call();
                passed.add(step);
                System.out.println("[" + name + "] PASS " + step);
                return result;
            } catch (Throwable e) {
                failed.put(step, describe(e));
                System.out.println("[" + name + "] FAIL " + step + ": " + describe(e));
                return null;
            }
        }

        void check(String step, Runnable body) {
            step(step, () -> {
                body.run();
                return Boolean.TRUE;
            });
        }

        void assertAllPassed() {
            String report = name + ": " + passed.size() + " of " + (passed.size() + failed.size()) + " steps passed"
                    + failed.entrySet().stream().map(e -> "\n  FAILED " + e.getKey() + ": " + e.getValue())
                    .collect(Collectors.joining());
            System.out.println(report);
            assertTrue(failed.isEmpty(), report);
        }

        static String describe(Throwable e) {
            if (e instanceof ManagementException m) {
                var r = m.getResponse();
                return "ManagementException " + (r == null ? "" : r.getStatusCode() + " on "
                        + r.getRequest().getHttpMethod() + " " + r.getRequest().getUrl() + " ")
                        + (m.getValue() == null ? "" : "code=" + m.getValue().getCode() + " target="
                        + m.getValue().getTarget() + " ") + "message=" + m.getMessage();
            }
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    /**
     * The core story with azure-resourcemanager 2.46.0 as alice of contoso: a managed image from an uploaded disk, a
     * gallery, a definition with recommendations, version 1.0.0 in two regions with replica counts and its
     * replication status, an update that adds a region excluded from latest, a Reader assignment for carol with
     * {@code withBuiltInRole}, the gallery shared with fabrikam's subscription (and seen there by bob), a list longer
     * than a page, errors as {@link ManagementException} with code and target, and deletion in order.
     */
    @Test
    void theJavaSdkDrivesTheCoreStoryThroughTheDoor() throws Exception {
        String aliceToken = token(Realms.CONTOSO, "alice");
        String rg = "rg-sdk-java";
        String group = "/subscriptions/" + CONTOSO + "/resourceGroups/" + rg;
        String blobUri = upload(aliceToken, "sdk-java");
        ComputeManager compute = compute(Realms.CONTOSO, "alice", CONTOSO);
        AuthorizationManager authz = AuthorizationManager.configure().withHttpClient(sdkHttp)
                .authenticate(credential(Realms.CONTOSO, "alice"), profile(Realms.CONTOSO, CONTOSO));
        Story story = new Story("java-sdk 2.46.0");

        // managed image (Microsoft.Compute/images, api-version 2024-07-01)
        VirtualMachineCustomImage image = story.step("managed image from the uploaded disk",
                () -> compute.virtualMachineCustomImages().define("sdk-src").withRegion(Region.EUROPE_WEST)
                        .withExistingResourceGroup(rg).withLinuxFromVhd(blobUri, OperatingSystemStateTypes.GENERALIZED)
                        .create());
        String imageId = group + "/providers/Microsoft.Compute/images/sdk-src";
        if (image == null) {
            // the rest of the story needs the image: made without the SDK (the failure above stays reported)
            HttpResponse<String> made = send(aliceToken, "PUT", imageId + API, "{\"location\":\"westeurope\","
                    + "\"properties\":{\"storageProfile\":{\"osDisk\":{\"osType\":\"Linux\",\"osState\":\"Generalized\","
                    + "\"blobUri\":\"" + blobUri + "\"}}}}");
            assertTrue(made.statusCode() / 100 == 2, made.body());
        } else {
            story.check("managed image answers as created", () -> {
                assertEquals("sdk-src", image.name());
                assertTrue(image.id().equalsIgnoreCase(imageId), image.id());
            });
        }

        Gallery gallery = story.step("gallery", () -> compute.galleries().define("sdkgallery")
                .withRegion(Region.EUROPE_WEST).withExistingResourceGroup(rg)
                .withDescription("the core story with the Java SDK").create());
        assertNotNull(gallery, "gallery: " + story.failed);
        GalleryImage definition = story.step("definition with recommendations", () -> compute.galleryImages()
                .define("nginx").withExistingGallery(gallery).withLocation(Region.EUROPE_WEST)
                .withIdentifier("corpLinuxTeam", "nginx", "ubuntu-16.04").withGeneralizedLinux()
                .withRecommendedCPUsCountForVirtualMachine(2, 8).withRecommendedMemoryForVirtualMachine(2, 16)
                .create());
        assertNotNull(definition, "definition: " + story.failed);
        story.check("definition answers its identifier and recommendations", () -> {
            assertEquals("corpLinuxTeam", definition.identifier().publisher());
            assertEquals("ubuntu-16.04", definition.identifier().sku());
            assertEquals(8, definition.recommendedVirtualMachineConfiguration().vCPUs().max());
        });

        // version 1.0.0 in two regions, replica counts 1 and 2; a poller beside the SDK notes when the server says
        // Succeeded, so that the SDK's own wait after it is measured
        String versionPath = group + "/providers/Microsoft.Compute/galleries/sdkgallery/images/nginx/versions/1.0.0";
        AtomicReference<Long> serverSucceeded = new AtomicReference<>();
        ExecutorService watcher = Executors.newSingleThreadExecutor();
        Future<?> watching = watcher.submit(() -> {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < end && serverSucceeded.get() == null) {
                try {
                    HttpResponse<String> r = send(aliceToken, "GET", versionPath + API, null);
                    if (r.statusCode() == 200 && JSON.readTree(r.body()).path("properties")
                            .path("provisioningState").asText().equals("Succeeded")) {
                        serverSucceeded.set(System.nanoTime());
                    }
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // the next round asks again
                }
            }
        });
        long started = System.nanoTime();
        GalleryImageVersion version = story.step("version 1.0.0 in two regions with replica counts",
                () -> compute.galleryImageVersions().define("1.0.0").withExistingImage(rg, "sdkgallery", "nginx")
                        .withLocation(Region.EUROPE_WEST).withSourceCustomImage(imageId)
                        .withRegionAvailability(Region.EUROPE_WEST, 1).withRegionAvailability(Region.EUROPE_NORTH, 2)
                        .create());
        long returned = System.nanoTime();
        watching.get(130, TimeUnit.SECONDS);
        watcher.shutdownNow();
        Long succeeded = serverSucceeded.get();
        System.out.printf("[java-sdk 2.46.0] version create: SDK returned after %d ms; server Succeeded after %s ms;"
                        + " SDK's wait after Succeeded %s ms%n", (returned - started) / 1_000_000,
                succeeded == null ? "?" : (succeeded - started) / 1_000_000,
                succeeded == null ? "?" : (returned - succeeded) / 1_000_000);
        story.check("the SDK returns a version create within " + LRO_SLACK.toSeconds() + " s of the server's"
                + " Succeeded (Azure-AsyncOperation, Retry-After)", () -> {
            assertNotNull(version, "the create failed");
            assertNotNull(succeeded, "the server never said Succeeded");
            assertTrue(returned - succeeded < LRO_SLACK.toNanos(), "the SDK returned "
                    + (returned - succeeded) / 1_000_000 + " ms after the server's Succeeded");
        });
        if (version == null) {
            await().atMost(Duration.ofSeconds(120)).until(() -> send(aliceToken, "GET", versionPath + API, null)
                    .body().contains("\"provisioningState\":\"Succeeded\""));
        }
        story.check("replication status: both regions completed", () -> await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    GalleryImageVersionInner v = compute.serviceClient().getGalleryImageVersions().getWithResponse(rg,
                            "sdkgallery", "nginx", "1.0.0", ReplicationStatusTypes.REPLICATION_STATUS, Context.NONE)
                            .getValue();
                    assertEquals(AggregatedReplicationState.COMPLETED, v.replicationStatus().aggregatedState());
                    assertEquals(2, v.replicationStatus().summary().size(), v.replicationStatus().summary()
                            .toString());
                    assertEquals(Map.of("westeurope", 1, "northeurope", 2), v.publishingProfile()
                            .targetRegions().stream().collect(Collectors.toMap(t -> t.name().replace(" ", "")
                                    .toLowerCase(java.util.Locale.ROOT), TargetRegion::regionalReplicaCount)));
                }));
        story.check("update: a region added, excluded from latest", () -> {
            GalleryImageVersion v = compute.galleryImageVersions().getByGalleryImage(rg, "sdkgallery", "nginx",
                    "1.0.0");
            GalleryImageVersion updated = v.update().withRegionAvailability(List.of(
                    new TargetRegion().withName("westeurope").withRegionalReplicaCount(1),
                    new TargetRegion().withName("northeurope").withRegionalReplicaCount(2),
                    new TargetRegion().withName("eastus").withRegionalReplicaCount(1).withExcludeFromLatest(true)))
                    .apply();
            TargetRegion eastus = updated.innerModel().publishingProfile().targetRegions().stream()
                    .filter(t -> t.name().replace(" ", "").equalsIgnoreCase("eastus")).findFirst().orElseThrow();
            assertEquals(Boolean.TRUE, eastus.excludeFromLatest());
            assertEquals(3, updated.innerModel().publishingProfile().targetRegions().size());
        });

        // a Reader assignment for carol at the gallery's scope, the role found by name
        RoleAssignment reader = story.step("Reader assignment with withBuiltInRole(BuiltInRole.READER)",
                () -> authz.roleAssignments().define(UUID.randomUUID().toString()).forObjectId(Realms.CAROL)
                        .withBuiltInRole(BuiltInRole.READER).withScope(gallery.id()).create());
        story.check("the assignment is Reader's and carol reads the gallery with it", () -> {
            assertNotNull(reader, "no assignment");
            assertTrue(reader.roleDefinitionId().endsWith(READER), reader.roleDefinitionId());
            ComputeManager carol = compute(Realms.CONTOSO, "carol", CONTOSO);
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> carol.galleries()
                    .getByResourceGroup(rg, "sdkgallery").name().equals("sdkgallery"));
        });

        // sharing with fabrikam's subscription on the Compute path, the profile read back with $select=Permissions
        story.check("gallery shared with fabrikam's subscription (POST .../share, SharingUpdate)", () -> {
            SharingUpdateInner done = compute.serviceClient().getGallerySharingProfiles().update(rg, "sdkgallery",
                    new SharingUpdateInner().withOperationType(SharingUpdateOperationTypes.ADD).withGroups(List.of(
                            new SharingProfileGroup().withType(SharingProfileGroupTypes.SUBSCRIPTIONS)
                                    .withIds(List.of(FABRIKAM)))));
            assertEquals(SharingUpdateOperationTypes.ADD, done.operationType());
        });
        // a share with another tenant waits for that tenant's administrator (this system's rule, as Glance's image
        // members: access-service README): bob accepts through the door, no SDK has this call
        String bobToken = token(Realms.FABRIKAM, "bob");
        story.check("bob, fabrikam's administrator, accepts the invitation", () -> {
            String unique = gallery.innerModel().identifier().uniqueName();
            AtomicReference<List<String>> pending = new AtomicReference<>(List.of());
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                JsonNode invitations = JSON.readTree(send(bobToken, "GET",
                        "/providers/Microsoft.Compute/sharingInvitations" + API, null).body());
                List<String> ids = new ArrayList<>();
                for (JsonNode i : invitations.path("value")) {
                    if (i.path("properties").path("galleryUniqueName").asText().equalsIgnoreCase(unique)
                            && i.path("properties").path("state").asText().equals("Pending")) {
                        ids.add(i.path("name").asText());
                    }
                }
                pending.set(ids);
                return !ids.isEmpty();
            });
            for (String id : pending.get()) {
                try {
                    HttpResponse<String> accepted = send(bobToken, "POST",
                            "/providers/Microsoft.Compute/sharingInvitations/" + id + "/accept" + API, null);
                    assertEquals(200, accepted.statusCode(), accepted.body());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        story.check("gallery GET with $select=Permissions shows the sharing profile", () -> {
            // catalog learns the accepted share from access-service's GallerySharingChanged
            AtomicReference<String> seen = new AtomicReference<>();
            long asked = System.nanoTime();
            try {
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    GalleryInner g = compute.serviceClient().getGalleries().getByResourceGroupWithResponse(rg,
                            "sdkgallery", SelectPermissions.PERMISSIONS, null, Context.NONE).getValue();
                    seen.set(g.sharingProfile() == null ? "no sharingProfile" : g.sharingProfile().permissions()
                            + " " + g.sharingProfile().groups().stream().map(x -> x.type() + " " + x.ids()).toList());
                    return g.sharingProfile() != null && g.sharingProfile().groups().stream()
                            .anyMatch(x -> x.ids().contains(FABRIKAM));
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("the sharing profile lacks fabrikam: " + seen.get());
            }
            System.out.printf("[java-sdk 2.46.0] $select=Permissions showed the share %d ms after the acceptance%n",
                    (System.nanoTime() - asked) / 1_000_000);
        });
        story.check("bob of fabrikam sees the shared gallery", () -> {
            ComputeManager bob = compute(Realms.FABRIKAM, "bob", FABRIKAM);
            assertNotNull(bobToken);
            String unique = gallery.innerModel().identifier().uniqueName();
            AtomicReference<String> seen = new AtomicReference<>("nothing");
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    try {
                        List<String> names = StreamSupport.stream(bob.serviceClient().getSharedGalleries()
                                .list("westeurope").spliterator(), false).map(s -> s.name() + " " + s.uniqueId())
                                .toList();
                        seen.set(names.toString());
                        return names.stream().anyMatch(n -> n.toLowerCase(java.util.Locale.ROOT)
                                .startsWith(unique.toLowerCase(java.util.Locale.ROOT) + " "));
                    } catch (ManagementException e) {
                        seen.set(Story.describe(e));
                        return false;
                    }
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("bob's shared galleries in westeurope lack " + unique + ": " + seen.get());
            }
        });

        // paging: more galleries than a page (100) in another group, listed by the SDK through every nextLink (made
        // with plain requests, 4 at a time, to keep the suite short)
        story.check("the SDK lists 101 galleries over two pages", () -> {
            String paged = "/subscriptions/" + CONTOSO + "/resourceGroups/rg-sdk-paging/providers/Microsoft.Compute"
                    + "/galleries/";
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<HttpResponse<String>>> made = new ArrayList<>();
                for (int i = 0; i < 101; i++) {
                    int n = i;
                    // two regions: a subscription holds at most 100 galleries per region (Azure's quota)
                    made.add(pool.submit(() -> send(aliceToken, "PUT", paged + "page" + n + API,
                            "{\"location\":\"" + (n % 2 == 0 ? "westeurope" : "northeurope") + "\"}")));
                }
                for (Future<HttpResponse<String>> f : made) {
                    HttpResponse<String> r = f.get();
                    assertEquals(201, r.statusCode(), () -> r.request().method() + " " + r.request().uri() + ": "
                            + r.body());
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            } finally {
                pool.shutdown();
            }
            assertEquals(101, compute.galleries().listByResourceGroup("rg-sdk-paging").stream().count());
        });

        // errors: ARM's error body, as the SDK's ManagementException with code and target
        story.check("a bad name is a ManagementException with code and target", () -> {
            ManagementException e = org.junit.jupiter.api.Assertions.assertThrows(ManagementException.class,
                    () -> compute.galleries().define("bad-name!").withRegion(Region.EUROPE_WEST)
                            .withExistingResourceGroup(rg).create());
            assertEquals(400, e.getResponse().getStatusCode());
            assertNotNull(e.getValue().getCode(), e.getMessage());
            assertNotNull(e.getValue().getTarget(), e.getMessage());
        });
        story.check("a missing resource is a ManagementException 404 with code and target", () -> {
            ManagementException e = org.junit.jupiter.api.Assertions.assertThrows(ManagementException.class,
                    () -> compute.galleryImageVersions().getByGalleryImage(rg, "sdkgallery", "nginx", "9.9.9"));
            assertEquals(404, e.getResponse().getStatusCode());
            assertNotNull(e.getValue().getCode(), e.getMessage());
            assertNotNull(e.getValue().getTarget(), e.getMessage());
        });

        // deletion in order: the assignment, the version, the definition, the gallery, the managed image
        story.check("delete the Reader assignment", () -> authz.roleAssignments().deleteById(reader.id()));
        story.check("delete the version", () -> compute.galleryImageVersions().deleteByGalleryImage(rg,
                "sdkgallery", "nginx", "1.0.0"));
        story.check("delete the definition", () -> compute.galleryImages().deleteByGallery(rg, "sdkgallery",
                "nginx"));
        story.check("delete the gallery", () -> compute.galleries().deleteByResourceGroup(rg, "sdkgallery"));
        story.check("delete the managed image", () -> compute.virtualMachineCustomImages()
                .deleteByResourceGroup(rg, "sdk-src"));
        story.check("the gallery is gone", () -> assertEquals(404, org.junit.jupiter.api.Assertions.assertThrows(
                ManagementException.class, () -> compute.galleries().getByResourceGroup(rg, "sdkgallery"))
                .getResponse().getStatusCode()));
        story.assertAllPassed();
    }

    // ---- JavaScript ----------------------------------------------------------------------------------------------

    static final Path JS_SOURCE = Path.of("src/test/js");
    static final Path JS_DIR = Path.of("target/js-sdk");

    static boolean onPath(String exe) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, exe))) {
                return true;
            }
        }
        return false;
    }

    /** {@code npm ci} of src/test/js into target/js-sdk, again only when the lock changed; npm's downloads cached. */
    static synchronized void installJs() throws IOException, InterruptedException {
        Path marker = JS_DIR.resolve("node_modules/.installed");
        String lock = Files.readString(JS_SOURCE.resolve("package-lock.json"));
        if (Files.exists(marker) && Files.readString(marker).equals(lock)) {
            Files.copy(JS_SOURCE.resolve("story.mjs"), JS_DIR.resolve("story.mjs"), StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        Files.createDirectories(JS_DIR);
        for (String f : List.of("package.json", "package-lock.json", "story.mjs")) {
            Files.copy(JS_SOURCE.resolve(f), JS_DIR.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "image-gallery", "npm");
        Path log = JS_DIR.resolve("npm-install.log");
        Process npm = new ProcessBuilder("npm", "ci", "--prefer-offline", "--no-audit", "--no-fund",
                "--loglevel=error", "--cache", cache.toString()).directory(JS_DIR.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!npm.waitFor(5, TimeUnit.MINUTES)) {
            npm.destroy();
            npm.waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("npm ci took over 5 minutes; see " + log);
        }
        if (npm.exitValue() != 0) {
            throw new IllegalStateException("npm ci failed (exit " + npm.exitValue() + "): " + Files.readString(log));
        }
        Files.writeString(marker, lock);
    }

    /**
     * The story's core with the Azure SDK for JavaScript, once per compute major (npm aliases in package.json):
     * managed image, gallery, definition, version, get, list, sharing, role assignment, deletion. The script gets
     * alice's Keycloak token from this test (its TokenCredential hands it to the SDK's bearer policy) and trusts the
     * stack's CA through NODE_EXTRA_CA_CERTS; it prints one JSON line per step.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"arm-compute-22", "arm-compute-25"})
    void theJavaScriptSdkDrivesTheStorysCoreThroughTheDoor(String computePackage) throws Exception {
        Assumptions.assumeTrue(onPath("node") && onPath("npm"),
                "node and npm are not on the PATH: the JavaScript SDK suite is skipped");
        installJs();
        String alice = token(Realms.CONTOSO, "alice");
        String name = computePackage.replace("arm-compute-", "js");
        String blobUri = upload(alice, "sdk-" + name);
        Path out = JS_DIR.resolve(computePackage + ".json");
        ProcessBuilder pb = new ProcessBuilder("node", "story.mjs").directory(JS_DIR.toFile())
                .redirectErrorStream(true).redirectOutput(JS_DIR.resolve(computePackage + ".log").toFile());
        Map<String, String> env = pb.environment();
        env.put("NODE_EXTRA_CA_CERTS", stack.tls().caCertificate().toAbsolutePath().toString());
        env.put("GALLERY_DOOR", stack.doorUrl());
        env.put("GALLERY_TOKEN", alice);
        env.put("GALLERY_SUBSCRIPTION", CONTOSO);
        env.put("GALLERY_SHARE_WITH", FABRIKAM);
        env.put("GALLERY_RECIPIENT_TOKEN", token(Realms.FABRIKAM, "bob"));
        env.put("GALLERY_PRINCIPAL", Realms.CAROL);
        env.put("GALLERY_BLOB_URI", blobUri);
        env.put("GALLERY_COMPUTE_PACKAGE", computePackage);
        env.put("GALLERY_NAME", name);
        env.put("GALLERY_RESULT", out.toAbsolutePath().toString());
        Process node = pb.start();
        if (!node.waitFor(5, TimeUnit.MINUTES)) {
            node.destroy();
            node.waitFor(10, TimeUnit.SECONDS);
        }
        String log = Files.readString(JS_DIR.resolve(computePackage + ".log"));
        assertTrue(Files.exists(out), "the script wrote no result (exit " + node.exitValue() + "): " + log);
        JsonNode result = JSON.readTree(out.toFile());
        Story story = new Story("js " + result.path("compute").asText(computePackage));
        for (JsonNode s : result.path("steps")) {
            if (s.path("ok").asBoolean()) {
                story.passed.add(s.path("step").asText());
            } else {
                story.failed.put(s.path("step").asText(), s.path("error").asText());
            }
        }
        System.out.println(log);
        assertTrue(story.passed.size() + story.failed.size() >= 10, "the script ran only part of the story: " + log);
        story.assertAllPassed();
    }
}

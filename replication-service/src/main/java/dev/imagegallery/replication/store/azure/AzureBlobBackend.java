package dev.imagegallery.replication.store.azure;

import com.azure.core.http.HttpClient;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import dev.imagegallery.replication.store.Backend;
import dev.imagegallery.replication.store.ChunkStore;
import dev.imagegallery.replication.store.Namespaces;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Replica stores in Azure Blob Storage: one storage account per region (its connection string), one container per
 * replica ({@code {containerPrefix}{n}}, e.g. {@code replica-0}), each an {@link AzureBlobChunkStore}. The backend
 * never asks the service to copy between accounts (a server-side cross-account copy fails above about 512 MiB on
 * Azurite and costs a round of polling on Azure): copies read chunks through this process and write them to the
 * target account.
 */
public final class AzureBlobBackend implements Backend {
    /** How long "replica n does not exist" is believed before the account is asked again. */
    static final long NEGATIVE_NANOS = 2_000_000_000L;

    private final Map<String, String> connectionStrings;
    private final String containerPrefix;
    private final int readAhead;
    /** Where each store's local copy of its index lives: {@code {indexRoot}/{region}/{container}/[{blob prefix}/]index}. */
    private final Path indexRoot;
    /** Prepended to the name of every blob of this backend's stores: {@code ""} or {@code tenants/{namespace}/}. */
    private final String blobPrefix;
    private final HttpClient http;
    private final Map<String, BlobServiceClient> clients;
    /** Replica stores known to exist, by region (they are never removed). */
    private final Map<String, Integer> known;
    private final Map<String, Long> probed;
    /** The SDK's retry of each request (its default: 4 tries, from 4 s, exponential). */
    private volatile RequestRetryOptions retry = new RequestRetryOptions();
    /** How long opening a store waits for its writer lease ({@link AzureBlobChunkStore#LEASE_WAIT}). */
    private volatile Duration leaseWait = AzureBlobChunkStore.LEASE_WAIT;

    /**
     * @param connectionStrings the storage account of each region, by region name
     * @param containerPrefix   containers are named this plus the replica number
     * @param readAhead         bytes fetched around a chunk on a read (and cached)
     * @param indexRoot         a local directory for the stores' index copies (RocksDB; about 100 bytes per chunk)
     */
    public AzureBlobBackend(Map<String, String> connectionStrings, String containerPrefix, int readAhead,
                            Path indexRoot) {
        this.connectionStrings = Map.copyOf(connectionStrings);
        this.containerPrefix = containerPrefix;
        this.readAhead = readAhead;
        this.indexRoot = indexRoot;
        this.blobPrefix = "";
        this.http = HttpClient.createDefault();
        this.clients = new ConcurrentHashMap<>();
        this.known = new ConcurrentHashMap<>();
        this.probed = new ConcurrentHashMap<>();
    }

    private AzureBlobBackend(AzureBlobBackend shared, String blobPrefix) {
        this.connectionStrings = shared.connectionStrings;
        this.containerPrefix = shared.containerPrefix;
        this.readAhead = shared.readAhead;
        this.indexRoot = shared.indexRoot;
        this.blobPrefix = blobPrefix;
        this.http = shared.http;
        this.clients = shared.clients;
        this.known = shared.known;
        this.probed = shared.probed;
        this.retry = shared.retry;
        this.leaseWait = shared.leaseWait;
    }

    /** Opening a store waits at most {@code wait} for a writer lease another process holds. Before the first open. */
    public AzureBlobBackend leaseWait(Duration wait) {
        this.leaseWait = wait;
        return this;
    }

    /**
     * Requests tried {@code maxTries} times in all, the delay doubling from {@code delay} (at most 2 minutes): how long
     * a store waits for an account that stopped answering before it reports it unavailable. Before the first store
     * opens.
     */
    public AzureBlobBackend retrying(int maxTries, Duration delay) {
        Duration first = delay.isNegative() || delay.isZero() ? Duration.ofMillis(1) : delay;
        Duration max = Duration.ofMinutes(2).compareTo(first) < 0 ? first : Duration.ofMinutes(2);
        this.retry = new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, Math.max(1, maxTries), (Duration) null,
                first, max, null);
        return this;
    }

    /**
     * The same accounts and containers, with every blob of namespace {@code ns} under {@code tenants/{ns}/}: a tenant's
     * stores share the region's containers with other tenants' but none of their chunks.
     */
    public AzureBlobBackend namespace(String ns) {
        return new AzureBlobBackend(this, Namespaces.FOLDER + "/" + ns + "/");
    }

    /** The namespaces of these accounts: {@code tenants/{namespace}/} in the containers of each region's account. */
    public static Namespaces namespaces(AzureBlobBackend accounts) {
        return new Namespaces() {
            @Override
            public Backend backend(String namespace) {
                return accounts.namespace(namespace);
            }

            @Override
            public Set<String> list() {
                return accounts.namespaces();
            }
        };
    }

    /** The namespaces that hold anything, in any region's first container. */
    public Set<String> namespaces() {
        Set<String> out = new TreeSet<>();
        for (String region : connectionStrings.keySet()) {
            try {
                var container = client(region).getBlobContainerClient(containerPrefix + 0);
                if (!container.exists()) {
                    continue;
                }
                for (var item : container.listBlobsByHierarchy(Namespaces.FOLDER + "/")) {
                    if (Boolean.TRUE.equals(item.isPrefix())) {
                        String name = item.getName().substring(Namespaces.FOLDER.length() + 1);
                        out.add(name.endsWith("/") ? name.substring(0, name.length() - 1) : name);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // an unreachable account: its namespaces are scrubbed next time
            }
        }
        return out;
    }

    private BlobServiceClient client(String region) throws IOException {
        String cs = connectionStrings.get(region);
        if (cs == null) {
            throw new IOException("no storage account is configured for region " + region
                    + " (gallery.store.azure.connection-strings." + region + ")");
        }
        return clients.computeIfAbsent(region, r -> new BlobServiceClientBuilder().connectionString(cs)
                .httpClient(http).retryOptions(retry).buildClient());
    }

    @Override
    public ChunkStore open(String region, int replica) throws IOException {
        BlobServiceClient c = client(region);
        String container = containerPrefix + replica;
        Path local = indexRoot.resolve(region).resolve(container);
        if (!blobPrefix.isEmpty()) {
            local = local.resolve(blobPrefix); // tenants/{namespace}/
        }
        AzureBlobChunkStore s = new AzureBlobChunkStore(region, replica, c.getBlobContainerClient(container),
                blobPrefix, readAhead, local.resolve("index"), AzureBlobChunkStore.INDEX_BLOCKS, leaseWait);
        known.merge(region, replica + 1, Math::max);
        return s;
    }

    @Override
    public int replicas(String region) {
        if (!connectionStrings.containsKey(region)) {
            return 0;
        }
        int n = known.getOrDefault(region, 0);
        Long last = probed.get(region);
        if (last != null && System.nanoTime() - last < NEGATIVE_NANOS) {
            return n;
        }
        try {
            BlobServiceClient c = client(region);
            while (c.getBlobContainerClient(containerPrefix + n).exists()) {
                n++;
            }
        } catch (IOException | RuntimeException e) {
            return n; // the account is unreachable: what we know
        }
        known.merge(region, n, Math::max);
        probed.put(region, System.nanoTime());
        return known.get(region);
    }
}

package dev.imagegallery.replication.content;

import dev.imagegallery.replication.store.ChunkStore;

import dev.imagegallery.replication.store.ChunkId;
import dev.imagegallery.replication.store.Namespaces;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.regex.Pattern;

/**
 * The replica stores of every tenant: one {@link RegionStores} per tenant namespace, so chunks are deduplicated
 * inside a tenant and never across tenants. What an upload writes, what a copy moves (egress, progress) and how long
 * either takes then depend only on what that tenant stores: a tenant cannot learn whether another tenant holds some
 * content by uploading it and watching its bill (issue 12, defect 8). The cost is that identical content of two
 * tenants is stored twice; the replication README weighs it against accounting "as if alone" over shared stores.
 *
 * <p>A namespace is the tenant id when it is a plain lower-case name or GUID, else {@code ~} and the SHA-256 of the
 * id. Layout: {@code {root}/tenants/{namespace}/{region}/replica-{n}} on disk; {@code tenants/{namespace}/} before
 * every blob name in the region's containers with Azure Blob Storage.
 */
public final class TenantStores {
    static final Pattern PLAIN = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

    private final Path root;
    private final Namespaces namespaces;
    private final ExecutorService hashers = RegionStores.newHashers();
    private final Map<String, RegionStores> open = new ConcurrentHashMap<>();
    /** This process is the root's one writer until {@link #close()} ({@link RootLock}). */
    private final RootLock lock;

    /**
     * {@code root} holds local working files (staged upload blocks) whatever the backend; the stores open only in the
     * process that holds its lock (an IllegalStateException when another one does).
     */
    public TenantStores(Path root, Namespaces namespaces) {
        this.root = root;
        this.namespaces = namespaces;
        this.lock = RootLock.acquire(root);
    }

    /** The namespace of a tenant id (see the class comment). */
    public static String namespaceOf(String tenant) {
        if (tenant == null || tenant.isEmpty()) {
            throw new IllegalArgumentException("content always belongs to a tenant");
        }
        if (PLAIN.matcher(tenant).matches()) {
            return tenant;
        }
        return "~" + HexFormat.of().formatHex(ChunkId.sha256().digest(tenant.getBytes(StandardCharsets.UTF_8)));
    }

    /** The stores of one tenant. */
    public RegionStores of(String tenant) {
        return namespace(namespaceOf(tenant));
    }

    /** The stores of one namespace (as {@link #namespaces()} names them). */
    public RegionStores namespace(String namespace) {
        return open.computeIfAbsent(namespace, ns -> new RegionStores(root, namespaces.backend(ns), hashers));
    }

    /** Every namespace that exists, for the scrubber. */
    public Set<String> namespaces() {
        Set<String> all = new TreeSet<>(namespaces.list());
        all.addAll(open.keySet());
        return all;
    }

    /**
     * Visits every replica store of every namespace, region by region ({@code Regions.names()}), with the stores of
     * its namespace (where repairs of it come from): the scrubber and the scheduled collections go through all.
     */
    public void forEachStore(java.util.function.BiConsumer<RegionStores, ChunkStore> each) {
        for (String namespace : namespaces()) {
            RegionStores own = namespace(namespace);
            for (String region : dev.imagegallery.events.Regions.names()) {
                for (int replica = 0; replica < own.replicas(region); replica++) {
                    each.accept(own, own.store(region, replica));
                }
            }
        }
    }

    /** Local working folder (staged upload blocks). */
    public Path root() {
        return root;
    }

    public ExecutorService hashers() {
        return hashers;
    }

    public void close() {
        open.values().forEach(RegionStores::close);
        open.clear();
        hashers.shutdownNow();
        lock.close();
    }
}

package dev.imagegallery.replication.service;

import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.replication.content.RegionStores;
import dev.imagegallery.replication.content.TenantStores;
import dev.imagegallery.replication.domain.ReplicaJob;
import dev.imagegallery.replication.store.Manifest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;

/** Finds a version's content in a region: only once its replicas there are Completed. Blocking. */
@ApplicationScoped
public class VersionContentService {
    /** A version's content in a region, and the tenant whose stores hold it. */
    public record Found(String tenantId, Manifest manifest) {
    }

    static final Duration DB_WAIT = Duration.ofSeconds(30);

    private final Pool pool;
    private final TenantStores stores;

    public VersionContentService(Pool pool, TenantStores stores) {
        this.pool = pool;
        this.stores = stores;
    }

    public Found manifest(String region, String versionId) {
        var softDeleted = pool.preparedQuery("SELECT 1 FROM soft_deleted_version WHERE version_key = $1")
                .execute(Tuple.of(versionId.toLowerCase(java.util.Locale.ROOT))).await().atMost(DB_WAIT);
        if (softDeleted.size() > 0) {
            // kept for a restore, served to nobody (its GET is 404 too)
            throw ArmException.notFound("GalleryImageVersionNotFound", "The image version '" + versionId
                    + "' was not found.", versionId);
        }
        var disabled = pool.preparedQuery("SELECT replacement_version FROM disabled_version WHERE version_key = $1")
                .execute(Tuple.of(versionId.toLowerCase(java.util.Locale.ROOT))).await().atMost(DB_WAIT);
        if (disabled.size() > 0) {
            String replacement = disabled.iterator().next().getString("replacement_version");
            throw ArmException.conflict("GalleryImageVersionDisabled", "The image version '" + versionId
                    + "' is disabled" + (replacement == null ? "." : "; use '" + replacement + "'."), versionId);
        }
        var rows = pool.preparedQuery("SELECT digest, tenant_id FROM replica_job WHERE id = $1 AND state = $2")
                .execute(Tuple.of(ReplicaJob.idOf(versionId, region), ReplicaJob.COMPLETED))
                .await().atMost(DB_WAIT);
        if (rows.size() == 0) {
            throw ArmException.notFound("ReplicaNotFound", "The image version '" + versionId
                    + "' has no completed replica in region '" + region + "'.", "region");
        }
        String digest = rows.iterator().next().getString("digest");
        String tenant = rows.iterator().next().getString("tenant_id");
        try {
            RegionStores own = tenant == null ? null : stores.of(tenant);
            for (int r = 0; own != null && r < own.replicas(region); r++) {
                Optional<Manifest> m = own.store(region, r).manifest(digest);
                if (m.isPresent()) {
                    return new Found(tenant, m.get());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw ArmException.notFound("ReplicaNotFound", "The content of image version '" + versionId
                + "' is missing from region '" + region + "'.", "region");
    }
}

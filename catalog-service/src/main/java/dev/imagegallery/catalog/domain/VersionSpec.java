package dev.imagegallery.catalog.domain;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A version as a PUT or PATCH asks for it, before any rule is applied: every field as the client sent it (null when
 * absent), so that the service checks each one at the point the rules call for (a PUT of an existing version is an
 * update; a PUT of a new one needs its source).
 *
 * @param properties null when the request carried no {@code properties}
 */
public record VersionSpec(String location, Map<String, String> tags, Properties properties) {
    /**
     * @param hostCaching {@code storageProfile.osDiskImage.hostCaching}: None, ReadOnly or ReadWrite
     * @param restore     a PATCH's {@code restore: true}: restore the version if it is soft-deleted
     */
    public record Properties(Publishing publishing, String sourceId, Safety safety, Lifecycle lifecycle,
                             String hostCaching, Boolean restore) {
        public Properties(Publishing publishing, String sourceId, Safety safety, Lifecycle lifecycle) {
            this(publishing, sourceId, safety, lifecycle, null, null);
        }
    }

    /**
     * {@code publishingProfile}: the defaults of the target regions, the regions themselves, and the replication mode
     * (Full or Shallow, see {@link ReplicationMode}).
     */
    public record Publishing(List<TargetRegion> targetRegions, Integer replicaCount, Boolean excludeFromLatest,
                             Instant endOfLifeDate, String storageAccountType, String replicationMode) {
        public Publishing(List<TargetRegion> targetRegions, Integer replicaCount, Boolean excludeFromLatest,
                          Instant endOfLifeDate, String storageAccountType) {
            this(targetRegions, replicaCount, excludeFromLatest, endOfLifeDate, storageAccountType, null);
        }
    }

    /** One requested target region (an element may be null: the rules refuse it naming its index). */
    public record TargetRegion(String name, Integer regionalReplicaCount, String storageAccountType,
                               Boolean excludeFromLatest) {
    }

    public record Safety(Boolean allowDeletionOfReplicatedLocations, Boolean blockDeletionBeforeEndOfLife) {
    }

    /** Beyond Azure: Active, Deprecated or Disabled, and the version to use instead. */
    public record Lifecycle(String state, String replacementVersion) {
    }
}

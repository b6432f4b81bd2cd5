package dev.imagegallery.catalog.domain;

import dev.imagegallery.common.arm.ArmException;

import java.util.List;
import java.util.Set;

/**
 * A version's {@code publishingProfile.replicationMode}, as Azure defines it. {@link #FULL} (the default): every
 * target region holds complete, verified copies. {@link #SHALLOW}: the version is created without copying, its one
 * replica referencing the source's content where the source already is; Azure allows it only with the version's own
 * location as the single target region and one replica there, and neither the mode nor the regions of a Shallow
 * version can change afterwards. Here the source's content must therefore be in the version's location (checked by
 * the service, which knows the source's blob).
 */
public final class ReplicationMode {
    public static final String FULL = "Full";
    public static final String SHALLOW = "Shallow";
    public static final String TARGET = "properties.publishingProfile.replicationMode";
    static final Set<String> MODES = Set.of(FULL, SHALLOW);

    private ReplicationMode() {
    }

    /** The requested mode (case as Azure spells it), or {@code current} when none is requested. */
    public static String of(String requested, String current) {
        return Validation.oneOf(MODES, requested, current, TARGET);
    }

    /**
     * An update may repeat the mode but not change it (Azure: not updatable): 409 {@code PropertyChangeNotAllowed}, as
     * for a version's other fixed properties (location, source, host caching, storage account type).
     */
    public static void unchanged(String requested, String current) {
        if (requested != null && !of(requested, current).equals(current)) {
            throw ArmException.conflict("PropertyChangeNotAllowed", "Changing property '" + TARGET + "' is not "
                    + "allowed: the version is " + current + "; publish a new version to change it.", TARGET);
        }
    }

    /** A Shallow version's replica count (the default of its region's count) is 1; null (absent) is fine. */
    public static void shallowReplicaCount(Integer replicaCount) {
        if (replicaCount != null && replicaCount != 1) {
            throw ArmException.invalidParameter("properties.publishingProfile.replicaCount", "A Shallow version has "
                    + "one replica: 'properties.publishingProfile.replicaCount' must be 1.");
        }
    }

    /**
     * A Shallow version's target regions: its location alone, with one replica. Each other region, and a replica
     * count other than 1, is refused naming the region's index.
     */
    public static void shallowTargets(List<TargetRegions.Target> targets, String location) {
        for (int i = 0; i < targets.size(); i++) {
            TargetRegions.Target t = targets.get(i);
            String at = TargetRegions.TARGETS + "[" + i + "]";
            if (!t.region().equals(location)) {
                throw ArmException.invalidParameter(at + ".name", "A Shallow version has one target region, its "
                        + "location '" + location + "'; '" + t.region() + "' needs a version in Full replication "
                        + "mode.");
            }
            if (t.replicaCount() != 1) {
                throw ArmException.invalidParameter(at + ".regionalReplicaCount", "A Shallow version has one replica "
                        + "in its location: the regional replica count must be 1.");
            }
        }
    }
}

package dev.imagegallery.catalog.domain;

import dev.imagegallery.common.arm.ArmException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The rules of a version's target regions: each a known region, listed once, with 1 to 50 replicas and a known storage
 * account type (defaults from the publishing profile); the version's location always among them; and what a change of
 * regions does (added regions replicate, a changed replica count replicates again, removed regions need the safety
 * profile's consent, a region's storage type never changes).
 */
public final class TargetRegions {
    static final String TARGETS = "properties.publishingProfile.targetRegions";

    /** One target region, validated. */
    public record Target(String region, int replicaCount, String storageAccountType, boolean excludeFromLatest) {
    }

    /**
     * What a change of regions does to the current ones.
     *
     * @param added    regions to replicate to
     * @param requeued regions whose replica count changed (they replicate again)
     * @param removed  regions whose replicas go
     */
    public record Change(List<String> added, List<String> requeued, List<String> removed) {
        /** Whether replication has anything to do (a change of excludeFromLatest alone does not count). */
        public boolean replicates() {
            return !added.isEmpty() || !requeued.isEmpty() || !removed.isEmpty();
        }
    }

    private TargetRegions() {
    }

    /** The requested regions, validated, in request order. */
    public static List<Target> of(List<VersionSpec.TargetRegion> requested, int defaultReplicas,
                                  String defaultStorage) {
        List<Target> regions = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < requested.size(); i++) {
            var t = requested.get(i);
            String target = TARGETS + "[" + i + "]";
            if (t == null) {
                throw ArmException.invalidParameter(target, "A target region must not be null.");
            }
            String region = Validation.region(t.name(), target + ".name");
            if (!seen.add(region)) {
                throw ArmException.invalidParameter(target + ".name", "The region '" + region
                        + "' is listed more than once.");
            }
            int replicas = t.regionalReplicaCount() == null ? defaultReplicas : t.regionalReplicaCount();
            if (replicas < 1 || replicas > 50) {
                throw ArmException.invalidParameter(target + ".regionalReplicaCount", "The regional replica count must "
                        + "be between 1 and 50.");
            }
            String storage = Validation.oneOf(Validation.STORAGE_TYPES, t.storageAccountType(), defaultStorage,
                    target + ".storageAccountType");
            regions.add(new Target(region, replicas, storage, Boolean.TRUE.equals(t.excludeFromLatest())));
        }
        return regions;
    }

    /** The regions of a new version: those requested, or only its location when none are. */
    public static List<Target> ofNewVersion(VersionSpec.Publishing pp, String location, int defaultReplicas,
                                            String defaultStorage) {
        List<VersionSpec.TargetRegion> requested = pp == null || pp.targetRegions() == null
                || pp.targetRegions().isEmpty()
                ? List.of(new VersionSpec.TargetRegion(location, null, null, null)) : pp.targetRegions();
        List<Target> regions = of(requested, defaultReplicas, defaultStorage);
        if (regions.stream().noneMatch(r -> r.region().equals(location))) {
            throw ArmException.invalidParameter(TARGETS, "The version's location '" + location + "' must be one of "
                    + "its target regions.");
        }
        return regions;
    }

    /** The version-wide replica count (1 to 50), or {@code fallback} when none is given. */
    public static int replicaCount(VersionSpec.Publishing pp, int fallback) {
        int n = pp == null || pp.replicaCount() == null ? fallback : pp.replicaCount();
        if (n < 1 || n > 50) {
            throw ArmException.invalidParameter("properties.publishingProfile.replicaCount", "The replica count must "
                    + "be between 1 and 50.");
        }
        return n;
    }

    /** An end-of-life date must lie in the future. */
    public static Instant endOfLife(Instant eol, Instant now) {
        if (eol != null && !eol.isAfter(now)) {
            throw ArmException.invalidParameter("properties.publishingProfile.endOfLifeDate", "The end-of-life date "
                    + "must be in the future.");
        }
        return eol;
    }

    /**
     * What replacing the {@code current} regions with {@code wanted} does, or why it is refused: the location must
     * remain, a region's storage type cannot change (unless it equals the version's), and replicated regions are
     * removed only when {@code allowDeletion}.
     */
    public static Change change(List<Target> current, List<Target> wanted, String location, String storageAccountType,
                                boolean allowDeletion) {
        if (wanted.stream().noneMatch(r -> r.region().equals(location))) {
            throw ArmException.invalidParameter(TARGETS, "The version's location '" + location + "' must remain one "
                    + "of its target regions.");
        }
        for (Target w : wanted) {
            if (!w.storageAccountType().equals(storageAccountType)
                    && current.stream().anyMatch(c -> c.region().equals(w.region())
                    && !c.storageAccountType().equals(w.storageAccountType()))) {
                throw ArmException.conflict("PropertyChangeNotAllowed", "Changing the storage account type of region '"
                        + w.region() + "' is not allowed.", TARGETS);
            }
        }
        List<String> removed = current.stream().map(Target::region)
                .filter(r -> wanted.stream().noneMatch(w -> w.region().equals(r))).toList();
        if (!removed.isEmpty() && !allowDeletion) {
            throw ArmException.conflict("DeletionOfReplicatedLocationsNotAllowed", "Removing the replicated regions "
                    + removed + " needs properties.safetyProfile.allowDeletionOfReplicatedLocations = true.", TARGETS);
        }
        List<String> added = new ArrayList<>();
        List<String> requeued = new ArrayList<>();
        for (Target w : wanted) {
            var c = current.stream().filter(x -> x.region().equals(w.region())).findFirst();
            if (c.isEmpty()) {
                added.add(w.region());
            } else if (c.get().replicaCount() != w.replicaCount()) {
                requeued.add(w.region());
            }
        }
        return new Change(added, requeued, removed);
    }
}

package dev.imagegallery.catalog.domain;

import java.util.List;

/**
 * A version's replication, region by region (Queued, Replicating, Completed, Failed), and what follows from the regions'
 * states for the version as a whole.
 */
public final class ReplicationState {
    public static final String QUEUED = "Queued";
    public static final String REPLICATING = "Replicating";
    public static final String COMPLETED = "Completed";
    public static final String FAILED = "Failed";

    private ReplicationState() {
    }

    /** {@code replicationStatus.aggregatedState}: Completed when every region is, Failed when one is, else InProgress. */
    public static String aggregated(List<String> regionStates) {
        if (regionStates.stream().allMatch(COMPLETED::equals)) {
            return "Completed";
        }
        if (regionStates.stream().anyMatch(FAILED::equals)) {
            return "Failed";
        }
        return "InProgress";
    }

    /**
     * The version's provisioning state once a region settled: Succeeded when every region completed, Failed when one
     * failed, otherwise unchanged.
     */
    public static String settled(List<String> regionStates, String provisioningState) {
        if (regionStates.stream().allMatch(COMPLETED::equals)) {
            return "Succeeded";
        }
        if (regionStates.stream().anyMatch(FAILED::equals)) {
            return "Failed";
        }
        return provisioningState;
    }

    /** A region is complete once as many replicas as it asks for are reported complete. */
    public static boolean completes(int reportedReplicas, int wantedReplicas) {
        return reportedReplicas >= wantedReplicas;
    }

    /** Progress moves a region still queued or replicating forward only, and never to 100 (that is completion). */
    public static boolean takesProgress(String state) {
        return QUEUED.equals(state) || REPLICATING.equals(state);
    }

    public static int progress(int current, int reportedPercent) {
        return Math.max(current, Math.min(99, Math.max(0, reportedPercent)));
    }

    /** After a change of regions the version is Updating while any region is not complete. */
    public static boolean incomplete(List<String> regionStates) {
        return regionStates.stream().anyMatch(s -> !COMPLETED.equals(s));
    }
}

package dev.imagegallery.catalog.domain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * ARM's long-running operations on a version: which answers start one, what its status is from the version's
 * provisioning state, and what a Delete still waits for. Plain rules; the rows are {@code persistence.Operation}.
 */
public final class LongRunning {
    public static final String IN_PROGRESS = "InProgress";
    public static final String SUCCEEDED = "Succeeded";
    public static final String FAILED = "Failed";
    /** A write whose version was deleted before it ended (ARM's terminal status for an operation cut short). */
    public static final String CANCELED = "Canceled";
    /** Seconds a client should wait before it polls again (ARM's Retry-After, in whole seconds). */
    public static final int RETRY_AFTER_SECONDS = 1;
    private static final Pattern OPERATION_ID = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern LOCATION = Pattern.compile("[a-z0-9]{1,64}");

    private LongRunning() {
    }

    /** A write answered with this provisioning state is still running: its answer names an operation. */
    public static boolean running(String provisioningState) {
        return "Creating".equals(provisioningState) || "Updating".equals(provisioningState)
                || "Deleting".equals(provisioningState);
    }

    /** The operation's status while the version is in {@code provisioningState}. */
    public static String statusOf(String provisioningState) {
        if (SUCCEEDED.equals(provisioningState)) {
            return SUCCEEDED;
        }
        if (FAILED.equals(provisioningState)) {
            return FAILED;
        }
        return IN_PROGRESS;
    }

    /** The message of a failed replication: the regions that failed and why. */
    public static String failure(List<String> failedRegions, List<String> details) {
        StringBuilder m = new StringBuilder("Replication failed in ");
        for (int i = 0; i < failedRegions.size(); i++) {
            if (i > 0) {
                m.append(", ");
            }
            m.append(failedRegions.get(i));
            String d = i < details.size() ? details.get(i) : null;
            if (d != null && !d.isBlank()) {
                m.append(" (").append(d).append(')');
            }
        }
        return m.append('.').toString();
    }

    /** An operation id as this service makes them (a lower-case UUID); anything else names no operation. */
    public static boolean wellFormedId(String id) {
        return id != null && OPERATION_ID.matcher(id.toLowerCase(Locale.ROOT)).matches();
    }

    public static boolean wellFormedLocation(String location) {
        return location != null && LOCATION.matcher(location.toLowerCase(Locale.ROOT)).matches();
    }

    /** The regions a Delete still waits for once {@code region}'s replicas are gone (comma-separated, lower case). */
    public static String without(String pending, String region) {
        List<String> left = new ArrayList<>();
        if (pending != null && !pending.isEmpty()) {
            for (String r : Arrays.asList(pending.split(","))) {
                if (!r.equalsIgnoreCase(region)) {
                    left.add(r);
                }
            }
        }
        return String.join(",", left);
    }

    public static String pending(List<String> regions) {
        return String.join(",", regions.stream().map(r -> r.toLowerCase(Locale.ROOT)).toList());
    }
}

package dev.imagegallery.common.metrics;

import io.micrometer.core.instrument.config.MeterFilter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.util.Set;

/**
 * HTTP metrics carry route templates only ({@code /subscriptions/{subscriptionId}/...}), never a request's own path:
 * a request that no route matched (a 413 refused before routing, a 405, a malformed path) used to be counted under
 * its raw URI, publishing subscription ids, gallery, version and blob names. A {@code uri} tag is kept when every
 * segment is a template parameter or a word of the API's own vocabulary; anything else is counted as
 * {@code UNMATCHED}.
 */
@Singleton
public class TemplatedUris {
    static final String UNMATCHED = "UNMATCHED";
    static final Set<String> VOCABULARY = Set.of("subscriptions", "tenants", "resourceGroups", "resourcegroups",
            "providers", "galleries", "images", "versions", "locations", "sharedGalleries", "communityGalleries",
            "resolveImageReference", "share", "restore", "softDeletedArtifactTypes", "softDeletedArtifacts",
            "roleAssignments", "roleDefinitions", "auditLogs", "usageDetails", "priceSheet", "priceSheets", "invoices",
            "estimateImageVersionCost", "download", "blobs", "q", "health", "ready", "live", "metrics", "openapi",
            "swagger-ui", "sharingProfile", "accept", "reject", "subscribers", "events", "snapshot", "csv", "ping",
            "default", "register", "operations", "operationStatuses", "asyncOperations", "sharedGalleryImages");
    static final Set<String> LITERALS = Set.of("NOT_FOUND", "REDIRECTION", "root", "UNKNOWN", "/", UNMATCHED);

    @Produces
    @Singleton
    public MeterFilter onlyTemplatedUris() {
        return MeterFilter.replaceTagValues("uri", TemplatedUris::templated);
    }

    static String templated(String uri) {
        if (uri == null || LITERALS.contains(uri)) {
            return uri;
        }
        if (!uri.startsWith("/")) {
            return UNMATCHED;
        }
        for (String segment : uri.substring(1).split("/", -1)) {
            boolean parameter = segment.length() > 2 && segment.startsWith("{") && segment.endsWith("}")
                    && segment.indexOf('{', 1) < 0;
            if (!parameter && !VOCABULARY.contains(segment) && !segment.matches("Microsoft\\.[A-Za-z]+")) {
                return UNMATCHED;
            }
        }
        return uri;
    }
}

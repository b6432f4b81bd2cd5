package dev.imagegallery.common.arm;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Every ARM request carries {@code ?api-version=}; each provider accepts its own versions (see the design brief). The
 * data plane ({@code /blobs}, {@code /download}) and Quarkus' own endpoints ({@code /q}) are exempt. Paths with control characters are
 * refused before they reach a resource (no store accepts them as names).
 */
public class ApiVersionFilter {
    /**
     * Galleries and everything under them (definitions, versions, sharing, soft-deleted artifacts), the shared and
     * community gallery views and resolution: the Compute Gallery's own api-versions (the table in the root README).
     */
    public static final Set<String> COMPUTE = Set.of("2022-03-03", "2022-08-03", "2023-07-03", "2024-03-03",
            "2025-03-03", "2025-12-03");
    /**
     * Managed images ({@code Microsoft.Compute/images}, at resource group and subscription scope): the Compute resource
     * provider's versions, which are never a gallery date (ARM refuses one on the other).
     */
    public static final Set<String> COMPUTE_RP = Set.of("2021-03-01", "2021-04-01", "2021-07-01", "2021-11-01",
            "2022-03-01", "2022-08-01", "2022-11-01", "2023-03-01", "2023-07-01", "2023-09-01", "2024-03-01",
            "2024-07-01", "2024-11-01", "2025-04-01", "2026-04-01");
    /**
     * A long-running operation's status resource ({@code Microsoft.Compute/locations/{l}/operations/{id}}, and its
     * result, {@code .../operationResults/{id}}): its URL
     * carries the api-version of the request that started it, a gallery's or a managed image's.
     */
    public static final Set<String> COMPUTE_OPERATIONS = union(COMPUTE, COMPUTE_RP);
    /** ARM's subscriptions (and this system's tenants): what the SDKs still send, 2016-06-01 on. */
    public static final Set<String> SUBSCRIPTIONS = Set.of("2016-06-01", "2019-06-01", "2019-11-01", "2020-01-01",
            "2021-01-01", "2022-12-01");
    /** ARM's resource groups and resource provider registry ({@code Microsoft.Resources}). */
    public static final Set<String> RESOURCES = Set.of("2019-05-01", "2019-05-10", "2019-07-01", "2019-08-01",
            "2019-10-01", "2020-06-01", "2020-08-01", "2020-10-01", "2021-01-01", "2021-04-01", "2022-09-01",
            "2023-07-01", "2024-03-01", "2024-07-01", "2024-11-01", "2025-03-01", "2025-04-01");
    private static final java.util.regex.Pattern RESOURCE_GROUPS =
            java.util.regex.Pattern.compile("^/+subscriptions/+[^/]+/+resourcegroups(/+[^/]+)?/*$");
    public static final Set<String> AUTHORIZATION = Set.of("2022-04-01");
    public static final Set<String> CONSUMPTION = Set.of("2023-05-01");
    /** The platform's own provider: the public event streams' subscribers, snapshot and contract. */
    public static final Set<String> GALLERY = Set.of("2026-12-01");

    private static Set<String> union(Set<String> a, Set<String> b) {
        java.util.Set<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> check(ContainerRequestContext ctx) {
        String path = ctx.getUriInfo().getPath();
        var query = ctx.getUriInfo().getQueryParameters();
        ArmExceptionMappers.Failure f = check(path, () -> given(query.get("api-version")));
        if (f == null) {
            f = repeated(query);
        }
        if (f == null && acceptedFor(path) != null) {
            f = contentCoding(ctx.getHeaders().get("Content-Encoding"));
        }
        return f == null ? Optional.empty() : Optional.of(ArmExceptionMappers.response(f));
    }

    /**
     * An ARM body is taken as it is sent: a {@code Content-Encoding} other than {@code identity} is 415 naming it
     * (RFC 9110, 15.5.16). It was ignored: a plain body labelled gzip was read as JSON, a gzipped one refused as
     * "not valid JSON". (The data plane stores a blob's bytes as sent, whatever their coding.)
     */
    public static ArmExceptionMappers.Failure contentCoding(List<String> codings) {
        if (codings == null) {
            return null;
        }
        for (String header : codings) {
            for (String coding : header.split(",")) {
                String c = coding.strip();
                if (!c.isEmpty() && !c.equalsIgnoreCase("identity")) {
                    return ArmExceptionMappers.failure(415, "UnsupportedMediaType", "The content coding '"
                            + (c.length() > 64 ? c.substring(0, 64) + "..." : c) + "' is not supported: send the "
                            + "request body uncoded.", "Content-Encoding");
                }
            }
        }
        return null;
    }

    /**
     * A query parameter given more than once with different values ({@code $top=1&$top=2},
     * {@code startDate=...&startDate=...}) is 400 naming it: one of them was used, which the caller could not tell
     * (a hostile probe; api-version was refused so already). The same value twice is that value.
     */
    public static ArmExceptionMappers.Failure repeated(Map<String, List<String>> query) {
        for (Map.Entry<String, List<String>> e : query.entrySet()) {
            List<String> values = e.getValue();
            if (!e.getKey().equals("api-version") && values != null && values.size() > 1
                    && values.stream().distinct().count() > 1) {
                String name = e.getKey().length() > 64 ? e.getKey().substring(0, 64) + "..." : e.getKey();
                return ArmExceptionMappers.failure(400, "InvalidQueryParameterValue", "The query parameter '" + name
                        + "' is given more than once, with different values; give it once.", name);
            }
        }
        return null;
    }

    /**
     * The api-version a request names, from every value of its query parameter: null when there is none, the value
     * (given once, or more than once alike), or the different values joined by commas, as ARM reads a repeated
     * parameter, which {@link #check} refuses. Taking the first of two different ones answered in a version the
     * client may not have meant.
     */
    public static String given(List<String> values) {
        if (values == null || values.isEmpty()) {
            return null;
        }
        return String.join(",", values.stream().distinct().toList());
    }

    /**
     * What is wrong with a request to {@code path} (decoded) with the given {@code ?api-version=} ({@link #given}), or
     * null when nothing is; for routes that RESTEasy's filters do not see.
     */
    public static ArmExceptionMappers.Failure check(String path, Supplier<String> apiVersion) {
        for (int i = 0; i < path.length(); i++) {
            if (Character.isISOControl(path.charAt(i))) {
                return ArmExceptionMappers.failure(400, "InvalidResourceName",
                        "The request path contains a control character.", null);
            }
        }
        Set<String> accepted = acceptedFor(path);
        if (accepted == null) {
            return null;
        }
        String version = apiVersion.get();
        if (version == null || version.isBlank()) {
            return ArmExceptionMappers.failure(400, "MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all requests.", "api-version");
        }
        if (!accepted.contains(version)) {
            return ArmExceptionMappers.failure(400, "InvalidApiVersionParameter",
                    "The api-version '" + version + "' is invalid" + (version.contains(",")
                            ? ": the query names more than one, and a request is served in one" : "")
                            + ". The supported versions are '"
                            + String.join(",", accepted.stream().sorted().toList()) + "'.", "api-version");
        }
        return null;
    }

    /** The accepted versions for a path, or null where no api-version applies. */
    public static Set<String> acceptedFor(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        if (p.startsWith("/q/") || p.equals("/q") || p.startsWith("/blobs") || p.startsWith("/download/")) {
            return null;
        }
        // the provider that serves a request is the last one in its path, read as ARM reads ids (a resource named
        // "providers" is a name): a role assignment at a gallery scope
        // (.../Microsoft.Compute/galleries/g/providers/Microsoft.Authorization/...) is an Authorization call
        if (dev.imagegallery.events.ArmPaths.providerRegistry(p)) {
            return RESOURCES;
        }
        int start = dev.imagegallery.events.ArmPaths.providerStart(p);
        if (start >= 0) {
            String provider = p.substring(start);
            if (provider.startsWith("microsoft.compute/")) {
                String type = provider.substring("microsoft.compute/".length());
                if (type.equals("images") || type.startsWith("images/")) {
                    return COMPUTE_RP;
                }
                int slash = type.startsWith("locations/") ? type.indexOf('/', "locations/".length()) : -1;
                if (slash > 0 && (type.startsWith("/operations/", slash)
                        || type.startsWith("/operationresults/", slash))) {
                    return COMPUTE_OPERATIONS;
                }
                return COMPUTE;
            }
            if (provider.startsWith("microsoft.authorization/")) {
                return AUTHORIZATION;
            }
            if (provider.startsWith("microsoft.consumption/")) {
                return CONSUMPTION;
            }
            if (provider.startsWith("microsoft.gallery/")) {
                return GALLERY;
            }
        }
        if (RESOURCE_GROUPS.matcher(p).matches()) {
            return RESOURCES;
        }
        if (p.startsWith("/subscriptions") || p.startsWith("/tenants")) {
            return SUBSCRIPTIONS;
        }
        return null;
    }
}

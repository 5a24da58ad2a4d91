package io.gpuscale.adapter.api;

import io.gpuscale.adapter.cluster.ClusterView;
import io.gpuscale.adapter.metrics.GpuMetrics;
import io.gpuscale.adapter.metrics.ReadingsUnavailableException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything the adapter serves over HTTP, as one pure function from (method, raw path, raw query,
 * now) to an {@link ApiResponse}: discovery, custom and external metrics, health and version.
 * The HTTP shell only translates; every answer, failures included, is decided here.
 *
 * <p>Paths are decoded segment by segment before routing ({@link RequestPath}). Only GET is
 * served; another method on a served path is a 405, an unknown path a 404, an over-long URI a
 * 414, a malformed encoding or selector a 400, always with a {@link Status} body. The
 * {@code Accept} header is not consulted: JSON is the answer to every client, including the HPA's
 * {@code application/vnd.kubernetes.protobuf, *}{@code /*}.
 */
public final class MetricsApi {
    /** The longest path plus query served; longer requests are refused with a 414. */
    public static final int MAX_URI_LENGTH = 8192;

    private final ClusterView cluster;
    private final ApiOptions options;
    private final Discovery discovery;
    private final CustomMetricsApi custom;
    private final ExternalMetricsApi external;

    public MetricsApi(GpuMetrics metrics, ClusterView cluster, ApiOptions options) {
        this.cluster = cluster;
        this.options = options;
        this.discovery = new Discovery(options.externalMetrics());
        this.custom = new CustomMetricsApi(metrics, cluster, options);
        this.external = options.externalMetrics() ? new ExternalMetricsApi(metrics, options) : null;
    }

    /**
     * Answers one request.
     *
     * @param method the HTTP method
     * @param rawPath the path as received, still percent-encoded
     * @param rawQuery the query as received (without {@code ?}), or null
     * @param now the time staleness is judged against
     */
    public ApiResponse handle(String method, String rawPath, String rawQuery, Instant now) {
        int length = (rawPath == null ? 0 : rawPath.length()) + (rawQuery == null ? 0 : rawQuery.length() + 1);
        if (length > MAX_URI_LENGTH) {
            return ApiResponse.failure(Status.uriTooLong(MAX_URI_LENGTH));
        }
        List<String> parts;
        Map<String, String> params;
        try {
            parts = RequestPath.segments(rawPath);
            params = RequestPath.query(rawQuery);
        } catch (IllegalArgumentException e) {
            return ApiResponse.failure(Status.badRequest(e.getMessage()));
        }
        if (parts == null || parts.isEmpty()) {
            return ApiResponse.failure(Status.pathNotFound());
        }
        String first = parts.get(0);
        if (parts.size() == 1) {
            switch (first) {
                case "healthz", "livez":
                    return get(method, () -> ApiResponse.ok(new PlainText("ok")));
                case "readyz":
                    return get(method, this::readiness);
                case "version":
                    return get(method, () -> ApiResponse.ok(new VersionInfo(options.version())));
                case "apis":
                    return get(method, () -> ApiResponse.ok(discovery.groups()));
                default:
                    break;
            }
        }
        // /openapi/v2 and /openapi/v3: no spec. kube-aggregator treats a 404 as "this server has no
        // spec" and skips it; a spec is optional, while a wrong one (paths of groups we do not own)
        // breaks kube-apiserver's merged /openapi/v2 for the whole cluster (kubernetes#122668).
        if (first.equals("apis") && parts.size() >= 2) {
            String group = parts.get(1);
            if (group.equals(CustomMetricsApi.GROUP)) {
                return customGroup(method, parts, params, now);
            }
            if (group.equals(ExternalMetricsApi.GROUP) && external != null) {
                return externalGroup(method, parts, params, now);
            }
        }
        return ApiResponse.failure(Status.pathNotFound());
    }

    private ApiResponse customGroup(String method, List<String> parts, Map<String, String> params, Instant now) {
        if (parts.size() == 2) {
            return get(method, () -> ApiResponse.ok(discovery.customGroup()));
        }
        String version = parts.get(2);
        if (!CustomMetricsApi.VERSIONS.contains(version)) {
            return ApiResponse.failure(Status.pathNotFound());
        }
        if (parts.size() == 3) {
            return get(method, () -> ApiResponse.ok(discovery.customResources(version)));
        }
        return get(method, () -> custom.get(version, parts.subList(3, parts.size()), params, now));
    }

    private ApiResponse externalGroup(String method, List<String> parts, Map<String, String> params, Instant now) {
        if (parts.size() == 2) {
            return get(method, () -> ApiResponse.ok(discovery.externalGroup()));
        }
        if (!parts.get(2).equals(ExternalMetricsApi.VERSION)) {
            return ApiResponse.failure(Status.pathNotFound());
        }
        if (parts.size() == 3) {
            return get(method, () -> ApiResponse.ok(discovery.externalResources()));
        }
        return get(method, () -> external.get(parts.subList(3, parts.size()), params, now));
    }

    /** Ready once the cluster view has listed the cluster: before that every pod would be unknown. */
    private ApiResponse readiness() {
        if (cluster.ready()) {
            return ApiResponse.ok(new PlainText("ok"));
        }
        return new ApiResponse(500, new PlainText("[-]cluster-view failed: not yet synced\nreadyz check failed"));
    }

    private static ApiResponse get(String method, java.util.function.Supplier<ApiResponse> answer) {
        if (!"GET".equals(method)) {
            return ApiResponse.failure(Status.methodNotAllowed(method));
        }
        try {
            return answer.get();
        } catch (ReadingsUnavailableException e) {
            // A 500 as for any failure, but the backend has already logged why (once per kind): no second line.
            return ApiResponse.failure(Status.internalError());
        }
    }
}

package io.gpuscale.adapter.api;

import io.gpuscale.adapter.metrics.GpuMetrics;
import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.selector.LabelSelector;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * external.metrics.k8s.io/v1beta1: fleet-wide GPU metrics for scaling on cluster GPU pressure, at
 * {@code namespaces/{ns}/{metric}?labelSelector=}. The selector selects GPUs by their series'
 * labels ({@code model}, {@code node}, {@code gpu}, {@code uuid}, ...), not objects; every
 * namespace sees the same fleet. Each answer is one item, because the HPA sums the items of an
 * external metric: a mean must arrive whole.
 *
 * <p>The item's {@code metricLabels} are the labels every combined GPU shares (with
 * {@code labelSelector=model=X}, at least {@code model: X}); its timestamp is the oldest reading
 * combined. When no matching GPU has a current reading the answer is a 404, never a 0.
 */
public final class ExternalMetricsApi {
    public static final String GROUP = "external.metrics.k8s.io";
    public static final String VERSION = "v1beta1";

    private final GpuMetrics metrics;
    private final ApiOptions options;
    private final Freshness freshness;

    public ExternalMetricsApi(GpuMetrics metrics, ApiOptions options) {
        this.metrics = metrics;
        this.options = options;
        this.freshness = new Freshness(options.maxAge());
    }

    /**
     * Answers a GET.
     *
     * @param parts the decoded path segments after {@code /apis/external.metrics.k8s.io/v1beta1/}
     * @param params the query parameters, first value of each
     * @param now the time staleness is judged against
     */
    public ApiResponse get(List<String> parts, Map<String, String> params, Instant now) {
        if (parts.size() != 3 || !parts.get(0).equals("namespaces")) {
            return ApiResponse.failure(Status.pathNotFound());
        }
        String metricName = parts.get(2);
        Optional<ExternalMetric> found = ExternalMetric.byName(metricName);
        if (found.isEmpty()) {
            return ApiResponse.failure(Status.notFound("the server could not find the external metric " + metricName,
                    new Status.Details(metricName, GROUP, null)));
        }
        LabelSelector selector;
        try {
            selector = LabelSelector.parse(params.get("labelSelector"));
        } catch (IllegalArgumentException e) {
            return ApiResponse.failure(Status.badRequest("labelSelector: " + e.getMessage()));
        }
        ExternalMetric metric = found.get();
        List<GpuReading> matching = metrics.gpus(metric.gpuSeries()).stream()
                .filter(g -> selector.matches(g.labels()))
                .toList();
        List<GpuReading> current = matching.stream().filter(g -> freshness.isCurrent(g.reading(), now)).toList();
        if (current.isEmpty()) {
            String why = matching.isEmpty()
                    ? "no GPU series matches the selector"
                    : "of the " + matching.size() + " matching GPUs, " + freshness.whyNone(
                            matching.stream().map(GpuReading::reading).toList(), now);
            return ApiResponse.failure(Status.notFound("the server could not find the external metric " + metricName
                    + " with selector \"" + selector + "\": " + why, new Status.Details(metricName, GROUP, null)));
        }
        double value = switch (metric) {
            case GPU_UTILIZATION -> current.stream().mapToDouble(g -> g.reading().value()).average().orElseThrow();
            case IDLE_DEVICES -> current.stream()
                    .filter(g -> !g.labels().containsKey("pod")
                            && g.reading().value() < ExternalMetric.IDLE_BELOW_PERCENT)
                    .count();
        };
        long oldest = current.stream().mapToLong(g -> g.reading().timestampMillis()).min().orElseThrow();
        ExternalMetricValue item = new ExternalMetricValue(metricName, sharedLabels(current),
                Instant.ofEpochMilli(oldest), options.windowSeconds(), CanonicalQuantity.format(value));
        return ApiResponse.ok(new ExternalMetricValueList(List.of(item)));
    }

    /** The labels, with their values, that every GPU of a non-empty list carries alike. */
    static Map<String, String> sharedLabels(List<GpuReading> gpus) {
        Map<String, String> shared = new HashMap<>(gpus.get(0).labels());
        for (GpuReading g : gpus.subList(1, gpus.size())) {
            shared.entrySet().removeIf(e -> !e.getValue().equals(g.labels().get(e.getKey())));
        }
        return shared;
    }
}

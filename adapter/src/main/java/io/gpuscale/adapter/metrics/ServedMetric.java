package io.gpuscale.adapter.metrics;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The metrics the adapter serves, by the name HPAs and {@code kubectl get --raw} use, with the
 * agent series each is computed from. The seed HPA's {@code nvidia_gpu_utilization_percent} on
 * {@code pods} is the pod's own share of its GPUs (exclusive: the GPU's value; time-sliced: the
 * pod's processes'), averaged over the pod's GPUs.
 *
 * @param name the served name
 * @param podSeries the agent's per-pod series, or null when the metric is not served for pods
 * @param gpuSeries the agent's per-GPU series, or null when the metric is not served for nodes
 * @param aggregation how several GPUs combine
 */
public record ServedMetric(String name, String podSeries, String gpuSeries, Aggregation aggregation) {

    public static final ServedMetric GPU_UTILIZATION = new ServedMetric("nvidia_gpu_utilization_percent",
            "nvidia_gpu_pod_utilization_percent", "nvidia_gpu_utilization_percent", Aggregation.MEAN);
    public static final ServedMetric GPU_MEMORY_USED = new ServedMetric("nvidia_gpu_memory_used_bytes",
            "nvidia_gpu_pod_memory_used_bytes", "nvidia_gpu_memory_used_bytes", Aggregation.SUM);
    public static final ServedMetric GPU_POWER = new ServedMetric("nvidia_gpu_power_usage_watts",
            null, "nvidia_gpu_power_usage_watts", Aggregation.SUM);
    public static final ServedMetric GPU_TEMPERATURE = new ServedMetric("nvidia_gpu_temperature_celsius",
            null, "nvidia_gpu_temperature_celsius", Aggregation.MAX);

    private static final List<ServedMetric> ALL =
            List.of(GPU_UTILIZATION, GPU_MEMORY_USED, GPU_POWER, GPU_TEMPERATURE);

    public static List<ServedMetric> all() {
        return ALL;
    }

    /** Metrics served for pods (and for namespaces, over their pods). */
    public static List<ServedMetric> forPods() {
        return ALL.stream().filter(m -> m.podSeries() != null).toList();
    }

    /** Metrics served for nodes. */
    public static List<ServedMetric> forNodes() {
        return ALL.stream().filter(m -> m.gpuSeries() != null).toList();
    }

    public static Optional<ServedMetric> byName(String name) {
        return Arrays.stream(ALL.toArray(ServedMetric[]::new)).filter(m -> m.name().equals(name)).findFirst();
    }
}

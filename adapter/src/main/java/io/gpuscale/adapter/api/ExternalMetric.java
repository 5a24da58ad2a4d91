package io.gpuscale.adapter.api;

import java.util.Arrays;
import java.util.Optional;

/**
 * The fleet metrics of external.metrics.k8s.io, computed over the agents' per-GPU series that
 * match the request's {@code labelSelector} (GPU labels: {@code node}, {@code gpu}, {@code uuid},
 * {@code model}, ...). Every namespace sees the same fleet.
 */
public enum ExternalMetric {
    /** The mean utilization of the matching GPUs, in percent. */
    GPU_UTILIZATION("nvidia_gpu_utilization_percent", "nvidia_gpu_utilization_percent"),
    /**
     * How many matching GPUs are idle: no pod holds them whole (their series carries no {@code pod}
     * label) and their utilization is below {@link #IDLE_BELOW_PERCENT}. A time-sliced GPU's series
     * carries no {@code pod} label either; it counts as idle only while its load is that low.
     */
    IDLE_DEVICES("nvidia_gpu_idle_devices", "nvidia_gpu_utilization_percent");

    /** Utilization below which an unheld GPU counts as idle. */
    public static final double IDLE_BELOW_PERCENT = 5.0;

    private final String metricName;
    private final String gpuSeries;

    ExternalMetric(String metricName, String gpuSeries) {
        this.metricName = metricName;
        this.gpuSeries = gpuSeries;
    }

    /** The served name. */
    public String metricName() {
        return metricName;
    }

    /** The agents' per-GPU series it is computed from. */
    public String gpuSeries() {
        return gpuSeries;
    }

    public static Optional<ExternalMetric> byName(String name) {
        return Arrays.stream(values()).filter(m -> m.metricName.equals(name)).findFirst();
    }
}

package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.metrics.GpuMetrics;
import io.gpuscale.adapter.metrics.Reading;
import java.util.List;

/**
 * The GPU-aware part of a node's score, 0 to 100, from three measures of how empty the node's
 * GPUs are, each 0 (full) to 1 (empty):
 * <ul>
 * <li><b>free GPUs</b> — from the cluster index, not metrics: for the GPU resources the pod
 *     requests, {@code (allocatable - requested - pod's request) / allocatable}, i.e. what is left
 *     once the pod is placed;</li>
 * <li><b>free GPU memory</b> — {@code 1 - sum(nvidia_gpu_memory_used_bytes) /
 *     sum(nvidia_gpu_memory_total_bytes)} over the node's GPUs;</li>
 * <li><b>idle</b> — {@code 1 - mean(nvidia_gpu_utilization_percent) / 100}.</li>
 * </ul>
 * A reading older than {@code gpuMaxAge} is ignored; a measure with no fresh reading (stale,
 * missing, or no metrics at all) is <em>unknown</em> and counts 0.5, neutral, never as idle.
 *
 * <p>For a pod that requests GPUs, emptiness is the mean of the three;
 * {@link GpuPolicy#SPREAD} scores {@code 100 * emptiness} and {@link GpuPolicy#BINPACK}
 * {@code 100 * (1 - emptiness)}. For a pod that requests no GPU the policy does not apply: the
 * score is {@code 100 * idle} whatever the policy, so CPU work drifts away from busy GPU nodes
 * (whose host CPU feeds the GPU jobs); a node with no GPU at all counts as idle. The advisor
 * gives this score a light weight for such pods (see {@link PlacementAdvisor}).
 */
final class GpuScore {
    static final String UTILIZATION = "nvidia_gpu_utilization_percent";
    static final String MEMORY_USED = "nvidia_gpu_memory_used_bytes";
    static final String MEMORY_TOTAL = "nvidia_gpu_memory_total_bytes";
    static final double UNKNOWN = 0.5;

    private final GpuMetrics metrics;
    private final GpuPolicy policy;
    private final long oldestMillis;
    private final int gpuSlot;

    GpuScore(GpuMetrics metrics, GpuPolicy policy, long nowMillis, long maxAgeMillis, int gpuSlot) {
        this.metrics = metrics;
        this.policy = policy;
        this.oldestMillis = nowMillis - maxAgeMillis;
        this.gpuSlot = gpuSlot;
    }

    int score(PodQuery pod, IndexedNode node, IndexedNode.NodeUsage usage) {
        List<Reading> util = metrics == null ? List.of() : metrics.node(UTILIZATION, node.name);
        double idle = idle(util);
        if (!pod.gpuPod()) {
            boolean noGpu = util.isEmpty() && (gpuSlot < 0 || ResourceSlots.at(node.allocatable, gpuSlot) == 0);
            return (int) Math.round(100 * (noGpu ? 1.0 : idle));
        }
        long alloc = 0;
        long left = 0;
        for (int s : pod.gpuSlots) {
            long a = ResourceSlots.at(node.allocatable, s);
            alloc += a;
            left += a - ResourceSlots.at(usage.requested, s) - pod.request[s];
        }
        double freeGpus = alloc <= 0 ? UNKNOWN : clamp((double) left / alloc);
        double freeMemory = metrics == null ? UNKNOWN
                : freeMemory(metrics.node(MEMORY_USED, node.name), metrics.node(MEMORY_TOTAL, node.name));
        double emptiness = (freeGpus + freeMemory + idle) / 3;
        return (int) Math.round(100 * (policy == GpuPolicy.SPREAD ? emptiness : 1 - emptiness));
    }

    private double idle(List<Reading> util) {
        double sum = 0;
        int n = 0;
        for (Reading r : util) {
            if (fresh(r)) {
                sum += r.value();
                n++;
            }
        }
        return n == 0 ? UNKNOWN : clamp(1 - sum / n / 100);
    }

    private double freeMemory(List<Reading> used, List<Reading> total) {
        double u = 0;
        double t = 0;
        int n = 0;
        for (Reading r : used) {
            if (fresh(r)) {
                u += r.value();
                n++;
            }
        }
        int m = 0;
        for (Reading r : total) {
            if (fresh(r)) {
                t += r.value();
                m++;
            }
        }
        return n == 0 || m == 0 || t <= 0 ? UNKNOWN : clamp(1 - u / t);
    }

    private boolean fresh(Reading r) {
        return r.timestampMillis() >= oldestMillis && !Double.isNaN(r.value());
    }

    private static double clamp(double x) {
        return Math.max(0, Math.min(1, x));
    }
}

package io.gpuscale.adapter.advisor;

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
 * missing, a snapshot too old, or no metrics at all) is <em>unknown</em> and counts 0.5, neutral,
 * never as idle.
 *
 * <p>For a pod that requests GPUs, emptiness is the mean of the three;
 * {@link GpuPolicy#SPREAD} scores {@code 100 * emptiness} and {@link GpuPolicy#BINPACK}
 * {@code 100 * (1 - emptiness)}. For a pod that requests no GPU the policy does not apply: the
 * score is {@code 100 * idle} whatever the policy, so CPU work drifts away from busy GPU nodes
 * (whose host CPU feeds the GPU jobs); a node with no GPU at all (none allocatable, no reading)
 * counts as idle. The advisor gives this score a light weight for such pods (see
 * {@link PlacementAdvisor}).
 */
final class GpuScore {
    static final String UTILIZATION = "nvidia_gpu_utilization_percent";
    static final String MEMORY_USED = "nvidia_gpu_memory_used_bytes";
    static final String MEMORY_TOTAL = "nvidia_gpu_memory_total_bytes";
    static final double UNKNOWN = 0.5;

    private final GpuLoads loads;
    private final long nowMillis;
    private final long maxAgeMillis;
    private final GpuPolicy policy;
    private final int gpuSlot;

    /**
     * @param loads every node's GPU load, a snapshot read earlier ({@link GpuLoadRefresher}); no I/O here
     * @param nowMillis when the score is made: a node's load counts only while its readings are fresh then
     * @param gpuSlot the index's slot of {@code nvidia.com/gpu}, or -1 when no node has any
     */
    GpuScore(GpuLoads loads, long nowMillis, long maxAgeMillis, GpuPolicy policy, int gpuSlot) {
        this.loads = loads;
        this.nowMillis = nowMillis;
        this.maxAgeMillis = maxAgeMillis;
        this.policy = policy;
        this.gpuSlot = gpuSlot;
    }

    int score(PodQuery pod, IndexedNode node, IndexedNode.NodeUsage usage) {
        GpuLoads.Load load = loads.at(node, nowMillis, maxAgeMillis);
        if (!pod.gpuPod()) {
            boolean noGpu = load == null && (gpuSlot < 0 || ResourceSlots.at(node.allocatable, gpuSlot) == 0);
            return (int) Math.round(100 * (noGpu ? 1.0 : known(load == null ? Double.NaN : load.idle())));
        }
        if (load == null) {
            load = GpuLoads.NONE;
        }
        long alloc = 0;
        long left = 0;
        for (int s : pod.gpuSlots) {
            long a = ResourceSlots.at(node.allocatable, s);
            alloc += a;
            left += a - ResourceSlots.at(usage.requested, s) - pod.request[s];
        }
        double freeGpus = alloc <= 0 ? UNKNOWN : Math.max(0, Math.min(1, (double) left / alloc));
        double emptiness = (freeGpus + known(load.freeMemory()) + known(load.idle())) / 3;
        return (int) Math.round(100 * (policy == GpuPolicy.SPREAD ? emptiness : 1 - emptiness));
    }

    private static double known(double measure) {
        return Double.isNaN(measure) ? UNKNOWN : measure;
    }
}

package io.gpuscale.adapter.metrics;

import java.util.List;

/**
 * The latest GPU readings, by the agents' metric names. What the APIs read; implemented by the
 * in-memory store the agents' scrapes feed, and by the Prometheus backend. Answers include stale
 * readings with their timestamps: deciding what is too old is the caller's job.
 */
public interface GpuMetrics {

    /**
     * A pod's readings of a per-pod agent metric (e.g. {@code nvidia_gpu_pod_utilization_percent}),
     * one per GPU (or MIG device) the pod holds; empty when there are none.
     *
     * @param node the node the pod runs on (readings are indexed by the agent of that node)
     */
    List<Reading> pod(String metric, String node, String namespace, String pod);

    /** A node's readings of a per-GPU agent metric (e.g. {@code nvidia_gpu_utilization_percent}), one per GPU. */
    List<Reading> node(String metric, String node);

    /** Every GPU's reading of a per-GPU agent metric, with the GPU's labels and identity. */
    List<GpuReading> gpus(String metric);
}

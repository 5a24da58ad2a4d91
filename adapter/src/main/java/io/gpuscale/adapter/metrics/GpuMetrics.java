package io.gpuscale.adapter.metrics;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

    /**
     * Several pods' readings of a per-pod metric in one call: for each pod asked for, what
     * {@link #pod} answers (pods without readings map to an empty list). A request over many pods
     * ({@code pods/*}, a namespace) reads through this, so that a backend behind a network (the
     * Prometheus one) answers it in a few queries rather than one per pod.
     *
     * @param nodeByPod the node each pod runs on, by pod name
     */
    default Map<String, List<Reading>> pods(String metric, String namespace, Map<String, String> nodeByPod) {
        Map<String, List<Reading>> out = new HashMap<>();
        nodeByPod.forEach((pod, node) -> out.put(pod, pod(metric, node, namespace, pod)));
        return out;
    }

    /**
     * Several nodes' readings of a per-GPU metric in one call: for each node asked for, what
     * {@link #node} answers (nodes without readings map to an empty list).
     */
    default Map<String, List<Reading>> nodes(String metric, Collection<String> nodes) {
        Map<String, List<Reading>> out = new HashMap<>();
        for (String node : nodes) {
            out.put(node, node(metric, node));
        }
        return out;
    }
}

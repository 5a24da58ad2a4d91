package io.gpuscale.adapter.store;

import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.metrics.Reading;
import java.util.List;
import java.util.Map;

/**
 * One target's last scrape, as kept by the store: immutable, indexed for the queries the APIs
 * make, replaced whole by the target's next scrape.
 */
public final class AgentSnapshot {
    private final String target;
    private final String node;
    private final long timestampMillis;
    private final Map<String, Map<PodKey, List<Reading>>> podReadings;
    private final Map<String, List<GpuReading>> gpuReadings;
    private final Map<String, List<Reading>> nodeReadings;
    private final int series;

    AgentSnapshot(String target, String node, long timestampMillis, Map<String, Map<PodKey, List<Reading>>> podReadings,
            Map<String, List<GpuReading>> gpuReadings, Map<String, List<Reading>> nodeReadings, int series) {
        this.target = target;
        this.node = node;
        this.timestampMillis = timestampMillis;
        this.podReadings = podReadings;
        this.gpuReadings = gpuReadings;
        this.nodeReadings = nodeReadings;
        this.series = series;
    }

    /** The target's key (its URL). */
    public String target() {
        return target;
    }

    /** The node the target reports for; empty when neither discovery nor its series said. */
    public String node() {
        return node;
    }

    /** When the scrape's values were measured (the agent's sample time, else the time it arrived). */
    public long timestampMillis() {
        return timestampMillis;
    }

    /** Series kept from the scrape. */
    public int series() {
        return series;
    }

    /** A pod's readings of a per-pod series; empty when none. */
    public List<Reading> pod(String metric, String namespace, String pod) {
        Map<PodKey, List<Reading>> byPod = podReadings.get(metric);
        if (byPod == null) {
            return List.of();
        }
        List<Reading> readings = byPod.get(new PodKey(namespace, pod));
        return readings == null ? List.of() : readings;
    }

    /** Every GPU's reading of a per-GPU series, in exposition order. */
    public List<Reading> node(String metric) {
        return nodeReadings.getOrDefault(metric, List.of());
    }

    /** Every GPU's reading of a per-GPU series with its labels (the model joined in). */
    public List<GpuReading> gpus(String metric) {
        return gpuReadings.getOrDefault(metric, List.of());
    }
}

package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.metrics.GpuMetrics;
import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.metrics.Reading;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** An in-memory {@link GpuMetrics}: per node and metric, one reading per GPU, labelled with its node. */
final class GpuReadings implements GpuMetrics {
    private final Map<String, Map<String, List<Reading>>> byNode = new HashMap<>();
    /** How many times {@link #gpus} was called. */
    int bulkReads;

    /** One GPU of {@code node}: utilization, memory used and total, all read at {@code atMillis}. */
    GpuReadings gpu(String node, double utilizationPercent, double memoryUsedBytes, double memoryTotalBytes,
            long atMillis) {
        add(node, GpuScore.UTILIZATION, utilizationPercent, atMillis);
        add(node, GpuScore.MEMORY_USED, memoryUsedBytes, atMillis);
        add(node, GpuScore.MEMORY_TOTAL, memoryTotalBytes, atMillis);
        return this;
    }

    private void add(String node, String metric, double value, long at) {
        byNode.computeIfAbsent(node, k -> new HashMap<>()).computeIfAbsent(metric, k -> new ArrayList<>())
                .add(new Reading(value, at));
    }

    @Override
    public List<Reading> pod(String metric, String node, String namespace, String pod) {
        return List.of();
    }

    @Override
    public List<Reading> node(String metric, String node) {
        Map<String, List<Reading>> metrics = byNode.get(node);
        return metrics == null ? List.of() : metrics.getOrDefault(metric, List.of());
    }

    @Override
    public List<GpuReading> gpus(String metric) {
        bulkReads++;
        List<GpuReading> out = new ArrayList<>();
        byNode.forEach((node, metrics) -> {
            List<Reading> readings = metrics.getOrDefault(metric, List.of());
            for (int gpu = 0; gpu < readings.size(); gpu++) {
                out.add(new GpuReading(Map.of("node", node, "gpu", Integer.toString(gpu)), readings.get(gpu)));
            }
        });
        return out;
    }
}

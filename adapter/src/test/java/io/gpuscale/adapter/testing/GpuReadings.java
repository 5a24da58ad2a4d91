package io.gpuscale.adapter.testing;

import io.gpuscale.adapter.metrics.GpuMetrics;
import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.metrics.Reading;
import java.util.List;

/**
 * A {@link GpuMetrics} that has per-GPU readings only (what the placement advisor reads): no pod
 * or node series. A test gives the readings of each metric.
 */
@FunctionalInterface
public interface GpuReadings extends GpuMetrics {
    @Override
    default List<Reading> pod(String metric, String node, String namespace, String pod) {
        return List.of();
    }

    @Override
    default List<Reading> node(String metric, String node) {
        return List.of();
    }

    @Override
    List<GpuReading> gpus(String metric);
}

package io.gpuscale.adapter.metrics;

import java.util.Map;

/**
 * One GPU's reading of a metric with the GPU's labels ({@code node}, {@code gpu}, {@code uuid},
 * {@code model}, ...), for external metrics selected by metric labels.
 */
public record GpuReading(Map<String, String> labels, Reading reading) {
    public GpuReading {
        labels = Map.copyOf(labels);
    }
}

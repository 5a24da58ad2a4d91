package io.gpuscale.adapter.api;

import io.gpuscale.adapter.metrics.GpuMetrics;
import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.metrics.Reading;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-memory {@link GpuMetrics}: series by name and labels, each with one reading. */
final class FakeGpuMetrics implements GpuMetrics {
    record Series(String metric, Map<String, String> labels, Reading reading) {
    }

    private final List<Series> series = new CopyOnWriteArrayList<>();

    FakeGpuMetrics add(String metric, Map<String, String> labels, double value, long timestampMillis) {
        series.add(new Series(metric, labels, new Reading(value, timestampMillis)));
        return this;
    }

    @Override
    public List<Reading> pod(String metric, String node, String namespace, String pod) {
        List<Reading> out = new ArrayList<>();
        for (Series s : series) {
            if (s.metric.equals(metric) && node.equals(s.labels.get("node"))
                    && namespace.equals(s.labels.get("namespace")) && pod.equals(s.labels.get("pod"))) {
                out.add(s.reading);
            }
        }
        return out;
    }

    @Override
    public List<Reading> node(String metric, String node) {
        List<Reading> out = new ArrayList<>();
        for (Series s : series) {
            if (s.metric.equals(metric) && node.equals(s.labels.get("node"))) {
                out.add(s.reading);
            }
        }
        return out;
    }

    @Override
    public List<GpuReading> gpus(String metric) {
        List<GpuReading> out = new ArrayList<>();
        for (Series s : series) {
            if (s.metric.equals(metric)) {
                out.add(new GpuReading(s.labels, s.reading));
            }
        }
        return out;
    }
}

package io.gpuscale.adapter.api;

import io.gpuscale.adapter.metrics.GpuMetrics;
import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.metrics.Reading;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory {@link GpuMetrics}: series by name and labels, each with one reading. Counts the
 * calls made to it, as a backend behind a network would pay one query each.
 */
final class FakeGpuMetrics implements GpuMetrics {
    record Series(String metric, Map<String, String> labels, Reading reading) {
    }

    private final List<Series> series = new CopyOnWriteArrayList<>();
    private final AtomicInteger calls = new AtomicInteger();

    /** Calls to {@link #pod}, {@link #node}, {@link #gpus} and the bulk methods, each counted once. */
    int calls() {
        return calls.get();
    }

    @Override
    public Map<String, List<Reading>> pods(String metric, String namespace, Map<String, String> nodeByPod) {
        Map<String, List<Reading>> out = new HashMap<>();
        nodeByPod.forEach((pod, node) -> out.put(pod, matching(metric, node, namespace, pod)));
        calls.incrementAndGet();
        return out;
    }

    @Override
    public Map<String, List<Reading>> nodes(String metric, Collection<String> nodes) {
        Map<String, List<Reading>> out = new HashMap<>();
        nodes.forEach(node -> out.put(node, matching(metric, node)));
        calls.incrementAndGet();
        return out;
    }

    FakeGpuMetrics add(String metric, Map<String, String> labels, double value, long timestampMillis) {
        series.add(new Series(metric, labels, new Reading(value, timestampMillis)));
        return this;
    }

    @Override
    public List<Reading> pod(String metric, String node, String namespace, String pod) {
        calls.incrementAndGet();
        return matching(metric, node, namespace, pod);
    }

    private List<Reading> matching(String metric, String node, String namespace, String pod) {
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
        calls.incrementAndGet();
        return matching(metric, node);
    }

    private List<Reading> matching(String metric, String node) {
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
        calls.incrementAndGet();
        List<GpuReading> out = new ArrayList<>();
        for (Series s : series) {
            if (s.metric.equals(metric)) {
                out.add(new GpuReading(s.labels, s.reading));
            }
        }
        return out;
    }
}

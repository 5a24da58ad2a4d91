package io.gpuscale.adapter.store;

import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.metrics.ModelLabel;
import io.gpuscale.adapter.metrics.Reading;
import io.gpuscale.adapter.scrape.Labels;
import io.gpuscale.adapter.scrape.ScrapeIngest.ScrapeBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects one scrape and builds its {@link AgentSnapshot}. Samples wait until the end: the
 * agent serves its sample timestamp after the GPU series, and the model comes from
 * {@code nvidia_gpu_info}, which may come in any order.
 */
final class SnapshotBuilder implements ScrapeBatch {
    static final String SAMPLE_TIMESTAMP = "gpuscale_agent_last_sample_timestamp_seconds";
    static final String INFO = "nvidia_gpu_info";

    private record Pending(String name, Labels labels, double value, long timestampMillis) {
    }

    private final MetricStore store;
    private final String target;
    private final String discoveredNode;
    private final long receivedAtMillis;
    private final Set<String> gpuSeries;
    private final Set<String> podSeries;
    private final List<Pending> pending = new ArrayList<>();
    private final Map<String, String> models = new HashMap<>();
    private String seriesNode;
    private long sampleTimestampMillis = Long.MIN_VALUE;
    private boolean committed;

    SnapshotBuilder(MetricStore store, String target, String node, long receivedAtMillis, Set<String> gpuSeries,
            Set<String> podSeries) {
        this.store = store;
        this.target = target;
        this.discoveredNode = node;
        this.receivedAtMillis = receivedAtMillis;
        this.gpuSeries = gpuSeries;
        this.podSeries = podSeries;
    }

    @Override
    public boolean accepts(String name) {
        return gpuSeries.contains(name) || podSeries.contains(name) || name.equals(INFO) || name.equals(SAMPLE_TIMESTAMP);
    }

    @Override
    public void sample(String name, Labels labels, double value, long timestampMillis) {
        if (name.equals(SAMPLE_TIMESTAMP)) {
            if (Double.isFinite(value) && value > 0) {
                sampleTimestampMillis = Math.round(value * 1000);
            }
            return;
        }
        if (seriesNode == null) {
            seriesNode = labels.get("node");
        }
        if (name.equals(INFO)) {
            String model = labels.get("model");
            if (model != null) {
                models.put(gpuKey(labels), model);
            }
            return;
        }
        pending.add(new Pending(name, labels, value, timestampMillis));
    }

    @Override
    public void commit() {
        if (committed) {
            throw new IllegalStateException("a scrape is committed once");
        }
        committed = true;
        store.put(build());
    }

    AgentSnapshot build() {
        String node = discoveredNode != null ? discoveredNode : seriesNode != null ? seriesNode : "";
        long scrapeTimestamp = sampleTimestampMillis != Long.MIN_VALUE ? sampleTimestampMillis : receivedAtMillis;
        Map<String, Map<PodKey, List<Reading>>> pods = new HashMap<>();
        Map<String, List<GpuReading>> gpus = new HashMap<>();
        Map<String, List<Reading>> nodeReadings = new HashMap<>();
        for (Pending p : pending) {
            // The agent's own sample time wins; else a line's timestamp; else when the body arrived.
            long ts = sampleTimestampMillis != Long.MIN_VALUE || p.timestampMillis() == Long.MIN_VALUE
                    ? scrapeTimestamp : p.timestampMillis();
            Reading reading = new Reading(p.value(), ts);
            Map<String, String> labels = new LinkedHashMap<>(p.labels().toMap());
            if (!node.isEmpty()) {
                labels.put("node", node);
            }
            String model = models.get(gpuKey(p.labels()));
            if (model != null) {
                labels.put("model", ModelLabel.of(model));
            }
            // Every series is listed with its labels, per-pod ones too, for metric label selectors.
            gpus.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(new GpuReading(labels, reading));
            if (podSeries.contains(p.name())) {
                String namespace = p.labels().get("namespace");
                String pod = p.labels().get("pod");
                if (namespace != null && pod != null) {
                    pods.computeIfAbsent(p.name(), k -> new HashMap<>())
                            .computeIfAbsent(new PodKey(namespace, pod), k -> new ArrayList<>(2)).add(reading);
                }
            } else {
                nodeReadings.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(reading);
            }
        }
        pods.replaceAll((metric, byPod) -> {
            byPod.replaceAll((key, readings) -> List.copyOf(readings));
            return Map.copyOf(byPod);
        });
        gpus.replaceAll((metric, readings) -> List.copyOf(readings));
        nodeReadings.replaceAll((metric, readings) -> List.copyOf(readings));
        return new AgentSnapshot(target, node, scrapeTimestamp, Map.copyOf(pods), Map.copyOf(gpus),
                Map.copyOf(nodeReadings), pending.size());
    }

    /** A GPU's identity for the model join: its UUID, else its index. */
    private static String gpuKey(Labels labels) {
        String uuid = labels.get("uuid");
        return uuid != null ? uuid : "#" + labels.get("gpu");
    }
}

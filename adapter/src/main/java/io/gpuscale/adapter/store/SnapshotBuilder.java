package io.gpuscale.adapter.store;

import io.gpuscale.adapter.metrics.ModelLabel;
import io.gpuscale.adapter.scrape.Labels;
import io.gpuscale.adapter.scrape.ScrapeIngest.ScrapeBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
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
        int n = pending.size();

        // Series grouped by metric, in exposition order within each (a stable counting sort).
        Map<String, Integer> metricIndex = new HashMap<>();
        List<String> metricNames = new ArrayList<>();
        int[] metricOf = new int[n];
        for (int i = 0; i < n; i++) {
            String name = pending.get(i).name();
            Integer m = metricIndex.get(name);
            if (m == null) {
                m = metricNames.size();
                metricIndex.put(name, m);
                metricNames.add(name);
            }
            metricOf[i] = m;
        }
        int metricCount = metricNames.size();
        int[] metricStart = new int[metricCount + 1];
        for (int i = 0; i < n; i++) {
            metricStart[metricOf[i] + 1]++;
        }
        for (int m = 0; m < metricCount; m++) {
            metricStart[m + 1] += metricStart[m];
        }
        boolean[] podMetric = new boolean[metricCount];
        for (int m = 0; m < metricCount; m++) {
            podMetric[m] = podSeries.contains(metricNames.get(m));
        }

        double[] values = new double[n];
        long[] timestamps = null;
        int[] labelSetOf = new int[n];
        int[] podOf = new int[n];
        Map<LabelSetKey, Integer> labelSetIndex = new HashMap<>();
        List<Map<String, String>> labelSets = new ArrayList<>();
        Map<PodKey, Integer> podIndex = new HashMap<>();
        List<PodKey> podKeys = new ArrayList<>();
        int[] next = Arrays.copyOf(metricStart, metricCount);
        for (int i = 0; i < n; i++) {
            Pending p = pending.get(i);
            int s = next[metricOf[i]]++;
            values[s] = p.value();
            // The agent's own sample time wins; else a line's timestamp; else when the body arrived.
            if (sampleTimestampMillis == Long.MIN_VALUE && p.timestampMillis() != Long.MIN_VALUE) {
                if (timestamps == null) {
                    timestamps = new long[n];
                    Arrays.fill(timestamps, scrapeTimestamp);
                }
                timestamps[s] = p.timestampMillis();
            }
            Labels labels = p.labels();
            String namespace = labels.get("namespace");
            String pod = labels.get("pod");
            boolean named = namespace != null && pod != null;
            if (named) {
                PodKey key = new PodKey(namespace, pod);
                Integer index = podIndex.get(key);
                if (index == null) {
                    index = podKeys.size();
                    podIndex.put(key, index);
                    podKeys.add(key);
                }
                podOf[s] = index;
            } else {
                podOf[s] = -1;
            }
            LabelSetKey setKey = new LabelSetKey(labels, named);
            Integer set = labelSetIndex.get(setKey);
            if (set == null) {
                set = labelSets.size();
                labelSetIndex.put(setKey, set);
                labelSets.add(labelSet(labels, named, node));
            }
            labelSetOf[s] = set;
        }

        // Pods sorted by namespace and name, each with its per-pod series in series order.
        int podCount = podKeys.size();
        Integer[] order = new Integer[podCount];
        for (int i = 0; i < podCount; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> AgentSnapshot.compare(podKeys.get(a).namespace(), podKeys.get(a).pod(),
                podKeys.get(b).namespace(), podKeys.get(b).pod()));
        int[] rank = new int[podCount];
        String[] namespaces = new String[podCount];
        String[] pods = new String[podCount];
        for (int r = 0; r < podCount; r++) {
            rank[order[r]] = r;
            namespaces[r] = podKeys.get(order[r]).namespace();
            pods[r] = podKeys.get(order[r]).pod();
        }
        int[] podStart = new int[podCount + 1];
        int indexed = 0;
        for (int s = 0; s < n; s++) {
            if (podOf[s] >= 0) {
                podOf[s] = rank[podOf[s]];
            }
        }
        for (int m = 0; m < metricCount; m++) {
            if (podMetric[m]) {
                for (int s = metricStart[m]; s < metricStart[m + 1]; s++) {
                    if (podOf[s] >= 0) {
                        podStart[podOf[s] + 1]++;
                        indexed++;
                    }
                }
            }
        }
        for (int r = 0; r < podCount; r++) {
            podStart[r + 1] += podStart[r];
        }
        int[] podSeriesIndex = new int[indexed];
        int[] fill = Arrays.copyOf(podStart, podCount);
        for (int m = 0; m < metricCount; m++) {
            if (podMetric[m]) {
                for (int s = metricStart[m]; s < metricStart[m + 1]; s++) {
                    if (podOf[s] >= 0) {
                        podSeriesIndex[fill[podOf[s]]++] = s;
                    }
                }
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, String>[] sets = labelSets.toArray(new Map[0]);
        return new AgentSnapshot(target, node, scrapeTimestamp, n, metricNames.toArray(new String[0]), metricStart,
                podMetric, values, timestamps, labelSetOf, podOf, sets, namespaces, pods, podStart, podSeriesIndex);
    }

    /**
     * A series' labels as served, without namespace and pod when {@code named} (those come from
     * the pod), with the snapshot's node and the GPU's model joined in.
     */
    private Map<String, String> labelSet(Labels labels, boolean named, String node) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            String name = labels.name(i);
            if (!named || !(name.equals("namespace") || name.equals("pod"))) {
                out.put(name, labels.value(i));
            }
        }
        if (!node.isEmpty()) {
            out.put("node", node);
        }
        String model = models.get(gpuKey(labels));
        if (model != null) {
            out.put("model", ModelLabel.of(model));
        }
        return Map.copyOf(out);
    }

    /** A series' labels less namespace and pod (when {@code named}), compared as such. */
    private static final class LabelSetKey {
        private final Labels labels;
        private final boolean named;
        private final int hash;

        LabelSetKey(Labels labels, boolean named) {
            this.labels = labels;
            this.named = named;
            int h = 1;
            for (int i = 0; i < labels.size(); i++) {
                if (!skipped(i)) {
                    h = 31 * (31 * h + labels.name(i).hashCode()) + labels.value(i).hashCode();
                }
            }
            this.hash = h;
        }

        private boolean skipped(int i) {
            return named && (labels.name(i).equals("namespace") || labels.name(i).equals("pod"));
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof LabelSetKey other) || other.hash != hash) {
                return false;
            }
            int i = 0;
            int j = 0;
            while (true) {
                while (i < labels.size() && skipped(i)) {
                    i++;
                }
                while (j < other.labels.size() && other.skipped(j)) {
                    j++;
                }
                if (i == labels.size() || j == other.labels.size()) {
                    return i == labels.size() && j == other.labels.size();
                }
                if (!labels.name(i).equals(other.labels.name(j)) || !labels.value(i).equals(other.labels.value(j))) {
                    return false;
                }
                i++;
                j++;
            }
        }
    }

    /** A GPU's identity for the model join: its UUID, else its index. */
    private static String gpuKey(Labels labels) {
        String uuid = labels.get("uuid");
        return uuid != null ? uuid : "#" + labels.get("gpu");
    }
}

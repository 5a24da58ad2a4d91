package io.gpuscale.adapter.store;

import io.gpuscale.adapter.metrics.GpuReading;
import io.gpuscale.adapter.metrics.Reading;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One target's last scrape, as kept by the store: immutable, indexed for the queries the APIs
 * make, replaced whole by the target's next scrape.
 *
 * <p>Compact, because the store holds one per node of the fleet: a series costs a few primitive
 * fields ({@code double} value, indexes of its label set and of its pod), not objects. Series are
 * grouped by metric, in exposition order within a metric. Their labels other than
 * {@code namespace} and {@code pod} are kept once per distinct set (one per GPU and kind of series,
 * shared by every pod of a time-sliced GPU), with the node and model already joined in; the pods
 * are one array sorted by namespace and name, whose Strings are the parser's. One timestamp serves
 * every series unless the lines carried their own. {@link Reading}s and {@link GpuReading}s are
 * made when asked for.
 */
public final class AgentSnapshot {
    private final String target;
    private final String node;
    private final long timestampMillis;
    private final int series;

    /** Metric names kept, each with the range of its series: {@code [metricStart[m], metricStart[m + 1])}. */
    private final String[] metrics;
    private final int[] metricStart;
    /** Whether a metric is a per-pod series (answered by {@link #pod}) rather than per-GPU ({@link #node}). */
    private final boolean[] podMetric;

    /** Per series. */
    private final double[] values;
    /** Per series when the lines carried their own timestamps; else null and {@link #timestampMillis} serves. */
    private final long[] timestamps;
    private final int[] labelSetOf;
    /** Index into the pods, or -1 when the series names no pod. */
    private final int[] podOf;

    /** Distinct label sets without namespace and pod, node and model joined in; immutable. */
    private final Map<String, String>[] labelSets;

    /** Pods sorted by namespace, then name. */
    private final String[] namespaces;
    private final String[] pods;
    /** Per-pod series of pod {@code p}: {@code podSeries[podStart[p]] .. podSeries[podStart[p + 1] - 1]}. */
    private final int[] podStart;
    private final int[] podSeries;

    AgentSnapshot(String target, String node, long timestampMillis, int series, String[] metrics, int[] metricStart,
            boolean[] podMetric, double[] values, long[] timestamps, int[] labelSetOf, int[] podOf,
            Map<String, String>[] labelSets, String[] namespaces, String[] pods, int[] podStart, int[] podSeries) {
        this.target = target;
        this.node = node;
        this.timestampMillis = timestampMillis;
        this.series = series;
        this.metrics = metrics;
        this.metricStart = metricStart;
        this.podMetric = podMetric;
        this.values = values;
        this.timestamps = timestamps;
        this.labelSetOf = labelSetOf;
        this.podOf = podOf;
        this.labelSets = labelSets;
        this.namespaces = namespaces;
        this.pods = pods;
        this.podStart = podStart;
        this.podSeries = podSeries;
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

    /** A pod's readings of a per-pod series, in exposition order; empty when none. */
    public List<Reading> pod(String metric, String namespace, String pod) {
        int m = metric(metric);
        if (m < 0 || !podMetric[m]) {
            return List.of();
        }
        int p = findPod(namespace, pod);
        if (p < 0) {
            return List.of();
        }
        List<Reading> out = null;
        for (int i = podStart[p]; i < podStart[p + 1]; i++) {
            int s = podSeries[i];
            if (s >= metricStart[m] && s < metricStart[m + 1]) {
                if (out == null) {
                    out = new ArrayList<>(podStart[p + 1] - i);
                }
                out.add(reading(s));
            }
        }
        return out == null ? List.of() : out;
    }

    /** Every GPU's reading of a per-GPU series, in exposition order. */
    public List<Reading> node(String metric) {
        int m = metric(metric);
        if (m < 0 || podMetric[m]) {
            return List.of();
        }
        List<Reading> out = new ArrayList<>(metricStart[m + 1] - metricStart[m]);
        for (int s = metricStart[m]; s < metricStart[m + 1]; s++) {
            out.add(reading(s));
        }
        return out;
    }

    /** Every series of a metric with its labels (the node and model joined in), in exposition order. */
    public List<GpuReading> gpus(String metric) {
        int m = metric(metric);
        if (m < 0) {
            return List.of();
        }
        List<GpuReading> out = new ArrayList<>(metricStart[m + 1] - metricStart[m]);
        addGpus(m, out);
        return out;
    }

    /** Adds {@link #gpus(String)} to {@code out}. */
    void addGpus(String metric, List<GpuReading> out) {
        int m = metric(metric);
        if (m >= 0) {
            addGpus(m, out);
        }
    }

    private void addGpus(int m, List<GpuReading> out) {
        for (int s = metricStart[m]; s < metricStart[m + 1]; s++) {
            out.add(new GpuReading(labels(s), reading(s)));
        }
    }

    private Reading reading(int s) {
        return new Reading(values[s], timestamps == null ? timestampMillis : timestamps[s]);
    }

    private Map<String, String> labels(int s) {
        Map<String, String> set = labelSets[labelSetOf[s]];
        int p = podOf[s];
        if (p < 0) {
            return set;
        }
        Map<String, String> withPod = new HashMap<>(2 * (set.size() + 2));
        withPod.putAll(set);
        withPod.put("namespace", namespaces[p]);
        withPod.put("pod", pods[p]);
        return Map.copyOf(withPod);
    }

    private int metric(String name) {
        for (int m = 0; m < metrics.length; m++) {
            if (metrics[m].equals(name)) {
                return m;
            }
        }
        return -1;
    }

    private int findPod(String namespace, String pod) {
        int lo = 0;
        int hi = pods.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = compare(namespaces[mid], pods[mid], namespace, pod);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    static int compare(String namespaceA, String podA, String namespaceB, String podB) {
        int c = namespaceA.compareTo(namespaceB);
        return c != 0 ? c : podA.compareTo(podB);
    }
}

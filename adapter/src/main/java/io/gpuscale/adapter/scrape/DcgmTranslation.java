package io.gpuscale.adapter.scrape;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads NVIDIA dcgm-exporter's metrics as the agent's, so a cluster that already runs
 * dcgm-exporter can feed the adapter without the agent. Wraps the sink of one scrape: the four
 * dcgm fields the adapter serves become the agent's per-GPU series (once per GPU, without pod
 * labels), and, on a GPU dcgm attributes to pods, the agent's per-pod series with
 * {@code method="whole_gpu"} (dcgm copies the GPU's value to each pod). Each GPU's
 * {@code modelName} becomes an {@code nvidia_gpu_info} sample. Everything else passes through.
 *
 * <p>Labels: {@code gpu}; {@code UUID} (or {@code uuid}) → {@code uuid}; {@code Hostname}
 * (or {@code hostname}) → {@code node}; {@code modelName} → {@code model};
 * {@code exported_namespace}/{@code exported_pod}/{@code exported_container} (a dcgm-exporter
 * scraped through Prometheus), else {@code namespace}/{@code pod}/{@code container}, else the old
 * {@code pod_namespace}/{@code pod_name}/{@code container_name} → the pod; MIG instances keep
 * their {@code GPU_I_ID} as {@code gpu_instance}.
 */
public final class DcgmTranslation implements SampleSink {
    static final String INFO = "nvidia_gpu_info";

    /**
     * @param gpuSeries the agent's per-GPU series
     * @param scale the factor to the agent's unit
     * @param podSeries the agent's per-pod series, or null when the agent has none for this reading
     */
    private record Field(String gpuSeries, double scale, String podSeries) {
    }

    private static final Map<String, Field> FIELDS = Map.of(
            "DCGM_FI_DEV_GPU_UTIL", new Field("nvidia_gpu_utilization_percent", 1, "nvidia_gpu_pod_utilization_percent"),
            "DCGM_FI_DEV_FB_USED", new Field("nvidia_gpu_memory_used_bytes", 1024 * 1024, "nvidia_gpu_pod_memory_used_bytes"),
            "DCGM_FI_DEV_POWER_USAGE", new Field("nvidia_gpu_power_usage_watts", 1, null),
            "DCGM_FI_DEV_GPU_TEMP", new Field("nvidia_gpu_temperature_celsius", 1, null));

    private final SampleSink downstream;
    private final Set<String> gpusSeen = new HashSet<>();
    private final Set<String> infoSeen = new HashSet<>();

    private DcgmTranslation(SampleSink downstream) {
        this.downstream = downstream;
    }

    /** A sink for one scrape that translates dcgm-exporter's samples into {@code downstream}'s. */
    public static SampleSink wrap(SampleSink downstream) {
        return new DcgmTranslation(downstream);
    }

    /** The dcgm-exporter metric names read, each with the agent series it becomes. */
    public static Map<String, String> translatedNames() {
        Map<String, String> names = new java.util.TreeMap<>();
        FIELDS.forEach((k, v) -> names.put(k, v.gpuSeries()));
        return names;
    }

    @Override
    public boolean accepts(String name) {
        Field f = FIELDS.get(name);
        if (f == null) {
            return downstream.accepts(name);
        }
        return downstream.accepts(f.gpuSeries()) || downstream.accepts(INFO)
                || (f.podSeries() != null && downstream.accepts(f.podSeries()));
    }

    @Override
    public void sample(String name, Labels labels, double value, long timestampMillis) {
        Field f = FIELDS.get(name);
        if (f == null) {
            downstream.sample(name, labels, value, timestampMillis);
            return;
        }
        String uuid = first(labels, "UUID", "uuid");
        String gpu = labels.get("gpu");
        if (uuid == null && gpu == null) {
            return;
        }
        String migInstance = labels.get("GPU_I_ID");
        List<String> gpuLabels = new ArrayList<>(10);
        add(gpuLabels, "node", first(labels, "Hostname", "hostname"));
        add(gpuLabels, "gpu", gpu);
        add(gpuLabels, "uuid", uuid);
        add(gpuLabels, "gpu_instance", migInstance);
        String gpuKey = uuid + "/" + gpu + "/" + migInstance;
        double v = value * f.scale();

        String model = labels.get("modelName");
        if (model != null && migInstance == null && infoSeen.add(gpuKey) && downstream.accepts(INFO)) {
            List<String> info = new ArrayList<>(gpuLabels);
            add(info, "model", model);
            downstream.sample(INFO, Labels.of(info.toArray(String[]::new)), 1, timestampMillis);
        }
        if (gpusSeen.add(name + "/" + gpuKey) && downstream.accepts(f.gpuSeries())) {
            downstream.sample(f.gpuSeries(), Labels.of(gpuLabels.toArray(String[]::new)), v, timestampMillis);
        }
        String namespace = first(labels, "exported_namespace", "namespace", "pod_namespace");
        String pod = first(labels, "exported_pod", "pod", "pod_name");
        if (f.podSeries() != null && namespace != null && pod != null && downstream.accepts(f.podSeries())) {
            List<String> podLabels = new ArrayList<>(gpuLabels);
            add(podLabels, "namespace", namespace);
            add(podLabels, "pod", pod);
            add(podLabels, "container", first(labels, "exported_container", "container", "container_name"));
            add(podLabels, "method", "whole_gpu");
            downstream.sample(f.podSeries(), Labels.of(podLabels.toArray(String[]::new)), v, timestampMillis);
        }
    }

    /** The first of these labels with a non-empty value, or null. */
    private static String first(Labels labels, String... names) {
        for (String n : names) {
            String v = labels.get(n);
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return null;
    }

    private static void add(List<String> pairs, String name, String value) {
        if (value != null && !value.isEmpty()) {
            pairs.add(name);
            pairs.add(value);
        }
    }
}

package io.gpuscale.bench.advisor;

import io.gpuscale.adapter.advisor.AdvisorOptions;
import io.gpuscale.adapter.advisor.ClusterIndex;
import io.gpuscale.adapter.advisor.GpuLoadRefresher;
import io.gpuscale.adapter.advisor.PlacementAdvisor;
import io.gpuscale.adapter.cluster.ContainerResources;
import io.gpuscale.adapter.cluster.NodeSchedulingRecord;
import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import io.gpuscale.adapter.cluster.QuotaRecord;
import io.gpuscale.adapter.cluster.Taint;
import io.gpuscale.adapter.cluster.Toleration;
import io.gpuscale.adapter.scrape.PrometheusTextParser;
import io.gpuscale.adapter.store.MetricStore;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1NodeAffinity;
import io.kubernetes.client.openapi.models.V1NodeSelector;
import io.kubernetes.client.openapi.models.V1NodeSelectorRequirement;
import io.kubernetes.client.openapi.models.V1NodeSelectorTerm;
import io.kubernetes.client.openapi.models.V1PreferredSchedulingTerm;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The scale for the placement advisor: 5 000 nodes and 50 000 running pods, fed to a
 * {@link ClusterIndex} one event at a time ({@code upsertNode}, {@code upsertPod},
 * {@code upsertQuota}, as the informers feed it), plus every GPU's readings in a {@link MetricStore}
 * filled through the real scrape parser.
 *
 * <p>Nodes {@code node-0000}..{@code node-4999}: four in five are GPU nodes with 8 GPUs
 * ({@code nvidia.com/gpu.product} H100, A100, L40S or RTX-4090 in turn), the fifth a CPU node;
 * one in twenty is tainted {@code dedicated=team-a:NoSchedule}, one in fifty cordoned; three zones.
 * Ten pods per node (4 CPU, 16Gi each); on a GPU node six of them hold one GPU (two GPUs free),
 * on every seventh node eight do (full), on every eleventh (from node 5) two do (six free). 50
 * namespaces, each with a GPU quota.
 */
public final class PlacementCluster {
    public static final int NODES = 5_000;
    public static final int PODS_PER_NODE = 10;
    public static final int PODS = NODES * PODS_PER_NODE;
    public static final int GPUS_PER_NODE = 8;
    public static final int NAMESPACES = 50;
    private static final String[] PRODUCTS = {"NVIDIA-H100-80GB-HBM3", "NVIDIA-A100-SXM4-80GB", "NVIDIA-L40S",
        "NVIDIA-GeForce-RTX-4090"};
    private static final String GPU = "nvidia.com/gpu";

    private PlacementCluster() {
    }

    static String node(int i) {
        return String.format("node-%04d", i);
    }

    static boolean gpuNode(int i) {
        return i % 5 != 4;
    }

    static NodeSchedulingRecord nodeRecord(int i) {
        Map<String, String> labels = new HashMap<>();
        labels.put("kubernetes.io/hostname", node(i));
        labels.put("kubernetes.io/os", "linux");
        labels.put("topology.kubernetes.io/zone", "zone-" + (i % 3));
        Map<String, Quantity> alloc = new HashMap<>();
        alloc.put("cpu", new Quantity(gpuNode(i) ? "128" : "64"));
        alloc.put("memory", new Quantity(gpuNode(i) ? "1Ti" : "256Gi"));
        alloc.put("pods", new Quantity("110"));
        alloc.put("ephemeral-storage", new Quantity("1700Gi"));
        if (gpuNode(i)) {
            labels.put("nvidia.com/gpu.present", "true");
            labels.put("nvidia.com/gpu.product", PRODUCTS[i % 5]);
            labels.put("nvidia.com/gpu.count", "" + GPUS_PER_NODE);
            alloc.put(GPU, new Quantity("" + GPUS_PER_NODE));
        }
        List<Taint> taints = i % 20 == 3 ? List.of(new Taint("dedicated", "team-a", "NoSchedule")) : List.of();
        return new NodeSchedulingRecord(node(i), labels, alloc, alloc, taints, i % 50 == 7);
    }

    /** Pod {@code j} of node {@code i}: bound, running, 4 CPU and 16Gi, and one GPU for the first 6 (or 8). */
    static PodSchedulingRecord runningPod(int i, int j, String nodeName) {
        int gpuPods = i % 7 == 0 ? GPUS_PER_NODE : i % 11 == 5 ? 2 : 6;
        Map<String, Quantity> requests = new HashMap<>();
        requests.put("cpu", new Quantity("4"));
        requests.put("memory", new Quantity("16Gi"));
        Map<String, Quantity> limits = new HashMap<>();
        limits.put("memory", new Quantity("16Gi"));
        if (gpuNode(i) && j < gpuPods) {
            requests.put(GPU, new Quantity("1"));
            limits.put(GPU, new Quantity("1"));
        }
        return new PodSchedulingRecord("team-" + ((i + j) % NAMESPACES), "worker-" + i + "-" + j, nodeName,
                "default-scheduler", 0, List.of(new ContainerResources("main", requests, limits, false)), List.of(),
                Map.of(), Map.of(), List.of(new Toleration(GPU, "Exists", "", "NoSchedule", null)), null, "Running", "",
                null, Map.of(), Map.of());
    }

    static QuotaRecord quota(int n) {
        Map<String, Quantity> hard = Map.of("requests." + GPU, new Quantity("2000"), "pods", new Quantity("5000"));
        Map<String, Quantity> used = Map.of("requests." + GPU, new Quantity("620"), "pods", new Quantity("1000"));
        return new QuotaRecord("team-" + n, "gpu-quota", hard, used, List.of(), hard, List.of());
    }

    /** An index built event by event: nodes, then pods, then quotas. */
    public static ClusterIndex index() {
        ClusterIndex index = new ClusterIndex();
        for (int i = 0; i < NODES; i++) {
            index.upsertNode(nodeRecord(i));
        }
        for (int i = 0; i < NODES; i++) {
            for (int j = 0; j < PODS_PER_NODE; j++) {
                index.upsertPod(runningPod(i, j, node(i)));
            }
        }
        for (int n = 0; n < NAMESPACES; n++) {
            index.upsertQuota(quota(n));
        }
        return index;
    }

    /** Every GPU node's agent scrape, parsed into a store, sampled at {@code sampleMillis}. */
    public static MetricStore metrics(long sampleMillis) {
        MetricStore store = new MetricStore();
        PrometheusTextParser parser = new PrometheusTextParser();
        for (int i = 0; i < NODES; i++) {
            if (!gpuNode(i)) {
                continue;
            }
            var batch = store.begin("http://" + node(i) + ":9410/metrics", node(i), sampleMillis);
            parser.parse(agentBody(i, sampleMillis), batch);
            batch.commit();
        }
        return store;
    }

    private static byte[] agentBody(int i, long sampleMillis) {
        StringBuilder b = new StringBuilder(4096);
        String[] families = {"nvidia_gpu_utilization_percent", "nvidia_gpu_memory_used_bytes",
            "nvidia_gpu_memory_total_bytes"};
        for (String family : families) {
            b.append("# TYPE ").append(family).append(" gauge\n");
            for (int g = 0; g < GPUS_PER_NODE; g++) {
                long value = switch (family) {
                    case "nvidia_gpu_utilization_percent" -> (i * 7L + g * 13L) % 101;
                    case "nvidia_gpu_memory_used_bytes" -> 1_000_000_000L * ((i + g) % 80);
                    default -> 85_899_345_920L;
                };
                b.append(family).append("{node=\"").append(node(i)).append("\",gpu=\"").append(g)
                        .append("\",uuid=\"GPU-").append(i).append('-').append(g).append("\"} ").append(value)
                        .append('\n');
            }
        }
        b.append("# TYPE gpuscale_agent_last_sample_timestamp_seconds gauge\n")
                .append("gpuscale_agent_last_sample_timestamp_seconds ").append(sampleMillis / 1000.0).append('\n');
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The advisor over the index and the store, readings fresh at the clock's time: the GPU loads
     * read once, here, as the advisor's refresher would on its thread (requests never read them).
     */
    public static PlacementAdvisor advisor(ClusterIndex index, MetricStore metrics, Clock clock) {
        AdvisorOptions options = AdvisorOptions.defaults();
        GpuLoadRefresher loads = new GpuLoadRefresher(metrics, options.gpuMaxAge(), clock);
        if (!loads.refresh()) {
            throw new IllegalStateException("the GPU loads could not be read: " + loads.lastFailure());
        }
        return new PlacementAdvisor(index, loads, options, clock);
    }

    /**
     * The pods asked about: {@code gpu1}, one GPU, tolerating nvidia.com/gpu only (fits 3 129 GPU
     * nodes, all scored); {@code gpu4-affinity}, four GPUs, H100 or A100 required, zone-1 preferred,
     * tolerating team-a's taint (fits the 156 H100/A100 nodes with six free); {@code gpu16}, sixteen
     * GPUs (fits nowhere: every node gets its reasons with numbers, and the FailedScheduling text is
     * built).
     */
    public static PodSchedulingRecord pod(String kind) {
        Map<String, Quantity> requests = new HashMap<>();
        requests.put("cpu", new Quantity("2"));
        requests.put("memory", new Quantity("8Gi"));
        Map<String, Quantity> limits = new HashMap<>();
        List<Toleration> tolerations = new ArrayList<>(List.of(new Toleration(GPU, "Exists", "", "NoSchedule", null)));
        V1NodeAffinity affinity = null;
        switch (kind) {
            case "gpu1" -> {
                limits.put(GPU, new Quantity("1"));
            }
            case "gpu4-affinity" -> {
                limits.put(GPU, new Quantity("4"));
                tolerations.add(new Toleration("dedicated", "Equal", "team-a", "NoSchedule", null));
                affinity = new V1NodeAffinity()
                        .requiredDuringSchedulingIgnoredDuringExecution(new V1NodeSelector().addNodeSelectorTermsItem(
                                new V1NodeSelectorTerm().addMatchExpressionsItem(new V1NodeSelectorRequirement()
                                        .key("nvidia.com/gpu.product").operator("In")
                                        .values(List.of(PRODUCTS[0], PRODUCTS[1])))))
                        .addPreferredDuringSchedulingIgnoredDuringExecutionItem(new V1PreferredSchedulingTerm()
                                .weight(10).preference(new V1NodeSelectorTerm().addMatchExpressionsItem(
                                        new V1NodeSelectorRequirement().key("topology.kubernetes.io/zone")
                                                .operator("In").values(List.of("zone-1")))));
            }
            case "gpu16" -> {
                limits.put(GPU, new Quantity("16"));
            }
            default -> throw new IllegalArgumentException("unknown pod kind " + kind + " (gpu1, gpu4-affinity, gpu16)");
        }
        return new PodSchedulingRecord("team-07", "asked-" + kind, "", "default-scheduler", 0,
                List.of(new ContainerResources("main", requests, limits, false)), List.of(), Map.of(), Map.of(),
                tolerations, affinity, "Pending", "", null, Map.of(), Map.of());
    }
}

package io.gpuscale.bench.adapter;

import io.gpuscale.adapter.cluster.SnapshotClusterView;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The fleet of the Prometheus backend's load run: {@code nodes} nodes of 8 GPUs and 12 pods each,
 * laid out as the agent's sim layout does ({@code sim:h100x8} with 12 pods: pods 0-3 hold GPUs 0-3
 * whole, pods 4-11 share GPUs 4-7 two by two), so 5,000 nodes give 60,000 pods and 60,000 series
 * of each per-pod metric.
 *
 * <p>Pod {@code k} (fleet-wide) is {@code worker-k} (5 digits) in namespace {@code team-(k / 1000)}
 * with label {@code app=app-(k % 10)}: {@code labelSelector=app=app-3} in one namespace matches
 * {@value #MATCHING} pods, spread over the ~84 nodes that namespace's pods run on.
 *
 * <p>A node's exposition holds what the adapter keeps of an agent's body, in the agent's label
 * order: {@code nvidia_gpu_info}, the four per-GPU series the adapter serves (with the holder's
 * {@code namespace}, {@code pod}, {@code container} on GPUs held whole), the two per-pod series
 * with {@code method}, and {@code gpuscale_agent_last_sample_timestamp_seconds} (with a {@code node}
 * label, which Prometheus' target labels give a real agent's). 65 series a node.
 */
final class LargeFleet {
    static final int GPUS = 8;
    static final int PODS_PER_NODE = 12;
    static final int PODS_PER_NAMESPACE = 1000;
    static final int APPS = 10;
    static final int MATCHING = PODS_PER_NAMESPACE / APPS;
    /** Series of each node's exposition. */
    static final int SERIES_PER_NODE = GPUS + 4 * GPUS + 2 * PODS_PER_NODE + 1;
    /** Value sets the exposition cycles through, scrape after scrape, so that stored values change. */
    static final int VARIANTS = 4;

    final int nodes;
    /** {@code node="...",gpu="...",uuid="GPU-..."} of every GPU, by node and index. */
    private final String[][] gpuLabels;

    LargeFleet(int nodes) {
        if (nodes < 1 || nodes > 99_999) {
            throw new IllegalArgumentException("nodes: 1 to 99999, not " + nodes);
        }
        this.nodes = nodes;
        this.gpuLabels = new String[nodes][GPUS];
        for (int n = 0; n < nodes; n++) {
            for (int g = 0; g < GPUS; g++) {
                gpuLabels[n][g] = "node=\"" + node(n) + "\",gpu=\"" + g + "\",uuid=\"GPU-" + Fleet.uuid("gpu/" + n + "/" + g) + "\"";
            }
        }
    }

    int pods() {
        return nodes * PODS_PER_NODE;
    }

    static String node(int n) {
        return String.format(Locale.ROOT, "gpu-node-%05d", n);
    }

    static String pod(int k) {
        return String.format(Locale.ROOT, "worker-%05d", k);
    }

    static String namespace(int k) {
        return String.format(Locale.ROOT, "team-%02d", k / PODS_PER_NAMESPACE);
    }

    static String app(int k) {
        return "app-" + (k % APPS);
    }

    /** The GPU pod {@code j} (0-11) of a node runs on. */
    static int gpuOf(int j) {
        return j < 4 ? j : 4 + (j - 4) % 4;
    }

    /** The pod's own utilization in value set {@code v}: whole GPUs 10-89, shared ones 1-40. */
    static int podUtilization(int k, int v) {
        int j = k % PODS_PER_NODE;
        return j < 4 ? 10 + (k * 37 + v * 13) % 80 : 1 + (k * 17 + v * 7) % 40;
    }

    static int gpuUtilization(int n, int g, int v) {
        int k = n * PODS_PER_NODE;
        return g < 4 ? podUtilization(k + g, v) : podUtilization(k + g, v) + podUtilization(k + g + 4, v);
    }

    /** The cluster as a snapshot file ({@code kubectl get nodes,pods -A -o json} shape: JSON parses faster than YAML). */
    String clusterJson() {
        StringBuilder j = new StringBuilder(pods() * 420 + nodes * 300);
        j.append("{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[");
        for (int n = 0; n < nodes; n++) {
            j.append(n == 0 ? "" : ",").append("{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"")
                    .append(node(n)).append("\",\"uid\":\"").append(Fleet.uuid("node/" + n))
                    .append("\",\"labels\":{\"kubernetes.io/hostname\":\"").append(node(n))
                    .append("\",\"nvidia.com/gpu.count\":\"").append(GPUS)
                    .append("\"}},\"status\":{\"allocatable\":{\"nvidia.com/gpu\":\"").append(GPUS).append("\"}}}");
        }
        for (int k = 0; k < pods(); k++) {
            j.append(",{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"namespace\":\"").append(namespace(k))
                    .append("\",\"name\":\"").append(pod(k)).append("\",\"uid\":\"").append(Fleet.uuid("pod/" + k))
                    .append("\",\"labels\":{\"app\":\"").append(app(k))
                    .append("\",\"pod-template-hash\":\"6c9d8f7b54\"}},\"spec\":{\"nodeName\":\"")
                    .append(node(k / PODS_PER_NODE))
                    .append("\",\"containers\":[{\"name\":\"main\",\"image\":\"example/worker:1\"}]},")
                    .append("\"status\":{\"phase\":\"Running\"}}");
        }
        return j.append("]}").toString();
    }

    SnapshotClusterView cluster() {
        return SnapshotClusterView.parse(Path.of("large-fleet.json"), clusterJson());
    }

    /** Nodes {@code from} (inclusive) to {@code to} (exclusive) as one exposition, in value set {@code v}. */
    byte[] exposition(int from, int to, int v) {
        StringBuilder b = new StringBuilder((to - from) * SERIES_PER_NODE * 200);
        family(b, "nvidia_gpu_info", "Identity of a GPU and its driver; the value is always 1.");
        for (int n = from; n < to; n++) {
            for (int g = 0; g < GPUS; g++) {
                b.append("nvidia_gpu_info{").append(gpuLabels(n, g)).append(",model=\"NVIDIA H100 80GB HBM3\"")
                        .append(",brand=\"nvidia\",pci_bus_id=\"00000000:0").append(g + 1).append(":00.0\",minor_number=\"")
                        .append(g).append("\",compute_capability=\"9.0\",driver_version=\"580.95.05\"")
                        .append(",nvml_version=\"13.580.95.05\",cuda_driver_version=\"13.0\"} 1\n");
            }
        }
        family(b, "nvidia_gpu_utilization_percent", "GPU utilization (0-100).");
        for (int n = from; n < to; n++) {
            for (int g = 0; g < GPUS; g++) {
                gpuSeries(b, "nvidia_gpu_utilization_percent", n, g).append(gpuUtilization(n, g, v)).append('\n');
            }
        }
        family(b, "nvidia_gpu_memory_used_bytes", "GPU memory in use, bytes.");
        for (int n = from; n < to; n++) {
            for (int g = 0; g < GPUS; g++) {
                gpuSeries(b, "nvidia_gpu_memory_used_bytes", n, g).append(1_000_000_000L * (1 + (n + g + v) % 70))
                        .append('\n');
            }
        }
        family(b, "nvidia_gpu_power_usage_watts", "GPU power draw, watts.");
        for (int n = from; n < to; n++) {
            for (int g = 0; g < GPUS; g++) {
                gpuSeries(b, "nvidia_gpu_power_usage_watts", n, g).append(100 + 5 * gpuUtilization(n, g, v)).append('\n');
            }
        }
        family(b, "nvidia_gpu_temperature_celsius", "GPU temperature, degrees Celsius.");
        for (int n = from; n < to; n++) {
            for (int g = 0; g < GPUS; g++) {
                gpuSeries(b, "nvidia_gpu_temperature_celsius", n, g).append(35 + gpuUtilization(n, g, v) / 3).append('\n');
            }
        }
        family(b, "nvidia_gpu_pod_utilization_percent",
                "A pod's utilization of a GPU it holds (0-100); the method label says how it was computed.");
        for (int n = from; n < to; n++) {
            for (int j = 0; j < PODS_PER_NODE; j++) {
                podSeries(b, "nvidia_gpu_pod_utilization_percent", n, j)
                        .append(podUtilization(n * PODS_PER_NODE + j, v)).append('\n');
            }
        }
        family(b, "nvidia_gpu_pod_memory_used_bytes", "GPU memory a pod's processes use, bytes.");
        for (int n = from; n < to; n++) {
            for (int j = 0; j < PODS_PER_NODE; j++) {
                podSeries(b, "nvidia_gpu_pod_memory_used_bytes", n, j)
                        .append(268_435_456L * (1 + (n + j + v) % 64)).append('\n');
            }
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Every node's {@code gpuscale_agent_last_sample_timestamp_seconds}, at {@code sampleMillis}. */
    byte[] sampleTimes(int from, int to, long sampleMillis) {
        StringBuilder b = new StringBuilder((to - from) * 80);
        family(b, "gpuscale_agent_last_sample_timestamp_seconds", "When the agent last sampled its GPUs.");
        String seconds = Double.toString(sampleMillis / 1000.0);
        for (int n = from; n < to; n++) {
            b.append("gpuscale_agent_last_sample_timestamp_seconds{node=\"").append(node(n)).append("\"} ")
                    .append(seconds).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void family(StringBuilder b, String name, String help) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n");
    }

    private String gpuLabels(int n, int g) {
        return gpuLabels[n][g];
    }

    /** A per-GPU series' name and labels, up to the value: GPUs 0-3 carry their pod's. */
    private StringBuilder gpuSeries(StringBuilder b, String metric, int n, int g) {
        b.append(metric).append('{').append(gpuLabels(n, g));
        if (g < 4) {
            podLabels(b, n * PODS_PER_NODE + g);
        }
        return b.append("} ");
    }

    private StringBuilder podSeries(StringBuilder b, String metric, int n, int j) {
        b.append(metric).append('{').append(gpuLabels(n, gpuOf(j)));
        podLabels(b, n * PODS_PER_NODE + j);
        return b.append(",method=\"").append(j < 4 ? "exclusive" : "process").append("\"} ");
    }

    private static void podLabels(StringBuilder b, int k) {
        b.append(",namespace=\"").append(namespace(k)).append("\",pod=\"").append(pod(k)).append("\",container=\"main\"");
    }
}

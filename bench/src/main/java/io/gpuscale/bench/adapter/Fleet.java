package io.gpuscale.bench.adapter;

import io.gpuscale.adapter.cluster.SnapshotClusterView;
import io.gpuscale.adapter.scrape.PrometheusTextParser;
import io.gpuscale.adapter.store.MetricStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.UUID;

/**
 * A synthetic fleet for the adapter's query benchmarks: {@value #NODES} nodes of {@value #GPUS}
 * GPUs, each GPU held whole by one pod, so {@value #PODS} pods, all in namespace
 * {@value #NAMESPACE}. Pod {@code k} is {@code worker-k} (4 digits) on node {@code k / 8} with label
 * {@code app=app-(k % 10)}, so {@code labelSelector=app=app-3} matches {@value #MATCHING} of them.
 *
 * <p>Each node's exposition is in the agent's own format (label order, {@code method="exclusive"}
 * per-pod series, {@code nvidia_gpu_info}, {@code gpuscale_agent_last_sample_timestamp_seconds}),
 * reduced to the families the adapter keeps: it is what {@link MetricStore} is filled from, through
 * the real parser, and what Prometheus scrapes in the load run.
 */
public final class Fleet {
    public static final int NODES = 125;
    public static final int GPUS = 8;
    public static final int PODS = NODES * GPUS;
    public static final int APPS = 10;
    public static final int MATCHING = PODS / APPS;
    public static final String NAMESPACE = "bench";
    public static final String SELECTOR = "app=app-3";
    /** The query the benchmarks and the load run ask, path and query separately (raw, encoded). */
    public static final String PODS_PATH =
            "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + NAMESPACE + "/pods/*/nvidia_gpu_utilization_percent";
    public static final String PODS_QUERY = "labelSelector=app%3Dapp-3";
    /** Prometheus' equivalent: the same pods (joined on kube-state-metrics' label series), mean over their GPUs. */
    public static final String PROMQL = "avg by (namespace, pod) (nvidia_gpu_pod_utilization_percent{namespace=\""
            + NAMESPACE + "\"} * on (namespace, pod) group_left () kube_pod_labels{namespace=\"" + NAMESPACE
            + "\", label_app=\"app-3\"})";

    private Fleet() {
    }

    public static String node(int n) {
        return String.format(Locale.ROOT, "gpu-node-%03d", n);
    }

    public static String pod(int k) {
        return String.format(Locale.ROOT, "worker-%04d", k);
    }

    static String app(int k) {
        return "app-" + (k % APPS);
    }

    static String uuid(String what) {
        return UUID.nameUUIDFromBytes(what.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** A utilization that differs per pod and is stable: 10-89. */
    static int utilization(int k) {
        return 10 + (k * 37) % 80;
    }

    /** The cluster as a snapshot file ({@code kubectl get nodes,pods -A -o yaml} shape). */
    public static String clusterYaml() {
        StringBuilder y = new StringBuilder(PODS * 400);
        y.append("apiVersion: v1\nkind: List\nitems:\n");
        for (int n = 0; n < NODES; n++) {
            y.append("  - apiVersion: v1\n    kind: Node\n    metadata:\n      name: ").append(node(n))
                    .append("\n      uid: ").append(uuid("node/" + n))
                    .append("\n      labels:\n        kubernetes.io/hostname: ").append(node(n))
                    .append("\n        nvidia.com/gpu.count: \"").append(GPUS).append("\"\n")
                    .append("    status:\n      allocatable:\n        nvidia.com/gpu: \"").append(GPUS).append("\"\n");
        }
        for (int k = 0; k < PODS; k++) {
            y.append("  - apiVersion: v1\n    kind: Pod\n    metadata:\n      namespace: ").append(NAMESPACE)
                    .append("\n      name: ").append(pod(k))
                    .append("\n      uid: ").append(uuid("pod/" + k))
                    .append("\n      labels:\n        app: ").append(app(k))
                    .append("\n        pod-template-hash: 6c9d8f7b54\n    spec:\n      nodeName: ").append(node(k / GPUS))
                    .append("\n      containers:\n        - name: main\n          image: example/worker:1\n")
                    .append("          resources:\n            limits:\n              nvidia.com/gpu: \"1\"\n")
                    .append("    status:\n      phase: Running\n");
        }
        return y.toString();
    }

    public static SnapshotClusterView cluster() {
        return SnapshotClusterView.parse(Path.of("bench-fleet.yaml"), clusterYaml());
    }

    /**
     * One node's exposition.
     *
     * @param sampleMillis written as {@code gpuscale_agent_last_sample_timestamp_seconds}; negative: left out
     */
    public static byte[] nodeBody(int n, long sampleMillis) {
        StringBuilder b = new StringBuilder(8 * 1024);
        String node = node(n);
        b.append("# HELP nvidia_gpu_info Identity of a GPU and its driver; the value is always 1.\n")
                .append("# TYPE nvidia_gpu_info gauge\n");
        for (int g = 0; g < GPUS; g++) {
            b.append("nvidia_gpu_info{").append(gpuLabels(node, n, g))
                    .append(",model=\"NVIDIA H100 80GB HBM3\",brand=\"nvidia\",driver_version=\"580.95.05\"} 1\n");
        }
        b.append("# TYPE nvidia_gpu_utilization_percent gauge\n");
        for (int g = 0; g < GPUS; g++) {
            int k = n * GPUS + g;
            b.append("nvidia_gpu_utilization_percent{").append(gpuLabels(node, n, g)).append(podLabels(k))
                    .append("} ").append(utilization(k)).append('\n');
        }
        b.append("# TYPE nvidia_gpu_memory_used_bytes gauge\n");
        for (int g = 0; g < GPUS; g++) {
            int k = n * GPUS + g;
            b.append("nvidia_gpu_memory_used_bytes{").append(gpuLabels(node, n, g)).append(podLabels(k))
                    .append("} ").append(1_000_000_000L * (1 + k % 70)).append('\n');
        }
        b.append("# TYPE nvidia_gpu_pod_utilization_percent gauge\n");
        for (int g = 0; g < GPUS; g++) {
            int k = n * GPUS + g;
            b.append("nvidia_gpu_pod_utilization_percent{").append(gpuLabels(node, n, g)).append(podLabels(k))
                    .append(",method=\"exclusive\"} ").append(utilization(k)).append('\n');
        }
        b.append("# TYPE nvidia_gpu_pod_memory_used_bytes gauge\n");
        for (int g = 0; g < GPUS; g++) {
            int k = n * GPUS + g;
            b.append("nvidia_gpu_pod_memory_used_bytes{").append(gpuLabels(node, n, g)).append(podLabels(k))
                    .append("} ").append(1_000_000_000L * (1 + k % 70)).append('\n');
        }
        if (sampleMillis >= 0) {
            b.append("# TYPE gpuscale_agent_last_sample_timestamp_seconds gauge\n")
                    .append("gpuscale_agent_last_sample_timestamp_seconds ").append(sampleMillis / 1000.0).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String gpuLabels(String node, int n, int g) {
        return "node=\"" + node + "\",gpu=\"" + g + "\",uuid=\"GPU-" + uuid("gpu/" + n + "/" + g) + "\"";
    }

    private static String podLabels(int k) {
        return ",namespace=\"" + NAMESPACE + "\",pod=\"" + pod(k) + "\",container=\"main\"";
    }

    /** kube-state-metrics' {@code kube_pod_labels} for every pod, for Prometheus' join. */
    public static byte[] kubePodLabels() {
        StringBuilder b = new StringBuilder(PODS * 100);
        b.append("# TYPE kube_pod_labels gauge\n");
        for (int k = 0; k < PODS; k++) {
            b.append("kube_pod_labels{namespace=\"").append(NAMESPACE).append("\",pod=\"").append(pod(k))
                    .append("\",uid=\"").append(uuid("pod/" + k)).append("\",label_app=\"").append(app(k))
                    .append("\"} 1\n");
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Target URL of node {@code n}'s agent, as the store keys it. */
    public static String target(int n) {
        return "http://" + node(n) + ":9410/metrics";
    }

    /**
     * Fills the store as scraping every node's agent would, through the real parser, with samples
     * taken at {@code sampleMillis}.
     *
     * @param parsers one per node, reused scrape after scrape (length {@link #NODES})
     */
    public static void fill(MetricStore store, PrometheusTextParser[] parsers, long sampleMillis) {
        for (int n = 0; n < NODES; n++) {
            var batch = store.begin(target(n), node(n), sampleMillis);
            parsers[n].parse(nodeBody(n, sampleMillis), batch);
            batch.commit();
        }
    }

    public static PrometheusTextParser[] parsers() {
        PrometheusTextParser[] p = new PrometheusTextParser[NODES];
        for (int n = 0; n < NODES; n++) {
            p[n] = new PrometheusTextParser();
        }
        return p;
    }
}

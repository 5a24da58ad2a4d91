package io.gpuscale.adapter.api;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * A small cluster for the API's tests: node {@code mainpc} (RTX 4090, held by ml/infer-a) and node
 * {@code pc2} (RTX 3060, shared by ml/infer-b and ml/batch-c); ml/infer-stale with only old
 * readings; ml/pending with no node; team-x/other elsewhere.
 */
public final class Fixtures {
    public static final Instant NOW = Instant.parse("2026-11-23T08:00:10.500Z");
    static final long FRESH = Instant.parse("2026-11-23T08:00:09.250Z").toEpochMilli();
    static final long OLDER = Instant.parse("2026-11-23T08:00:08.900Z").toEpochMilli();
    static final long STALE = Instant.parse("2026-11-23T07:59:50Z").toEpochMilli();

    public static final String UTIL = "nvidia_gpu_utilization_percent";
    static final String POD_UTIL = "nvidia_gpu_pod_utilization_percent";
    static final String MEM = "nvidia_gpu_memory_used_bytes";
    static final String POD_MEM = "nvidia_gpu_pod_memory_used_bytes";

    private Fixtures() {
    }

    static Map<String, String> labels(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static FakeClusterView cluster() {
        return new FakeClusterView()
                .node("mainpc", labels("gpu", "rtx4090", "kubernetes.io/hostname", "mainpc"))
                .node("pc2", labels("gpu", "rtx3060", "kubernetes.io/hostname", "pc2"))
                .node("cpu-only", labels("kubernetes.io/hostname", "cpu-only"))
                .pod("ml", "infer-a", "mainpc", labels("app", "infer", "tier", "gpu"))
                .pod("ml", "infer-b", "pc2", labels("app", "infer"))
                .pod("ml", "batch-c", "pc2", labels("app", "batch"))
                .pod("ml", "infer-stale", "pc2", labels("app", "infer"))
                .pod("ml", "pending", "", labels("app", "infer"))
                .pod("team-x", "other", "mainpc", labels("app", "infer"));
    }

    static FakeGpuMetrics metrics() {
        Map<String, String> gpu0 = labels("node", "mainpc", "gpu", "0", "uuid", "GPU-aaa", "model", "RTX-4090");
        Map<String, String> gpu1 = labels("node", "mainpc", "gpu", "1", "uuid", "GPU-bbb", "model", "RTX-4090");
        Map<String, String> gpu2 = labels("node", "pc2", "gpu", "0", "uuid", "GPU-ccc", "model", "RTX-3060");
        FakeGpuMetrics m = new FakeGpuMetrics();
        // per-GPU series: gpu0 held whole by ml/infer-a (pod label), gpu1 idle, gpu2 time-sliced
        m.add(UTIL, with(gpu0, "namespace", "ml", "pod", "infer-a"), 80, FRESH);
        m.add(UTIL, gpu1, 2, OLDER);
        m.add(UTIL, gpu2, 61, FRESH);
        m.add(MEM, with(gpu0, "namespace", "ml", "pod", "infer-a"), 8_000_000_000.0, FRESH);
        m.add(MEM, gpu1, 500_000_000, OLDER);
        m.add(MEM, gpu2, 3_000_000_000.0, FRESH);
        // per-pod series; infer-a holds gpu0 and (for this test) a second device on mainpc
        m.add(POD_UTIL, with(gpu0, "namespace", "ml", "pod", "infer-a", "method", "exclusive"), 80, FRESH);
        m.add(POD_UTIL, with(gpu1, "namespace", "ml", "pod", "infer-a", "method", "exclusive"), 61, OLDER);
        m.add(POD_UTIL, with(gpu2, "namespace", "ml", "pod", "infer-b", "method", "process"), 40.5, FRESH);
        m.add(POD_UTIL, with(gpu2, "namespace", "ml", "pod", "batch-c", "method", "process"), 20.5, FRESH);
        m.add(POD_UTIL, with(gpu2, "namespace", "ml", "pod", "infer-stale", "method", "process"), 99, STALE);
        m.add(POD_UTIL, with(gpu0, "namespace", "team-x", "pod", "other", "method", "process"), 5, FRESH);
        m.add(POD_MEM, with(gpu0, "namespace", "ml", "pod", "infer-a", "method", "exclusive"), 6_000_000_000.0, FRESH);
        m.add(POD_MEM, with(gpu1, "namespace", "ml", "pod", "infer-a", "method", "exclusive"), 1_500_000_000.0, FRESH);
        m.add(POD_MEM, with(gpu2, "namespace", "ml", "pod", "infer-b", "method", "process"), 2_000_000_000.0, FRESH);
        return m;
    }

    static Map<String, String> with(Map<String, String> base, String... kv) {
        Map<String, String> m = new HashMap<>(base);
        m.putAll(labels(kv));
        return m;
    }

    public static MetricsApi api(boolean external) {
        return new MetricsApi(metrics(), cluster(), ApiOptions.defaults().withExternalMetrics(external));
    }
}

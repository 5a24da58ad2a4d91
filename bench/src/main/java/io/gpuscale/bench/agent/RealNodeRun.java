package io.gpuscale.bench.agent;

import io.gpuscale.agent.gpu.GpuSample;
import io.gpuscale.agent.gpu.GpuSourceException;
import io.gpuscale.agent.gpu.NodeReading;
import io.gpuscale.agent.nvml.NvmlGpuSource;
import io.gpuscale.bench.adapter.Args;
import io.gpuscale.bench.adapter.FleetApiServer;
import io.gpuscale.bench.nvml.FakeNvml;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * What an agent on a real GPU node talks to, for {@code NODE=real bench/load/agent-footprint.sh}:
 * the kubelet's PodResources API on a unix socket ({@link KubeletStandIn}) and kube-apiserver's
 * pod list and watch ({@link FleetApiServer}, one node), reached through a kubeconfig this run
 * writes. The pods hold the GPUs of the fake NVML library: their UUIDs are read from that library
 * through the agent's own NVML binding, as the agent will read them (the agent process must see
 * the same {@code FAKE_NVML_GPUS}). With P pods on G GPUs (G ≤ P ≤ 2G), the first 2G − P GPUs are
 * held whole by one pod each and the others are time-sliced between two pods ({@code UUID::0},
 * {@code UUID::1}), as the NVIDIA device plugin allocates replicas.
 *
 * <p>Prints one line {@code READY node=NAME socket=PATH kubeconfig=PATH pods=P gpus=G} when both
 * serve, then serves until killed.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.gpuscale.bench.agent.RealNodeRun --socket /tmp/x/kubelet.sock
 *     --kubeconfig /tmp/x/kubeconfig [--gpus 8] [--pods 12]</pre>
 */
public final class RealNodeRun {
    private RealNodeRun() {
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args;
        int gpus;
        int pods;
        try {
            args = Args.parse(argv);
            gpus = Integer.parseInt(args.getOrDefault("gpus", "8"));
            pods = Integer.parseInt(args.getOrDefault("pods", "12"));
            if (!args.containsKey("socket") || !args.containsKey("kubeconfig")) {
                throw new IllegalArgumentException("--socket PATH and --kubeconfig PATH are required");
            }
            if (gpus < 1 || pods < gpus || pods > 2 * gpus) {
                throw new IllegalArgumentException("need 1 <= gpus <= pods <= 2 x gpus, got " + gpus + " GPUs and " + pods + " pods");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("RealNodeRun: " + e.getMessage());
            System.exit(2);
            return;
        }
        Path socket = Path.of(args.get("socket")).toAbsolutePath();
        Path kubeconfig = Path.of(args.get("kubeconfig")).toAbsolutePath();

        List<String> uuids = gpuUuids(gpus);
        List<KubeletStandIn.Allocation> allocations = allocations(uuids, pods);
        String node = FleetApiServer.node(0);
        CountDownLatch forever = new CountDownLatch(1);
        try (FleetApiServer api = FleetApiServer.start(1, pods);
                KubeletStandIn kubelet = KubeletStandIn.start(socket, allocations)) {
            Files.writeString(kubeconfig, """
                    apiVersion: v1
                    kind: Config
                    clusters:
                    - name: stand-in
                      cluster:
                        server: %s
                    users:
                    - name: stand-in
                      user: {}
                    contexts:
                    - name: stand-in
                      context: {cluster: stand-in, user: stand-in}
                    current-context: stand-in
                    """.formatted(api.url()));
            System.out.println("READY node=" + node + " socket=" + socket + " kubeconfig=" + kubeconfig
                    + " pods=" + pods + " gpus=" + gpus);
            System.out.flush();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println(
                    "RealNodeRun: answered " + kubelet.listCalls() + " PodResources List calls")));
            forever.await();
        }
    }

    /** The GPUs' UUIDs as the agent's NVML binding reads them from the fake library. */
    private static List<String> gpuUuids(int gpus) throws GpuSourceException {
        String path = FakeNvml.path();
        FakeNvml.reset(path, gpus);
        NvmlGpuSource source = new NvmlGpuSource(path);
        try {
            source.open();
            NodeReading reading = source.read();
            List<String> uuids = reading.gpus().stream().map(GpuSample::identity).map(i -> i.uuid()).toList();
            if (uuids.size() != gpus || uuids.stream().anyMatch(u -> u == null || u.isEmpty())) {
                throw new IllegalStateException("expected " + gpus + " GPUs with UUIDs from " + path + ", read " + uuids);
            }
            return uuids;
        } finally {
            source.close();
        }
    }

    /** Pod p is {@link FleetApiServer}'s pod p, so the kubelet and the API server name the same pods. */
    static List<KubeletStandIn.Allocation> allocations(List<String> uuids, int pods) {
        int whole = 2 * uuids.size() - pods;
        List<KubeletStandIn.Allocation> out = new ArrayList<>(pods);
        int p = 0;
        for (int g = 0; g < uuids.size(); g++) {
            List<String> devices = g < whole ? List.of(uuids.get(g)) : List.of(uuids.get(g) + "::0", uuids.get(g) + "::1");
            for (String device : devices) {
                out.add(new KubeletStandIn.Allocation(FleetApiServer.podNamespace(p), FleetApiServer.podName(p), "main",
                        List.of(device)));
                p++;
            }
        }
        return out;
    }
}

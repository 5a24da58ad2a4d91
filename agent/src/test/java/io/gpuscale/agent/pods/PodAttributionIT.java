package io.gpuscale.agent.pods;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpuscale.agent.Agent;
import io.gpuscale.agent.AgentConfig;
import io.gpuscale.agent.nvml.FakeNvml;
import io.gpuscale.agent.pods.v1.AllocatableResourcesResponse;
import io.gpuscale.agent.pods.v1.ContainerDevices;
import io.gpuscale.agent.pods.v1.ContainerResources;
import io.gpuscale.agent.pods.v1.ListPodResourcesResponse;
import io.gpuscale.agent.pods.v1.PodResources;
import io.gpuscale.common.testing.Eventually;
import io.gpuscale.agent.testing.Http;
import io.gpuscale.common.testing.KubeApiStandIn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole attribution path with real parts: the NVML binding into the fake driver, a gRPC
 * kubelet on a unix socket, an HTTP pod list/watch API, and cgroup files under a test /proc.
 */
class PodAttributionIT {
    private static final String GPU0 = "GPU-aaaaaaaa-0000-4000-8000-000000000000";
    private static final String GPU1 = "GPU-bbbbbbbb-0000-4000-8000-000000000001";
    private static final String UID_TRAIN = "11111111-1111-4111-8111-111111111111";
    private static final String UID_A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    private static final String UID_B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

    @TempDir
    Path dir;

    private FakeNvml fake;
    private PodResourcesTestServer kubelet;
    private KubeApiStandIn api;
    private Agent agent;
    private String metricsUrl;
    private Path socket;

    @BeforeEach
    void start() throws Exception {
        fake = FakeNvml.modern(2);
        fake.setString(0, "uuid", GPU0).setString(1, "uuid", GPU1);
        fake.set(0, "utilization_gpu", 73).set(1, "utilization_gpu", 64);
        fake.addProcess(0, 7001, 5L << 30);
        fake.addProcess(1, 101, 3L << 30).addProcess(1, 201, 1L << 30);

        Path proc = dir.resolve("proc");
        cgroup(proc, 7001, "0::/kubepods/pod" + UID_TRAIN + "/c1\n");
        cgroup(proc, 101, "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
                + UID_A.replace('-', '_') + ".slice/cri-containerd-1.scope\n");
        cgroup(proc, 201, "12:memory:/kubepods/besteffort/pod" + UID_B + "/c2\n");

        socket = dir.resolve("kubelet.sock");
        kubelet = PodResourcesTestServer.start(socket);
        kubelet.answerList(PodResourcesTestServer.message(allocations(true)));
        kubelet.answerAllocatable(PodResourcesTestServer.message(AllocatableResourcesResponse.newBuilder()
                .addDevices(ContainerDevices.newBuilder().setResourceName("nvidia.com/gpu")
                        .addDeviceIds(GPU0).addDeviceIds(GPU1 + "::0").addDeviceIds(GPU1 + "::1"))
                .build()));

        api = new KubeApiStandIn();
        api.put(PodObjects.pod("ml", "train-0", UID_TRAIN, "gpu-node-1", "Running"));
        api.put(PodObjects.pod("web", "infer-a", UID_A, "gpu-node-1", "Running"));
        api.put(PodObjects.pod("web", "infer-b", UID_B, "gpu-node-1", "Running"));
        Path kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: test
                  cluster:
                    server: %s
                users:
                - name: test
                  user: {}
                contexts:
                - name: test
                  context: {cluster: test, user: test}
                current-context: test
                """.formatted(api.url()));

        agent = Agent.start(new AgentConfig("127.0.0.1", 0, new AgentConfig.Nvml(), "gpu-node-1",
                Duration.ofMillis(200), fake.path(), new AgentConfig.Pods(true, socket, proc, kubeconfig)));
        metricsUrl = "http://127.0.0.1:" + agent.port() + "/metrics";
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        kubelet.close();
        api.close();
    }

    private static ListPodResourcesResponse allocations(boolean withInferB) {
        ListPodResourcesResponse.Builder b = ListPodResourcesResponse.newBuilder()
                .addPodResources(pod("ml", "train-0", "trainer", "nvidia.com/gpu", GPU0))
                .addPodResources(pod("web", "infer-a", "server", "nvidia.com/gpu", GPU1 + "::0"))
                .addPodResources(pod("kube-system", "coredns", "dns", "cpu", "0"));
        if (withInferB) {
            b.addPodResources(pod("web", "infer-b", "server", "nvidia.com/gpu", GPU1 + "::1"));
        }
        return b.build();
    }

    private static PodResources pod(String ns, String name, String container, String resource, String device) {
        return PodResources.newBuilder().setNamespace(ns).setName(name)
                .addContainers(ContainerResources.newBuilder().setName(container)
                        .addDevices(ContainerDevices.newBuilder().setResourceName(resource).addDeviceIds(device)))
                .build();
    }

    private static void cgroup(Path proc, long pid, String content) throws Exception {
        Path d = proc.resolve(Long.toString(pid));
        Files.createDirectories(d);
        Files.writeString(d.resolve("cgroup"), content);
    }

    private String metrics() {
        return Http.text(Http.get(metricsUrl));
    }

    private String awaitMetrics(String what, java.util.function.Predicate<String> ready) {
        return Eventually.await(Duration.ofSeconds(30), what, () -> {
            String m = metrics();
            return ready.test(m) ? m : null;
        });
    }

    @Test
    void exclusiveGpuCarriesItsPodAndSharedGpuIsSplitByProcess() {
        String m = awaitMetrics("pods on both GPUs", s -> s.contains("pod=\"infer-b\"") && s.contains("train-0"));
        assertThat(m).contains("nvidia_gpu_utilization_percent{node=\"gpu-node-1\",gpu=\"0\",uuid=\"" + GPU0
                + "\",namespace=\"ml\",pod=\"train-0\",container=\"trainer\"} 73\n");
        assertThat(m).contains("nvidia_gpu_utilization_percent{node=\"gpu-node-1\",gpu=\"1\",uuid=\"" + GPU1 + "\"} 64\n");
        assertThat(m).contains("nvidia_gpu_pod_memory_used_bytes{node=\"gpu-node-1\",gpu=\"1\",uuid=\"" + GPU1
                + "\",namespace=\"web\",pod=\"infer-a\",container=\"server\",method=\"process\"} 3221225472\n");
        assertThat(m).contains("pod=\"infer-b\",container=\"server\",method=\"process\"} 1073741824\n");
        assertThat(m).doesNotContain("coredns");
        assertThat(m).contains("nvidia_gpu_allocatable_devices{node=\"gpu-node-1\",gpu=\"1\",uuid=\"" + GPU1 + "\"} 2\n")
                .contains("nvidia_gpu_allocatable_devices{node=\"gpu-node-1\",gpu=\"0\",uuid=\"" + GPU0
                        + "\",namespace=\"ml\",pod=\"train-0\",container=\"trainer\"} 1\n");

        // Each pod's own SM share, from per-process samples newer than the last read.
        String split = Eventually.await(Duration.ofSeconds(30), "per-process utilization", () -> {
            long now = System.currentTimeMillis() * 1000;
            fake.addSample(1, 101, now, 40, 10, 0, 0).addSample(1, 201, now, 15, 5, 0, 0);
            String s = metrics();
            return s.contains("pod=\"infer-a\",container=\"server\",method=\"process\"} 40\n")
                    && s.contains("pod=\"infer-b\",container=\"server\",method=\"process\"} 15\n") ? s : null;
        });
        assertThat(split).contains("nvidia_gpu_pod_utilization_percent{node=\"gpu-node-1\",gpu=\"0\",uuid=\"" + GPU0
                + "\",namespace=\"ml\",pod=\"train-0\",container=\"trainer\",method=\"exclusive\"} 73\n");
    }

    @Test
    void podSeriesDisappearAtTheNextSampleAfterThePodGoes() {
        awaitMetrics("pods on both GPUs", s -> s.contains("pod=\"infer-b\"") && s.contains("train-0"));

        // A pod that goes leaves the kubelet's list and the API server's: the watch event makes the agent ask.
        kubelet.answerList(PodResourcesTestServer.message(allocations(false)));
        api.delete("pods", "web", "infer-b");
        awaitMetrics("infer-b gone", s -> !s.contains("infer-b"));

        // The kubelet still lists train-0, but the API server says it has ended.
        api.put(PodObjects.pod("ml", "train-0", UID_TRAIN, "gpu-node-1", "Succeeded"));
        String m = awaitMetrics("train-0 gone", s -> !s.contains("train-0"));
        assertThat(m).contains("nvidia_gpu_utilization_percent{node=\"gpu-node-1\",gpu=\"0\",uuid=\"" + GPU0 + "\"} 73\n");
        assertThat(m).contains("pod=\"infer-a\"");
    }

    @Test
    void kubeletRestartDropsPodLabelsButNotMetricsAndTheyReturn() throws Exception {
        awaitMetrics("pods", s -> s.contains("train-0") && s.contains("gpuscale_agent_pod_resources_up 1"));

        kubelet.stop();
        String without = awaitMetrics("labels gone", s -> !s.contains("namespace="));
        assertThat(without).contains("nvidia_gpu_utilization_percent{node=\"gpu-node-1\",gpu=\"0\",uuid=\"" + GPU0
                + "\"} 73\n").contains("gpuscale_agent_pod_resources_up 0");

        kubelet = PodResourcesTestServer.start(socket);
        kubelet.answerList(PodResourcesTestServer.message(allocations(true)));
        awaitMetrics("labels back", s -> s.contains("pod=\"train-0\"") && s.contains("pod=\"infer-b\"")
                && s.contains("gpuscale_agent_pod_resources_up 1"));
    }

    @Test
    void whileTheNodesPodsStayTheSameTheKubeletIsNotAskedEverySample() throws Exception {
        awaitMetrics("pods", s -> s.contains("pod=\"infer-b\"") && s.contains("gpuscale_agent_pod_resources_up 1"));
        int before = kubelet.listCalls();
        Thread.sleep(3_000); // 15 samples at 200 ms; a loaded machine takes fewer, never more

        assertThat(kubelet.listCalls() - before).as("List calls in 3 s of unchanged pods (at most one every %s)",
                KubeletPods.ALLOCATIONS_EVERY).isLessThanOrEqualTo(1);
        assertThat(metrics()).contains("pod=\"infer-b\"").contains("gpuscale_agent_pod_resources_up 1");
    }

    @Test
    void everyPodSeriesNamesItsMethod() {
        String m = awaitMetrics("pods", s -> s.contains("pod=\"infer-b\""));
        List<String> podLines = m.lines().filter(l -> l.startsWith("nvidia_gpu_pod_")).toList();
        assertThat(podLines).isNotEmpty().allMatch(l -> l.contains(",method=\""));
    }
}

package io.gpuscale.agent.sim;

import io.gpuscale.agent.attribution.Attribution;
import io.gpuscale.agent.attribution.Attributor;
import io.gpuscale.agent.attribution.Holding;
import io.gpuscale.agent.attribution.PodAttributor;
import io.gpuscale.agent.attribution.PodName;
import io.gpuscale.agent.attribution.PodRef;
import io.gpuscale.agent.attribution.PodState;
import io.gpuscale.agent.gpu.GpuSample;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Simulated pods for simulated GPUs, so the demo shows what a cluster shows: even-numbered GPUs
 * are each held whole by an inference server ({@code demo/llm-server-<node>-<gpu>}), odd-numbered
 * GPUs are time-sliced between two embedding workers ({@code demo/embedder-<node>-<gpu>-a|b})
 * whose processes split the load. Pod names carry the node so that several simulated nodes make
 * one consistent cluster. Attribution runs through the same {@link Attributor} as on a real node.
 */
public final class SimPods implements PodAttributor {
    private static final String NAMESPACE = "demo";

    private final String node;

    public SimPods(String node) {
        this.node = node;
    }

    static boolean timeSliced(int gpu) {
        return gpu % 2 == 1;
    }

    /** The PID of a simulated pod's process on a GPU. */
    static long pid(int gpu, int replica) {
        return 40_000L + 2L * gpu + replica;
    }

    private PodRef pod(int gpu, int replica) {
        return timeSliced(gpu)
                ? new PodRef(NAMESPACE, "embedder-" + node + "-" + gpu + "-" + (char) ('a' + replica), "worker")
                : new PodRef(NAMESPACE, "llm-server-" + node + "-" + gpu, "server");
    }

    /** The UID a simulated pod has, so that a cluster snapshot of the demo can name the same pods. */
    public static String uid(PodRef pod) {
        return UUID.nameUUIDFromBytes(("gpuscale-sim/" + PodName.of(pod)).getBytes(StandardCharsets.UTF_8))
                .toString();
    }

    /** The simulated kubelet always answers: {@code gpuscale_agent_pod_resources_up} is 1, as on a healthy node. */
    @Override
    public boolean asksKubelet() {
        return true;
    }

    @Override
    public boolean podResourcesUp() {
        return true;
    }

    @Override
    public Attribution attribute(List<GpuSample> gpus) {
        List<Holding> holdings = new ArrayList<>();
        Map<PodName, PodState> pods = new HashMap<>();
        Map<Long, String> uidByPid = new HashMap<>();
        for (GpuSample g : gpus) {
            int i = g.identity().index();
            int replicas = timeSliced(i) ? 2 : 1;
            for (int r = 0; r < replicas; r++) {
                PodRef pod = pod(i, r);
                holdings.add(new Holding(pod, g.identity().uuid(), timeSliced(i) ? r : -1, "nvidia.com/gpu"));
                pods.put(PodName.of(pod), new PodState(uid(pod), false));
                uidByPid.put(pid(i, r), uid(pod));
            }
        }
        Map<String, Integer> allocatable = new HashMap<>();
        for (GpuSample g : gpus) {
            allocatable.put(g.identity().uuid(), timeSliced(g.identity().index()) ? 2 : 1);
        }
        return Attributor.attribute(gpus, holdings, pods, uidByPid).withAllocatable(allocatable);
    }
}

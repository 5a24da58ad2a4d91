package io.gpuscale.bench;

import io.gpuscale.agent.attribution.Attributor;
import io.gpuscale.agent.attribution.Holding;
import io.gpuscale.agent.attribution.PodRef;
import io.gpuscale.agent.attribution.PodName;
import io.gpuscale.agent.attribution.PodState;
import io.gpuscale.agent.gpu.GpuField;
import io.gpuscale.agent.gpu.GpuProcess;
import io.gpuscale.agent.gpu.GpuSample;
import io.gpuscale.agent.gpu.ProcessUtilization;
import io.gpuscale.agent.pods.DeviceAllocation;
import io.gpuscale.agent.pods.DeviceId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Pods on a node of GPUs, as attribution sees them in one sample: the first half of the GPUs
 * (at most 4) are each held whole by one pod, the rest are time-sliced and share the remaining
 * pods round robin ({@code GPU-<uuid>::<replica>} device IDs). Every pod runs one GPU process;
 * processes on shared GPUs carry two per-process samples (the driver returns every sample since
 * the last read; attribution keeps the newest), those on whole GPUs one.
 *
 * <p>With 8 GPUs and 64 pods: 4 exclusive GPUs, 4 time-sliced GPUs with 15 pods each.
 *
 * @param gpus the GPU samples with the pods' processes
 * @param allocations what the kubelet's PodResources {@code List} reports
 * @param pods the informer's view, by {@code namespace/name}
 * @param podUidByPid each GPU process's pod UID, as the cgroup files give them
 * @param allocatable GPU UUID to the device IDs the kubelet can allocate from it
 */
public record PodLayout(List<GpuSample> gpus, List<DeviceAllocation> allocations, Map<PodName, PodState> pods,
        Map<Long, String> podUidByPid, Map<String, Integer> allocatable) {
    public static final String NAMESPACE = "bench";
    public static final String CONTAINER = "main";
    private static final String RESOURCE = "nvidia.com/gpu";
    private static final long GIB = 1L << 30;

    /**
     * @param base GPU samples without pod processes (e.g. {@link SimNode#h100})
     * @param podCount how many pods; at least as many as there are exclusive GPUs
     * @param prefix pod names are {@code <prefix>-<k>}
     * @param firstPid the PID of pod 0's process; pod k's is {@code firstPid + k}
     * @param timestampMicros the newest per-process sample's time
     */
    public static PodLayout of(List<GpuSample> base, int podCount, String prefix, long firstPid,
            long timestampMicros) {
        int exclusiveGpus = Math.min(4, base.size() / 2);
        int sharedGpus = base.size() - exclusiveGpus;
        if (podCount < exclusiveGpus || sharedGpus == 0 && podCount > exclusiveGpus) {
            throw new IllegalArgumentException(podCount + " pods do not fit " + base.size() + " GPUs");
        }
        List<List<GpuProcess>> processes = new ArrayList<>();
        List<List<ProcessUtilization>> samples = new ArrayList<>();
        int[] replicas = new int[base.size()];
        for (int g = 0; g < base.size(); g++) {
            processes.add(new ArrayList<>());
            samples.add(new ArrayList<>());
        }
        List<DeviceAllocation> allocations = new ArrayList<>(podCount);
        Map<PodName, PodState> pods = new HashMap<>();
        Map<Long, String> uidByPid = new HashMap<>();
        for (int k = 0; k < podCount; k++) {
            boolean exclusive = k < exclusiveGpus;
            int g = exclusive ? k : exclusiveGpus + (k - exclusiveGpus) % sharedGpus;
            String uuid = base.get(g).identity().uuid();
            String name = prefix + "-" + k;
            String uid = UUID.nameUUIDFromBytes(("bench/" + NAMESPACE + "/" + name).getBytes(StandardCharsets.UTF_8))
                    .toString();
            long pid = firstPid + k;
            String deviceId = exclusive ? uuid : uuid + "::" + replicas[g]++;
            allocations.add(new DeviceAllocation(NAMESPACE, name, CONTAINER, RESOURCE, deviceId));
            pods.put(new PodName(NAMESPACE, name), new PodState(uid, false));
            uidByPid.put(pid, uid);
            processes.get(g).add(new GpuProcess(pid, (1 + k % 7) * GIB / 4, -1, -1));
            int sm = 1 + k % 9;
            if (!exclusive) {
                samples.get(g).add(new ProcessUtilization(pid, timestampMicros - 500_000, sm + 1, sm, 0, 0));
            }
            samples.get(g).add(new ProcessUtilization(pid, timestampMicros, sm, sm, 0, 0));
        }
        List<GpuSample> gpus = new ArrayList<>(base.size());
        Map<String, Integer> allocatable = new HashMap<>();
        for (int g = 0; g < base.size(); g++) {
            gpus.add(withProcesses(base.get(g), processes.get(g), samples.get(g)));
            allocatable.put(base.get(g).identity().uuid(), g < exclusiveGpus ? 1 : Math.max(replicas[g], 1));
        }
        return new PodLayout(gpus, allocations, pods, uidByPid, allocatable);
    }

    /** The same layout's pods, for attribution: {@code KubeletPods.toHoldings} does this (package-private). */
    public List<Holding> holdings() {
        return holdings(allocations);
    }

    /** Device IDs split as {@code KubeletPods.toHoldings} splits them; unparseable IDs are dropped. */
    public static List<Holding> holdings(List<DeviceAllocation> allocations) {
        List<Holding> out = new ArrayList<>(allocations.size());
        for (DeviceAllocation a : allocations) {
            DeviceId.parse(a.deviceId()).ifPresent(id -> out.add(new Holding(
                    new PodRef(a.namespace(), a.pod(), a.container()), id.uuid(), id.replica(), a.resourceName())));
        }
        return out;
    }

    /** The attribution of this sample, as {@code KubeletPods.attribute} computes it. */
    public io.gpuscale.agent.attribution.Attribution attribute() {
        return Attributor.attribute(gpus, holdings(), pods, podUidByPid).withAllocatable(allocatable);
    }

    /** A copy of a sample with these processes; every other reading as it was. */
    public static GpuSample withProcesses(GpuSample s, List<GpuProcess> processes, List<ProcessUtilization> samples) {
        GpuSample.Builder b = GpuSample.builder(s.identity()).unsupportedMask(s.unsupportedMask());
        for (GpuField f : GpuField.all()) {
            if (s.has(f)) {
                b.set(f, s.value(f));
            }
        }
        return b.set(GpuField.COMPUTE_PROCESSES, processes.size())
                .set(GpuField.PROCESS_UTILIZATION, 1)
                .processes(List.copyOf(processes))
                .processUtilization(List.copyOf(samples))
                .build();
    }
}

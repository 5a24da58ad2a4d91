package io.gpuscale.agent.attribution;

import io.gpuscale.agent.gpu.GpuField;
import io.gpuscale.agent.gpu.GpuProcess;
import io.gpuscale.agent.gpu.GpuSample;
import io.gpuscale.agent.gpu.MigDevice;
import io.gpuscale.agent.gpu.ProcessUtilization;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides which pod uses which GPU, and how much of it, from one sample's readings and the
 * kubelet's allocations. Pure: no I/O, the same inputs give the same attribution.
 *
 * <ul>
 *   <li>A GPU held whole by one container (an exclusive {@code nvidia.com/gpu}) is that pod's:
 *       its share is the GPU's own utilization and memory.
 *   <li>A GPU shared by time-slicing ({@code GPU-<uuid>::<n>} IDs) is split by the driver's
 *       per-process samples: each process is mapped to its pod through its cgroup, and a pod's
 *       share is the sum of its processes' SM utilization (capped at 100) and memory.
 *   <li>When a shared GPU has no per-process data, or the pods' processes cannot be mapped,
 *       every pod on it gets the whole GPU's reading, labelled {@code method="whole_gpu"}.
 * </ul>
 *
 * <p>Allocations of pods the API server reports ended, or no longer knows, are dropped: the
 * kubelet keeps listing a pod's devices for a while after it ends, and that must not leave a
 * stale pod series behind.
 */
public final class Attributor {
    private static final Comparator<PodRef> BY_NAME = Comparator.comparing(PodRef::namespace)
            .thenComparing(PodRef::pod).thenComparing(PodRef::container);

    private Attributor() {
    }

    /**
     * @param gpus this sample's GPUs
     * @param holdings the kubelet's device allocations
     * @param pods the API server's pods on this node, or null when the
     *     pod list is not available (then allocations are trusted as they are and shared GPUs
     *     fall back to whole-GPU values)
     * @param podUidByPid the pod UID of each GPU process, from its cgroup; empty when processes
     *     are not visible (no host PID namespace)
     */
    public static Attribution attribute(List<GpuSample> gpus, List<Holding> holdings, Map<PodName, PodState> pods,
            Map<Long, String> podUidByPid) {
        Map<String, Set<PodRef>> holdersByDevice = new HashMap<>();
        Map<String, Boolean> timeSliced = new HashMap<>();
        for (Holding h : holdings) {
            if (pods != null) {
                PodState state = pods.get(key(h.holder()));
                if (state == null || state.ended()) {
                    continue;
                }
            }
            holdersByDevice.computeIfAbsent(h.deviceUuid(), k -> new LinkedHashSet<>()).add(h.holder());
            timeSliced.merge(h.deviceUuid(), h.timeSliced(), Boolean::logicalOr);
        }

        Map<String, PodRef> exclusive = new LinkedHashMap<>();
        List<PodGpuUsage> usage = new ArrayList<>();
        for (GpuSample gpu : gpus) {
            if (!gpu.up()) {
                continue;
            }
            for (MigDevice mig : gpu.migDevices()) {
                Set<PodRef> holders = holdersByDevice.get(mig.uuid());
                if (holders != null) {
                    migDevice(gpu, mig, holders.stream().sorted(BY_NAME).toList(), timeSliced.get(mig.uuid()),
                            pods, podUidByPid, exclusive, usage);
                }
            }
            String uuid = gpu.identity().uuid();
            Set<PodRef> holders = holdersByDevice.get(uuid);
            if (holders == null) {
                continue;
            }
            List<PodRef> sorted = holders.stream().sorted(BY_NAME).toList();
            if (sorted.size() == 1 && !timeSliced.get(uuid)) {
                PodRef only = sorted.get(0);
                exclusive.put(uuid, only);
                usage.add(new PodGpuUsage(only, uuid, AttributionMethod.EXCLUSIVE,
                        percent(gpu), gpu.find(GpuField.MEMORY_USED_BYTES).orElse(-1)));
            } else {
                shared(gpu, sorted, pods, podUidByPid, usage);
            }
        }
        return new Attribution(exclusive, usage);
    }

    private static void shared(GpuSample gpu, List<PodRef> holders, Map<PodName, PodState> pods,
            Map<Long, String> podUidByPid, List<PodGpuUsage> out) {
        String uuid = gpu.identity().uuid();
        // Processes that exist but map to no pod mean they are not visible (no host PID namespace):
        // then the split cannot be made. No processes at all is a real answer: nobody computes.
        boolean perProcess = gpu.has(GpuField.PROCESS_UTILIZATION) && pods != null
                && (gpu.processes().isEmpty()
                        || gpu.processes().stream().anyMatch(p -> podUidByPid.containsKey(p.pid())));
        if (!perProcess) {
            for (PodRef pod : holders) {
                out.add(new PodGpuUsage(pod, uuid, AttributionMethod.WHOLE_GPU, percent(gpu),
                        gpu.find(GpuField.MEMORY_USED_BYTES).orElse(-1)));
            }
            return;
        }
        Map<Long, ProcessUtilization> latest = latestByPid(gpu.processUtilization());
        Map<String, Integer> smByUid = new HashMap<>();
        Map<String, Long> memoryByUid = new HashMap<>();
        Set<Long> seen = new HashSet<>();
        for (GpuProcess p : gpu.processes()) {
            String uid = podUidByPid.get(p.pid());
            if (uid == null || !seen.add(p.pid())) {
                continue;
            }
            ProcessUtilization sample = latest.get(p.pid());
            smByUid.merge(uid, sample == null ? 0 : sample.smPercent(), Integer::sum);
            if (p.usedMemoryBytes() >= 0) {
                memoryByUid.merge(uid, p.usedMemoryBytes(), Long::sum);
            }
        }
        for (PodRef pod : holders) {
            String uid = pods.get(key(pod)).uid();
            out.add(new PodGpuUsage(pod, uuid, AttributionMethod.PROCESS,
                    Math.min(100, smByUid.getOrDefault(uid, 0)), memoryByUid.getOrDefault(uid, 0L)));
        }
    }

    /**
     * A MIG device: NVML has no utilization for MIG devices, so pods get memory only — the
     * device's when one container holds it whole, each pod's own processes' when it is shared.
     */
    private static void migDevice(GpuSample gpu, MigDevice mig, List<PodRef> holders, boolean sliced,
            Map<PodName, PodState> pods, Map<Long, String> podUidByPid, Map<String, PodRef> exclusive,
            List<PodGpuUsage> out) {
        if (holders.size() == 1 && !sliced) {
            exclusive.put(mig.uuid(), holders.get(0));
            out.add(new PodGpuUsage(holders.get(0), mig.uuid(), AttributionMethod.EXCLUSIVE, -1,
                    mig.memoryUsedBytes()));
            return;
        }
        List<GpuProcess> onDevice = gpu.processes().stream()
                .filter(p -> p.gpuInstanceId() == mig.gpuInstanceId() && p.computeInstanceId() == mig.computeInstanceId())
                .toList();
        boolean perProcess = pods != null
                && (onDevice.isEmpty() || onDevice.stream().anyMatch(p -> podUidByPid.containsKey(p.pid())));
        Map<String, Long> memoryByUid = new HashMap<>();
        for (GpuProcess p : onDevice) {
            String uid = podUidByPid.get(p.pid());
            if (uid != null && p.usedMemoryBytes() >= 0) {
                memoryByUid.merge(uid, p.usedMemoryBytes(), Long::sum);
            }
        }
        for (PodRef pod : holders) {
            out.add(perProcess
                    ? new PodGpuUsage(pod, mig.uuid(), AttributionMethod.PROCESS, -1,
                            memoryByUid.getOrDefault(pods.get(key(pod)).uid(), 0L))
                    : new PodGpuUsage(pod, mig.uuid(), AttributionMethod.WHOLE_GPU, -1, mig.memoryUsedBytes()));
        }
    }

    /** The newest sample of each process: the driver may return several since the last read. */
    private static Map<Long, ProcessUtilization> latestByPid(List<ProcessUtilization> samples) {
        Map<Long, ProcessUtilization> latest = new HashMap<>();
        for (ProcessUtilization s : samples) {
            latest.merge(s.pid(), s, (a, b) -> b.timestampMicros() > a.timestampMicros() ? b : a);
        }
        return latest;
    }

    private static int percent(GpuSample gpu) {
        return (int) gpu.find(GpuField.UTILIZATION_GPU_PERCENT).orElse(-1);
    }

    private static PodName key(PodRef pod) {
        return PodName.of(pod);
    }
}

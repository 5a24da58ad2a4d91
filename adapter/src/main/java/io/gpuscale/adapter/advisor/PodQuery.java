package io.gpuscale.adapter.advisor;

import io.gpuscale.adapter.cluster.PodSchedulingRecord;
import io.gpuscale.adapter.cluster.Toleration;
import io.kubernetes.client.custom.Quantity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The pod being placed, worked out once per request: its effective request as a canonical vector,
 * its tolerations, and its node affinity parsed. The per-node loop reads only this and the index.
 */
final class PodQuery {
    final PodSchedulingRecord pod;
    final Map<String, Quantity> requests;
    final long[] request;
    /** Slots of the scalar resources the pod requests more than 0 of, by resource name. */
    final int[] scalarSlots;
    /** The subset of {@link #scalarSlots} that are GPUs (nvidia.com/gpu, nvidia.com/mig-*). */
    final int[] gpuSlots;
    /** False for a pod that requests nothing NodeResourcesFit checks: only the pod count applies. */
    final boolean requestsAnything;
    final Toleration[] tolerations;
    /** Tolerations with effect PreferNoSchedule or empty: the ones TaintToleration's score uses. */
    final Toleration[] preferTolerations;
    final NodeAffinity affinity;
    /** NodeName's reasons on any node but the pod's {@code spec.nodeName}; null when that is empty. */
    final List<Reason> nodeNameReasons;

    PodQuery(PodSchedulingRecord pod, ResourceSlots slots) {
        this.pod = pod;
        this.requests = PodResources.requests(pod);
        boolean anyScalarKey = false;
        List<Integer> scalars = new ArrayList<>();
        for (Map.Entry<String, Quantity> e : requests.entrySet()) {
            int s = slots.slot(e.getKey());
            if (s >= ResourceSlots.EPHEMERAL_STORAGE + 1) {
                anyScalarKey = true;
                if (e.getValue().getNumber().signum() > 0) {
                    scalars.add(s);
                }
            }
        }
        this.request = slots.vector(requests);
        scalars.sort(Comparator.comparing(slots::name));
        this.scalarSlots = scalars.stream().mapToInt(Integer::intValue).toArray();
        this.gpuSlots = scalars.stream().filter(s -> ResourceNames.isGpu(slots.name(s))).mapToInt(Integer::intValue)
                .toArray();
        this.requestsAnything = anyScalarKey || request[ResourceSlots.CPU] != 0 || request[ResourceSlots.MEMORY] != 0
                || request[ResourceSlots.EPHEMERAL_STORAGE] != 0;
        this.tolerations = pod.tolerations().toArray(Toleration[]::new);
        this.preferTolerations = pod.tolerations().stream()
                .filter(t -> t.effect().isEmpty() || "PreferNoSchedule".equals(t.effect())).toArray(Toleration[]::new);
        this.affinity = new NodeAffinity(pod);
        this.nodeNameReasons = pod.nodeName().isEmpty() ? null : NodeName.reasons(pod.nodeName());
    }

    boolean gpuPod() {
        return gpuSlots.length > 0;
    }
}

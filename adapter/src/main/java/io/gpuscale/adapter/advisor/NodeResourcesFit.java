package io.gpuscale.adapter.advisor;

import java.util.ArrayList;
import java.util.List;

/**
 * kube-scheduler's NodeResourcesFit filter: the pod fits when the node has room for one more pod
 * ({@code Too many pods} otherwise, checked even for a pod that requests nothing) and, for every
 * resource the pod requests more than 0 of, {@code request <= allocatable - requested}, where
 * requested sums the effective requests of the node's bound, non-terminal pods. A resource the
 * node does not list has allocatable 0. Reasons come in kube-scheduler's order: pods, cpu, memory,
 * ephemeral-storage, then the scalar resources (by name here; Go's map order is random). The
 * status is Unschedulable, since preemption could free room, unless some resource asks for more
 * than the node's whole allocatable: then no eviction can help and, as the newest kube-scheduler
 * does, it is UnschedulableAndUnresolvable. {@code Too many pods} alone stays Unschedulable.
 */
final class NodeResourcesFit {
    static final String NAME = "NodeResourcesFit";
    static final String TOO_MANY_PODS = "Too many pods";

    private NodeResourcesFit() {
    }

    /** Whether the node has room; no allocation. */
    static boolean passes(PodQuery pod, IndexedNode node, IndexedNode.NodeUsage usage) {
        if (usage.pods + 1 > node.allowedPods) {
            return false;
        }
        if (!pod.requestsAnything) {
            return true;
        }
        for (int s = 0; s <= ResourceSlots.EPHEMERAL_STORAGE; s++) {
            if (!fits(pod, node, usage, s)) {
                return false;
            }
        }
        for (int s : pod.scalarSlots) {
            if (!fits(pod, node, usage, s)) {
                return false;
            }
        }
        return true;
    }

    private static boolean fits(PodQuery pod, IndexedNode node, IndexedNode.NodeUsage usage, int slot) {
        long want = ResourceSlots.at(pod.request, slot);
        return want <= 0 || want <= ResourceSlots.at(node.allocatable, slot) - ResourceSlots.at(usage.requested, slot);
    }

    /**
     * Adds the node's failure to {@code out} when it has no room; no allocation when it has.
     *
     * @param shortages this request's shortages, shared by the nodes short of the same thing by
     *     the same numbers
     */
    static void check(PodQuery pod, IndexedNode node, IndexedNode.NodeUsage usage, ResourceSlots slots,
            Shortages shortages, Failures out) {
        if (passes(pod, node, usage)) {
            return;
        }
        // kube-scheduler's status reasons: one shared list while the node is short of one thing
        List<String> status = null;
        List<String> several = null;
        if (usage.pods + 1 > node.allowedPods) {
            status = TOO_MANY_PODS_STATUS;
            out.reasons(shortages.get(PODS_SLOT, TOO_MANY_PODS, ResourceNames.PODS, 1, node.allowedPods, usage.pods));
        }
        boolean unresolvable = false;
        if (pod.requestsAnything) {
            for (int pass = 0; pass < 2; pass++) {
                int[] order = pass == 0 ? FIXED : pod.scalarSlots;
                for (int slot : order) {
                    if (fits(pod, node, usage, slot)) {
                        continue;
                    }
                    List<String> one = slots.insufficient(slot);
                    if (status == null) {
                        status = one;
                    } else {
                        if (several == null) {
                            several = new ArrayList<>(status);
                        }
                        several.add(one.get(0));
                    }
                    long allocatable = ResourceSlots.at(node.allocatable, slot);
                    out.reasons(shortages.get(slot, one.get(0), slots.name(slot), pod.request[slot], allocatable,
                            ResourceSlots.at(usage.requested, slot)));
                    unresolvable |= pod.request[slot] > allocatable;
                }
            }
        }
        out.failed(NAME, several == null ? status : List.copyOf(several), unresolvable);
    }

    /** The pod count's key in {@link Shortages}: no resource slot. */
    private static final int PODS_SLOT = -1;

    /**
     * One request's shortages, each with the one-reason list that holds it, by (resource,
     * allocatable, used): the requested amount is the pod's, the same on every node, so nodes short
     * by the same numbers (a pool's nodes, alike and alike loaded) share one reason and its list.
     * Open addressing over a fixed table; when it is full, a shortage is simply made anew.
     */
    static final class Shortages {
        private static final int SIZE = 512;
        private final int[] slots = new int[SIZE];
        private final long[] allocatables = new long[SIZE];
        private final long[] used = new long[SIZE];
        @SuppressWarnings("unchecked")
        private final List<Reason>[] reasons = new List[SIZE];
        private int count;

        List<Reason> get(int slot, String status, String resource, long requested, long allocatable, long inUse) {
            int h = Long.hashCode(allocatable * 31 + inUse) * 31 + slot;
            int at = (h ^ (h >>> 16)) & (SIZE - 1);
            while (reasons[at] != null) {
                if (slots[at] == slot && allocatables[at] == allocatable && used[at] == inUse) {
                    return reasons[at];
                }
                at = (at + 1) & (SIZE - 1);
            }
            List<Reason> made = List.of(new Shortage(status, resource, requested, allocatable, inUse));
            if (count < SIZE / 2) { // keep probes short
                slots[at] = slot;
                allocatables[at] = allocatable;
                used[at] = inUse;
                reasons[at] = made;
                count++;
            }
            return made;
        }
    }

    private static final int[] FIXED = {ResourceSlots.CPU, ResourceSlots.MEMORY, ResourceSlots.EPHEMERAL_STORAGE};
    private static final List<String> TOO_MANY_PODS_STATUS = List.of(TOO_MANY_PODS);

    /**
     * A resource the node is short of, as numbers; the message ("Insufficient nvidia.com/gpu:
     * requested 2, allocatable 1, used 1") is written only when asked for.
     */
    static final class Shortage extends Reason {
        private final String status;
        private final String resource;
        private final long requested;
        private final long allocatable;
        private final long used;

        Shortage(String status, String resource, long requested, long allocatable, long used) {
            super(NAME);
            this.status = status;
            this.resource = resource;
            this.requested = requested;
            this.allocatable = allocatable;
            this.used = used;
        }

        @Override
        String format() {
            return status + ": requested " + ResourceNames.format(resource, requested) + ", allocatable "
                    + ResourceNames.format(resource, allocatable) + ", used " + ResourceNames.format(resource, used);
        }
    }
}
